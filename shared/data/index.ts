export { type ColumnDtype, type InputBinding, type InputPlan, planInputs, selectFeatures } from "./features";
export { type OpenOptions, openDataset } from "./open-dataset";
export {
  type BatchOptions,
  type ColumnBatch,
  type ColumnType,
  type DataFormat,
  type DataSet,
  DEFAULT_BATCH_SIZE,
  MISSING,
} from "./types";
export {
  boundedLines,
  checkParquetChunk,
  checkParquetPage,
  checkParquetRowCounts,
  checkParquetRowGroup,
  lineTooLong,
  MAX_LINE_CHARS,
  READ_MEMORY_BUDGET_BYTES,
} from "./read-limits";
