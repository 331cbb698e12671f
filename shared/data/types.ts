import type { Logger } from "../log";

/** How a column is read: numbers into a Float64Array (missing -> NaN), strings (categorical) into string[]. */
export type ColumnType = "number" | "string";

export type DataFormat = "csv" | "tsv" | "parquet" | "jsonl";

/**
 * A run of consecutive rows from one file, column by column. Numeric columns are Float64Array (8 bytes a
 * value), categorical ones string[]. Only the columns asked for are present.
 */
export interface ColumnBatch {
  rows: number;
  /** 0-based index of the first row across all files of the data set. */
  offset: number;
  /** The file the rows come from, and the 1-based data row (header excluded) of the first one in it. */
  file: string;
  firstRow: number;
  columns: Record<string, Float64Array | string[]>;
}

export interface BatchOptions {
  /** Columns to read, by header name. Default: all. */
  columns?: string[];
  /** Column types; a column not listed gets the type inferred from the first rows (`DataSet.types`). */
  types?: Record<string, ColumnType>;
  /** Rows per batch (default 8192). */
  batchSize?: number;
  /** Read only these of the data set's files (a shard's part), in the data set's order. Default: all. */
  files?: string[];
  logger?: Logger;
}

/** A local file or glob of files with the same columns. */
export interface DataSet {
  /** What the user passed (path or glob), for messages. */
  source: string;
  files: string[];
  format: DataFormat;
  /** Column names of the first file, in file order (BOM and surrounding quotes removed). */
  columns: string[];
  /** Types inferred from the first rows of the first file: "number" when every non-missing value parses. */
  types: Record<string, ColumnType>;
  /** Text columns of a CSV: where the first value that is not a number is (`file, line N: "value"`). */
  textAt?: Record<string, string>;
  /** Rows expected (Parquet: from the footers; CSV: file sizes / sampled bytes per row); for preallocation only. */
  estimatedRows?: number;
  batches(opts?: BatchOptions): AsyncGenerator<ColumnBatch>;
  /** What was read from the first file's start (plain data): another openDataset of the same source may reuse it. */
  head?: DataSetHead;
}

/** The header and inferred types read from a data set's first file, before any batch. */
export interface DataSetHead {
  format: DataFormat;
  firstFile: string;
  columns: string[];
  types: Record<string, ColumnType>;
  rows?: number;
  bytesPerRow?: number;
  firstText?: Record<string, { line: number; value: string }>;
}

/** Values that mean "missing" in text formats: read as NaN in numeric columns. */
export const MISSING = new Set(["", "NA", "N/A", "NaN", "nan", "NAN", "null", "NULL", "None"]);

export const DEFAULT_BATCH_SIZE = 8192;
