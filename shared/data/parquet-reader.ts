import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { numberColumn } from "./batch-builder";
import type { DataFile } from "./data-files";
import { shown, UserError } from "../errors";
import { chunkRange, columnMeta, FlatColumnCursor, flatNumericPath, readFlatColumn } from "./parquet-flat";
import { checkParquetChunk, checkParquetRowCounts, checkParquetRowGroup } from "./read-limits";
import type { ColumnBatch, ColumnType } from "./types";

/**
 * Parquet via hyparquet, one row group at a time (only the selected columns are decoded), sliced into
 * batches. Flat numeric columns are decoded page by page straight into Float64Arrays (`parquet-flat.ts`);
 * every other column goes through hyparquet's parquetRead. Memory: the selected columns' compressed chunks of
 * one row group, plus, when every selected column is flat and numeric, one page a column and the batch (the
 * group is decoded a batch at a time), else the whole row group decoded (8 bytes a numeric value).
 */

export interface ParquetHead {
  columns: string[];
  types: Record<string, ColumnType>;
  rows: number;
}

/** Parquet reads the footer, then column chunks: ranges of the file (of the blob, for a remote file). */
export function asyncBuffer(source: DataFile): AsyncBuffer {
  return { byteLength: source.size, slice: (start, end) => source.read(start, end ?? source.size) };
}

async function metadataOf(source: DataFile): Promise<FileMetaData> {
  const file = source.name;
  const buffer = asyncBuffer(source);
  if (buffer.byteLength === 0) {
    throw new UserError(`${file}: the file is empty (got 0 bytes). Pass a Parquet file with rows.`);
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new UserError(
      `${file}: not a readable Parquet file (${(e as Error).message}). Check the file, or use a .csv/.jsonl extension for text data.`,
      { cause: e },
    );
  }
  checkParquetRowCounts(
    file,
    metadata.num_rows,
    metadata.row_groups.map((g) => g.num_rows),
  );
  return metadata;
}

export async function readParquetHead(source: DataFile): Promise<ParquetHead> {
  const file = source.name;
  const metadata = await metadataOf(source);
  const leaves = parquetSchema(metadata).children;
  const columns = leaves.map((c) => c.element.name);
  const types: Record<string, ColumnType> = {};
  for (const c of leaves) {
    const t = c.element.type;
    types[c.element.name] =
      c.children.length === 0 && (t === "INT32" || t === "INT64" || t === "FLOAT" || t === "DOUBLE" || t === "BOOLEAN")
        ? "number"
        : "string";
  }
  const rows = Number(metadata.num_rows);
  if (rows === 0) {
    throw new UserError(`${file}: has no rows (columns: ${columns.join(", ")}). Pass a Parquet file with data.`);
  }
  return { columns, types, rows };
}

export interface ParquetReadPlan {
  file: DataFile;
  columns: string[];
  select: { name: string; type: ColumnType }[];
  batchSize: number;
  offset: number;
  /** Read every column through parquetRead, without the flat numeric path (tests and benchmarks compare the two). */
  hyparquetOnly?: boolean;
}

