import type { DeployOnlineResult } from "./deploy-online";

/** The step's outputs, by their names in action.yml. */
export function deployOnlineOutputs(r: DeployOnlineResult) {
  return {
    deployment: r.deployment,
    "scoring-uri": r.scoringUri,
    traffic: r.traffic,
    "previous-traffic": r.previousTraffic,
    "rolled-back": r.rolledBack,
  };
}
