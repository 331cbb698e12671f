import { stat } from "node:fs/promises";
import { parse } from "csv-parse";
import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import {
  boundedLines,
  checkParquetRowCounts,
  checkParquetRowGroup,
  type DataFile,
  type DataFormat,
  FORMAT_HINT,
  formatOfFile,
  lineTooLong,
  localFile,
  MAX_LINE_CHARS,
  parquetBuffer,
} from "../data";
import { shown, UserError } from "../errors";
import { fileError } from "../user-files";

/** One cell as found in the file: CSV cells are raw text, JSON Lines / Parquet cells keep their decoded type. */
export type Cell = string | number | bigint | boolean | null | Date | object;

/** A data row with where it came from, so violations can point into the file. */
export interface DataRow {
  /** 1-based data row index (the header is not counted). */
  row: number;
  /** 1-based line in the file where the row starts (CSV, JSON Lines); undefined for Parquet. */
  line?: number;
  /** Cells in header order; shorter or longer than the header when a CSV row has the wrong field count. */
  cells: Cell[];
}

/** A streamed table: the header first, then rows one at a time. */
export interface RowSource {
  format: DataFormat;
  columns: string[];
  rows: AsyncIterable<DataRow>;
}

/** Pick the format from the file extension, by the rule every reader uses (formatOfFile), unless given. */
export function detectFormat(path: string, format?: DataFormat): DataFormat {
  const found = format ?? formatOfFile(path);
  if (found) return found;
  throw new UserError(`data: cannot tell the format of ${shown(path)} from its extension. ${FORMAT_HINT}.`);
}

/**
 * Stream a CSV (or tab-separated), Parquet or JSON Lines file row by row in bounded memory.
 * CSV: a UTF-8 BOM is dropped, the first record is the header, cells stay raw text (so "12a" in a
 * numeric column is seen as text, not coerced), and each row carries its file line number.
 * JSON Lines: one object per line; the columns are `knownKeys` then the keys of the first object (later new
 * keys are appended); an absent key is a null.
 * Parquet: read one row group at a time.
 */
export async function readRows(
  file: string | DataFile,
  format?: DataFormat,
  /** JSON Lines: keys known up front (e.g. the schema's columns), so an object that omits one reads it as null. */
  knownKeys: readonly string[] = [],
): Promise<RowSource> {
  const path = typeof file === "string" ? file : file.name;
  const fmt = detectFormat(path, format);
  let source: DataFile;
  if (typeof file === "string") {
    try {
      source = localFile(file, (await stat(file)).size);
    } catch {
      throw new UserError(`data: file not found (got ${shown(path)}). Check the path relative to the workspace.`);
    }
  } else source = file;
  if (fmt === "csv" || fmt === "tsv") return readCsv(source, fmt);
  if (fmt === "jsonl") return readJsonl(source, knownKeys);
  return readParquet(source);
}

async function readCsv(source: DataFile, format: "csv" | "tsv"): Promise<RowSource> {
  const path = source.name;
  // Line numbers are counted here rather than with csv-parse's `info` (a third of its cost): a record
  // starts on the line after the previous one ended; blank lines arrive as a single empty field.
  const input = await source.stream();
  const parser = input.pipe(
    parse({
      bom: true,
      delimiter: format === "tsv" ? "\t" : ",",
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: MAX_LINE_CHARS,
    }),
  );
  // pipe() does not pass a read error on: without this a file that cannot be read would never end.
  input.on("error", (e) => parser.destroy(fileError(e, "data", path, "Check the file's permissions.")));
  const iterator: AsyncIterator<string[]> = parser[Symbol.asyncIterator]();
  let nextLine = 1;
  const isBlank = (record: string[]) => record.length === 1 && record[0] === "";
  let first: IteratorResult<string[]>;
  try {
    for (;;) {
      first = await iterator.next();
      if (first.done || !isBlank(first.value)) break;
      nextLine++;
    }
  } catch (e) {
    throw csvError(path, e);
  }
  if (first.done) throw new UserError(`data: ${path} is empty (got no header row). Write a header row and data.`);
  const header = first.value;
  const columns = header.map((c) => c.trim());
  nextLine += 1 + header.reduce((n, cell) => n + countNewlines(cell), 0);
  async function* rows(): AsyncGenerator<DataRow> {
    let row = 0;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        const record = next.value;
        const line = nextLine;
        let newlines = 0;
        for (const cell of record) if (cell.includes("\n")) newlines += countNewlines(cell);
        nextLine += 1 + newlines;
        if (columns.length > 1 && isBlank(record)) continue;
        row++;
        yield { row, line, cells: record };
      }
    } catch (e) {
      throw csvError(path, e);
    }
  }
  return { format, columns, rows: rows() };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function csvError(path: string, e: unknown): Error {
  if (e instanceof Error && "code" in e && e.code === "CSV_MAX_RECORD_SIZE") {
    return lineTooLong(`data: ${path}`, Number((e as { lines?: number }).lines) || 1);
  }
  if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code.startsWith("CSV_")) {
    return new UserError(`data: ${path} is not valid CSV (got ${e.message}). Fix the quoting on that line.`, {
      cause: e,
    });
  }
  return e instanceof Error ? e : new Error(String(e));
}