export async function* parquetBatches(plan: ParquetReadPlan): AsyncGenerator<ColumnBatch> {
  const file = plan.file.name;
  const buffer = asyncBuffer(plan.file);
  const metadata = await metadataOf(plan.file);
  const header = parquetSchema(metadata).children.map((c) => c.element.name);
  if (header.length !== plan.columns.length || header.some((n, i) => n !== plan.columns[i])) {
    throw new UserError(
      `${file}: its columns differ from the first file's (got ${shown(header.join(","), 200)}, expected ${shown(plan.columns.join(","), 200)}). ` +
        "All files of a glob must have the same columns in the same order.",
    );
  }
  const schema = parquetSchema(metadata);
  const flat = new Map<string, NonNullable<ReturnType<typeof flatNumericPath>>>();
  if (!plan.hyparquetOnly) {
    for (const s of plan.select) {
      const path = s.type === "number" ? flatNumericPath(schema, s.name) : undefined;
      if (path) flat.set(s.name, path);
    }
  }
  const names = plan.select.map((s) => s.name).filter((name) => !flat.has(name));
  const { compressors } = await import("./parquet-compressors");
  let offset = plan.offset;
  let groupStart = 0;
  // Decoded size of a row: 8 bytes a number, and a string's slot plus a short string.
  const bytesPerRow = plan.select.reduce((sum, s) => sum + (s.type === "number" ? 8 : 64), 0);
  // One buffer a flat column for its chunks, read again for every row group: each chunk is decoded before the
  // next is read, and a fresh buffer a chunk cost the first touch of every byte read (~3 ms of CPU a MB here).
  const scratch = new Map<string, Uint8Array>();
  for (const [g, group] of metadata.row_groups.entries()) {
    const n = Number(group.num_rows);
    checkParquetRowGroup(file, g, n, bytesPerRow, buffer.byteLength);
    const chunkOf = async (name: string) => {
      const meta = columnMeta(metadata, g, name);
      const [start, end] = chunkRange(meta);
      checkParquetChunk(file, name, start, end, buffer.byteLength);
      let into = scratch.get(name);
      if (!into || into.length < end - start) {
        into = new Uint8Array(Math.ceil((end - start) * 1.25));
        scratch.set(name, into);
      }
      return { meta, bytes: await plan.file.readInto(start, end, into) };
    };
    if (names.length === 0) {
      // Every column flat and numeric (an evaluation's features and label): the row group's pages are decoded a
      // batch at a time into the batch's own columns, so its first batch is ready after its first pages, and a
      // consumer on another thread starts (and ends) one batch after the reader, not one row group.
      const cursors = await Promise.all(
        [...flat].map(async ([name, path]) => {
          const { meta, bytes } = await chunkOf(name);
          return [name, new FlatColumnCursor(bytes, meta, path, n, compressors, file)] as const;
        }),
      );
      for (let start = 0; start < n; start += plan.batchSize) {
        const rows = Math.min(n - start, plan.batchSize);
        const columns: Record<string, Float64Array> = {};
        // Recycled arrays when the consumer gives them back (the parse worker's), else new.
        for (const [name, cursor] of cursors) cursor.read((columns[name] = numberColumn(rows)), 0, rows);
        yield { rows, offset, file, firstRow: groupStart + start + 1, columns };
        offset += rows;
      }
      groupStart += n;
      continue;
    }
    const cols: Record<string, Float64Array | string[]> = {};
    // Number columns from the recycled ones when the consumer gives them back (the parse worker's), else new.
    for (const s of plan.select) cols[s.name] = s.type === "number" ? numberColumn(n) : new Array<string>(n);
    await Promise.all(
      [...flat].map(async ([name, path]) => {
        const { meta, bytes } = await chunkOf(name);
        readFlatColumn(bytes, meta, path, cols[name] as Float64Array, compressors, file);
      }),
    );
    if (names.length > 0) {
      // An error thrown inside onChunk would escape parquetRead as an unhandled rejection: keep the
      // first one and throw it once the read is done.
      let failure: { error: unknown } | undefined;
      await parquetRead({
        file: buffer,
        metadata,
        columns: names,
        compressors,
        rowStart: groupStart,
        rowEnd: groupStart + n,
        onChunk: (chunk) => {
          const target = cols[chunk.columnName];
          if (!target || failure !== undefined) return;
          try {
            copyChunk(file, chunk.columnName, chunk.columnData, chunk.rowStart - groupStart, target, groupStart);
          } catch (e) {
            failure = { error: e };
          }
        },
      });
      if (failure !== undefined) throw failure.error;
    }
    for (let start = 0; start < n; start += plan.batchSize) {
      const end = Math.min(n, start + plan.batchSize);
      const columns: Record<string, Float64Array | string[]> = {};
      for (const [name, values] of Object.entries(cols)) {
        columns[name] = values instanceof Float64Array ? values.subarray(start, end) : values.slice(start, end);
      }
      yield { rows: end - start, offset, file, firstRow: groupStart + start + 1, columns };
      offset += end - start;
    }
    groupStart += n;
  }
}

function copyChunk(
  file: string,
  column: string,
  data: ArrayLike<unknown>,
  at: number,
  target: Float64Array | string[],
  groupStart: number,
): void {
  const from = Math.max(0, -at);
  const to = Math.min(data.length, target.length - at);
  if (target instanceof Float64Array) {
    if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) {
      target.set(data.subarray(from, to), at + from);
      return;
    }
    for (let i = from; i < to; i++) {
      const v = data[i];
      if (typeof v === "number") target[at + i] = v;
      else if (typeof v === "bigint") target[at + i] = Number(v);
      else if (typeof v === "boolean") target[at + i] = v ? 1 : 0;
      else if (v === null || v === undefined) target[at + i] = Number.NaN;
      // Timestamps (e.g. the inference server's capture `time`) as milliseconds since the epoch.
      else if (v instanceof Date) target[at + i] = v.getTime();
      else {
        throw new UserError(
          `${file}: non-numeric value in numeric column "${column}" at row ${groupStart + at + i + 1} (got ${shown(v)}). ` +
            `Fix the value, or treat "${column}" as a categorical (string) column.`,
        );
      }
    }
    return;
  }
  for (let i = from; i < to; i++) {
    const v = data[i];
    target[at + i] =
      v === null || v === undefined ? "" : typeof v === "string" ? v : v instanceof Date ? v.toISOString() : String(v);
  }
}
