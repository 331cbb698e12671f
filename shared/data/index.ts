export {
  type ColumnDtype,
  declaredFeatures,
  type InputBinding,
  type InputPlan,
  planInputs,
  selectFeatures,
} from "./features";
export {
  type DataFile,
  dataSecrets,
  isRemoteData,
  localFile,
  type ResolveOptions,
  resolveDataFiles,
} from "./data-files";
export { detectFormat, FORMAT_HINT, formatOfFile } from "./files";
export { type OpenOptions, openDataset } from "./open-dataset";
export { asyncBuffer as parquetBuffer } from "./parquet-reader";
export { encodeParquet, type ParquetColumn } from "./parquet-writer";
export { batchesInWorker, prewarmParseWorker, type WorkerBatchOptions } from "./worker-batches";
export {
  type BatchOptions,
  type ColumnBatch,
  type ColumnType,
  type DataFormat,
  type DataSet,
  type DataSetHead,
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
