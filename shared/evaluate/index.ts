export {
  type EvaluationMeta,
  EvaluationState,
  type FinishedEvaluation,
  type FinishedModel,
  type ModelInfo,
} from "./evaluation-state";
export {
  type EvaluateOptions,
  type Evaluation,
  evaluateAndFinish,
  evaluateModels,
  type ModelEvaluation,
  type ModelToEvaluate,
  type PickedBatch,
  pickRows,
} from "./evaluate";
export { buildFeeds } from "./feeds";
export { LabelMapper } from "./labels";
export { checkTask, chooseOutput, inferTask } from "./outputs";
export type { NanPolicy } from "./feeds";
export type { OutputChoice } from "./outputs";
export type { ParityOptions, ParityReport } from "./parity";
export { parseShard, rowIds, type ShardSpec, shardFiles, shardOfId } from "./row-ids";
