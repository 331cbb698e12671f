export { type DataHash, hashData } from "./data-hash";
export { lineageFromEnv, type RunLineage } from "./lineage";
export { type FlatParams, flattenParams, parseParams, type TrainParams } from "./params";
export { type RunTrainerOptions, runTrainer, TrainerError, type TrainerRun } from "./run-trainer";
export { renderJobEndedMarkdown, renderTrainMarkdown } from "./summary";
export {
  type CardTensor,
  type ModelRegistrar,
  modelUri,
  type TrainCard,
  type TrainLineage,
  type TrainOptions,
  type TrainResult,
  finishTrain,
  train,
} from "./train";
export { type ModelOutput, readMetricsOutput, readModelOutput } from "./trainer-outputs";
// The Azure ML path is imported from ./azureml-train directly (or loaded by runTrain on demand), so that
// importing this index does not load the Azure Storage SDK.
export type { AzureMLTrainOptions, AzureMLTrainResult, TrialResult } from "./azureml-train";
export type { AzureMLLineage, AzureMLModelLineage, AzureMLTrialLineage } from "./lineage";
export {
  renderTrainFailureMarkdown,
  runTrain,
  type TrainStepOptions,
  type TrainStepRequest,
  type TrainStepResult,
  type TrainStepRun,
  trainOutputs,
  trainSecrets,
} from "./train-step";
