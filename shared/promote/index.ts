export type { PromoteOptions, PromoteResult, RollbackOptions } from "./promote";
export { promote, rollback } from "./promote";
export {
  type PromoteStepOptions,
  type PromoteStepResult,
  promoteOutputs,
  promoteSecrets,
  runApprovers,
  runPromote,
} from "./promote-step";
// The Azure ML target is loaded by runPromote when to-registry is azureml:// (import ./azureml-target for
// its values), so that importing this index does not load the Azure Storage SDK.
export type { AzureMLTarget, AzureMLTargetOptions, PublishedVersion } from "./azureml-target";
