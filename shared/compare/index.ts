export {
  type CompareDecision,
  type CompareOptions,
  type CompareResult,
  type CompareRule,
  runCompareModels,
  defaultChampion,
  evaluateShard,
  type ShardResult,
  type ModelSummary,
  NO_CHAMPION,
} from "./compare";
export { commentCompareReport, compareOutputs, compareRejection, compareSecrets } from "./compare-step";
export { type ContractReport, compareContracts } from "./contract";
export { type ConsumerInterface, checkInterface, interfaceYaml, loadInterface } from "./interface";
export { formatTime, type Provenance, provenanceLine, renderCompareMarkdown } from "./report";
export { renderCompareHtml } from "./report-html";
export type { SliceComparison } from "./slices";
export { type TrainingLineage, trainingLineage } from "./training-lineage";
