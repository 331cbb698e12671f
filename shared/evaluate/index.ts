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
export { LabelMapper } from "./labels";
export type { ParityOptions, ParityReport } from "./parity";
export { parseShard, rowIds, type ShardSpec, shardFiles, shardOfId } from "./row-ids";
