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
export { renderCompareMarkdown } from "./report";