async function readJsonl(source: DataFile, knownKeys: readonly string[]): Promise<RowSource> {
  const path = source.name;
  // Lines, not readline: a line is bounded (a 1 GiB line is a clear error, not a string past V8's limit).
  const input = await source.stream();
  input.setEncoding("utf8");
  const it = boundedLines(input, `data: ${path}`);
  let lineNo = 0;
  const columns: string[] = [...knownKeys];
  const index = new Map<string, number>(columns.map((c, i) => [c, i]));
  let pending: { line: number; value: Record<string, unknown> } | undefined;

  const parseLine = (text: string, line: number): Record<string, unknown> | undefined => {
    const t = (line === 1 ? text.replace(/^\uFEFF/, "") : text).replace(/\r$/, "");
    if (t.trim() === "") return undefined;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      throw new UserError(
        `data: ${path}:${line} is not valid JSON (got ${shown(t, 60)}). Write one JSON object per line.`,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UserError(
        `data: ${path}:${line} is not a JSON object (got ${shown(t, 60)}). Write one JSON object per line.`,
      );
    }
    return value as Record<string, unknown>;
  };
  const addKeys = (obj: Record<string, unknown>) => {
    for (const k of Object.keys(obj)) {
      if (!index.has(k)) {
        index.set(k, columns.length);
        columns.push(k);
      }
    }
  };
  // Read up to the first object so the header is known before rows are consumed.
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    lineNo++;
    const obj = parseLine(next.value, lineNo);
    if (obj) {
      addKeys(obj);
      pending = { line: lineNo, value: obj };
      break;
    }
  }
  async function* rows(): AsyncGenerator<DataRow> {
    let row = 0;
    const toRow = (obj: Record<string, unknown>, line: number): DataRow => {
      addKeys(obj);
      const cells: Cell[] = new Array(columns.length).fill(null);
      for (const [k, v] of Object.entries(obj)) cells[index.get(k) ?? 0] = v === undefined ? null : (v as Cell);
      row++;
      return { row, line, cells };
    };
    if (pending) yield toRow(pending.value, pending.line);
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      lineNo++;
      const obj = parseLine(next.value, lineNo);
      if (obj) yield toRow(obj, lineNo);
    }
  }
  return { format: "jsonl", columns, rows: rows() };
}

async function readParquet(source: DataFile): Promise<RowSource> {
  const path = source.name;
  const file = parquetBuffer(source);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new UserError(
      `data: ${path} is not a readable Parquet file (got ${e instanceof Error ? e.message : String(e)}). Check the file.`,
      { cause: e },
    );
  }
  const columns = metadata.schema
    .slice(1)
    .filter((s) => s.num_children === undefined || s.num_children === 0)
    .map((s) => s.name);
  const where = `data: ${path}`;
  checkParquetRowCounts(
    where,
    metadata.num_rows,
    metadata.row_groups.map((g) => g.num_rows),
  );
  // A row group is read as one object per row: ~64 bytes a cell.
  metadata.row_groups.forEach((g, i) =>
    checkParquetRowGroup(where, i, Number(g.num_rows), 64 * Math.max(1, columns.length), file.byteLength),
  );
  async function* rows(): AsyncGenerator<DataRow> {
    let start = 0;
    let row = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, columns });
      for (const obj of objects) {
        row++;
        yield { row, cells: columns.map((c) => (obj[c] === undefined ? null : (obj[c] as Cell))) };
      }
      start = end;
    }
  }
  return { format: "parquet", columns, rows: rows() };
}
