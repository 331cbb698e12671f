export {
  type CompareOptions,
  type CompareResult,
  type CompareRule,
  compareModels,
  defaultChampion,
  evaluateShard,
  type ShardResult,
  type ModelSummary,
} from "./compare";
export { type ContractReport, compareContracts } from "./contract";
export { formatTime, type Provenance, provenanceLine, renderCompareMarkdown } from "./report";
export { renderCompareHtml } from "./report-html";
export type { SliceComparison } from "./slices";
export { type TrainingLineage, trainingLineage } from "./training-lineage";
