export type { PromoteOptions, PromoteResult, RollbackOptions } from "./promote";
export { promote, rollback } from "./promote";
export { type PromoteStepOptions, type PromoteStepResult, promoteStep } from "./promote-step";
export {
  AzureMLTarget,
  type AzureMLTargetOptions,
  CARD_SHA_PROPERTY,
  cardDigest,
  type PublishedVersion,
  versionMetadata,
} from "./azureml-target";
