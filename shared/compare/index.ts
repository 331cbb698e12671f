export {
  type CompareOptions,
  type CompareResult,
  type CompareRule,
  compareModels,
  defaultChampion,
  type ModelSummary,
} from "./compare";
export { type ContractReport, compareContracts } from "./contract";
export { renderCompareMarkdown } from "./report";
export { type TrainingLineage, trainingLineage } from "./training-lineage";
