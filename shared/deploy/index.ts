export {
  type DeployOnlineOptions,
  type DeployOnlineResult,
  runDeployOnline,
  MODEL_TAG,
  ROLE_TAG,
  RolloutFailed,
} from "./deploy-online";
export { deployOnlineOutputs } from "./deploy-online-step";
export { type CheckResult, checkDeployment, percentile } from "./health-check";
export { abSplit, blueGreenPlan, formatTraffic, parseTrafficSteps, shiftTo, type TrafficMap } from "./traffic-plan";
export { readSampleRequest, resolveCodePath } from "./step-inputs";
