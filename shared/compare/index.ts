export {
  type CompareDecision,
  type CompareOptions,
  type CompareResult,
  type CompareRule,
  compareModels,
  defaultChampion,
  type ModelSummary,
  NO_CHAMPION,
} from "./compare";
export { type ContractReport, compareContracts } from "./contract";
export { type ConsumerInterface, checkInterface, interfaceYaml, loadInterface } from "./interface";
export { renderCompareMarkdown } from "./report";
