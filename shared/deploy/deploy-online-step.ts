import { type DeployOnlineOptions, type DeployOnlineResult, RolloutFailed, runDeployOnline } from "./deploy-online";

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

/**
 * The deploy-online action's use case: roll out, and hand the result to `report`, also for a rollout that failed
 * and was rolled back (its outputs and summary say where traffic went), before the failure is raised.
 */
export async function deployOnlineStep(
  opts: DeployOnlineOptions,
  report: (r: DeployOnlineResult) => void,
): Promise<void> {
  try {
    report(await runDeployOnline(opts));
  } catch (e) {
    if (e instanceof RolloutFailed) report(e.result);
    throw e;
  }
}
