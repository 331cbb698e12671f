import { shown, UserError } from "../errors";
import { csvBatches, readCsvHead } from "./csv-reader";
import { resolveDataFiles } from "./data-files";
import { detectFormat } from "./files";
import { jsonlBatches, readJsonlHead } from "./jsonl-reader";
import { parquetBatches, readParquetHead } from "./parquet-reader";
import {
  type BatchOptions,
  type ColumnBatch,
  type ColumnType,
  type DataFormat,
  type DataSet,
  type DataSetHead,
  DEFAULT_BATCH_SIZE,
} from "./types";

export interface OpenOptions {
  /** Overrides the format told by the extension. */
  format?: DataFormat;
  /** The input's name in error messages (default "data"). */
  input?: string;
  /** Environment for blob credentials (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * The head an earlier openDataset of the same source read (`DataSet.head`): used instead of reading the
   * first file's start again when it is for the same first file and format (the parse worker, whose caller
   * has just opened the data set).
   */
  head?: DataSetHead;
}

/**
 * Open a local file or glob, or Azure Blob URIs (a blob, a prefix or a glob; see resolveDataFiles), of CSV,
 * TSV, Parquet or JSON Lines for streaming: reads the header and infers column types from the first rows, reads
 * no data yet. Missing/empty file -> UserError.
 */
export async function openDataset(pathOrGlob: string, opts: OpenOptions = {}): Promise<DataSet> {
  const input = opts.input ?? "data";
  const sources = await resolveDataFiles(pathOrGlob, { input, ...(opts.env ? { env: opts.env } : {}) });
  const files = sources.map((f) => f.name);
  const format = opts.format ?? detectFormat(files, input);
  const first = sources[0]!;
  const given = opts.head?.format === format && opts.head.firstFile === first.name ? opts.head : undefined;
  const head: Omit<DataSetHead, "format" | "firstFile"> =
    given ??
    (format === "parquet"
      ? await readParquetHead(first)
      : format === "jsonl"
        ? await readJsonlHead(first)
        : await readCsvHead(first, format === "tsv" ? "\t" : ","));
  const { columns, types } = head;
  let estimatedRows: number | undefined;
  if (head.rows !== undefined) estimatedRows = head.rows * files.length;
  else if (head.bytesPerRow !== undefined) {
    const bytesPerRow = head.bytesPerRow;
    estimatedRows = Math.round(sources.reduce((a, f) => a + f.size, 0) / bytesPerRow);
  }

  async function* batches(bopts: BatchOptions = {}): AsyncGenerator<ColumnBatch> {
    const wanted = bopts.columns ?? columns;
    const missing = wanted.filter((c) => !columns.includes(c));
    if (missing.length > 0) {
      throw new UserError(
        `${input}: column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} not found in ${first.name} ` +
          `(columns: ${columns.join(", ")}). Check the names: case, spaces and brackets must match the header.`,
      );
    }
    const select = [...new Set(wanted)].map((name) => ({
      name,
      type: (bopts.types?.[name] ?? types[name] ?? "string") as ColumnType,
    }));
    const batchSize = bopts.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UserError(`batchSize: must be a positive integer (got ${batchSize}). Use e.g. 8192.`);
    }
    let offset = 0;
    const only = bopts.files ? new Set(bopts.files) : undefined;
    for (const file of only ? sources.filter((f) => only.has(f.name)) : sources) {
      const gen =
        format === "parquet"
          ? parquetBatches({ file, columns, select, batchSize, offset })
          : format === "jsonl"
            ? jsonlBatches({ file, select, batchSize, offset })
            : csvBatches({ file, columns, select, batchSize, offset, delimiter: format === "tsv" ? "\t" : "," });
      for await (const batch of gen) {
        offset += batch.rows;
        yield batch;
      }
    }
  }

  return {
    source: pathOrGlob,
    files,
    format,
    columns,
    types,
    batches,
    head: {
      format,
      firstFile: first.name,
      columns,
      types,
      ...(head.rows !== undefined ? { rows: head.rows } : {}),
      ...(head.bytesPerRow !== undefined ? { bytesPerRow: head.bytesPerRow } : {}),
      ...(head.firstText ? { firstText: head.firstText } : {}),
    },
    ...(estimatedRows !== undefined ? { estimatedRows } : {}),
    ...(head.firstText
      ? {
          textAt: Object.fromEntries(
            Object.entries(head.firstText).map(([c, t]) => [c, `${first.name}, line ${t.line}: ${shown(t.value)}`]),
          ),
        }
      : {}),
  };
}
