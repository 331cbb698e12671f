/**
 * What a data file may make a reader allocate, checked before the allocation: sizes a file claims (Parquet row
 * counts and page sizes) against the file's real size and a memory budget, and the length of a text line.
 * Each check is a small function so every reader (CSV, JSON Lines, Parquet; on the main thread or a worker)
 * applies the same limits with the same messages.
 */
import { UserError } from "../errors";

/** Longest line of a CSV or JSON Lines file, in characters. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** Memory a reader may allocate for one Parquet row group (or one page), in bytes. */
export const READ_MEMORY_BUDGET_BYTES = 2 * 1024 * 1024 * 1024;

const mib = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MiB`;

/** The error for a line over MAX_LINE_CHARS; `line` is 1-based. */
export function lineTooLong(file: string, line: number, limit = MAX_LINE_CHARS): UserError {
  return new UserError(
    `${file}: line ${line} is longer than ${mib(limit)} (got more than ${limit} characters without a line break). Check that the file is line-delimited text; keep each record under ${mib(limit)} (or store large values in Parquet).`,
  );
}

/**
 * Splits a text stream into lines ("\n"; a "\r" before it is left to the caller) in time linear in its length:
 * a long line is collected chunk by chunk and joined once. A line longer than `limit` is a UserError naming it.
 */
export async function* boundedLines(
  chunks: AsyncIterable<string | Buffer>,
  file: string,
  limit = MAX_LINE_CHARS,
): AsyncGenerator<string> {
  let pending: string[] = [];
  let pendingLength = 0;
  let line = 1;
  for await (const raw of chunks) {
    const chunk = typeof raw === "string" ? raw : raw.toString("utf8");
    let from = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
      if (pendingLength + nl - from > limit) throw lineTooLong(file, line, limit);
      const piece = chunk.slice(from, nl);
      yield pending.length === 0 ? piece : pending.join("") + piece;
      pending = [];
      pendingLength = 0;
      from = nl + 1;
      line++;
    }
    if (from < chunk.length) {
      pendingLength += chunk.length - from;
      if (pendingLength > limit) throw lineTooLong(file, line, limit);
      pending.push(chunk.slice(from));
    }
  }
  if (pending.length > 0) yield pending.join("");
}

function damaged(file: string, what: string, fix: string): UserError {
  return new UserError(`${file}: ${what}. ${fix}`);
}

/** The file's total row count must be a whole number equal to the sum of its row groups'. */
export function checkParquetRowCounts(
  file: string,
  numRows: bigint | number,
  groups: readonly (bigint | number)[],
): void {
  let sum = 0;
  for (const g of groups) {
    const n = Number(g);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw damaged(
        file,
        `a row group claims ${String(g)} rows (got a count that is not a row count)`,
        "The file is damaged; write it again.",
      );
    }
    sum += n;
  }
  if (Number(numRows) !== sum) {
    throw damaged(
      file,
      `its footer claims ${String(numRows)} rows but its row groups hold ${sum} (got inconsistent metadata)`,
      "The file is damaged; write it again.",
    );
  }
}

/**
 * One row group of `rows` rows decoded into `bytesPerRow` bytes a row (8 a numeric column, more for text) must
 * fit the memory budget.
 */
export function checkParquetRowGroup(
  file: string,
  group: number,
  rows: number,
  bytesPerRow: number,
  fileSize: number,
  budget = READ_MEMORY_BUDGET_BYTES,
): void {
  const bytes = rows * bytesPerRow;
  if (bytes > budget) {
    throw damaged(
      file,
      `row group ${group} claims ${rows} rows, which would take ${mib(bytes)} to decode, more than the reader's budget of ${mib(budget)} (got a ${fileSize}-byte file)`,
      "If the file is intact, write it with smaller row groups (e.g. pyarrow's row_group_size=1_000_000); otherwise write it again.",
    );
  }
}

/** A column chunk's byte range must lie inside the file. */
export function checkParquetChunk(file: string, column: string, start: number, end: number, fileSize: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > fileSize) {
    throw damaged(
      file,
      `column "${column}" claims bytes ${start}-${end} but the file has ${fileSize} (got a chunk outside the file)`,
      "The file is damaged or truncated; write it again.",
    );
  }
}

/**
 * A page's sizes must fit what is left of its chunk (compressed) and the memory budget (uncompressed), and it
 * cannot hold more values than its row group has rows left.
 */
export function checkParquetPage(
  file: string,
  column: string,
  page: { compressed: number; uncompressed: number; values?: number },
  left: { bytes: number; rows: number },
  budget = READ_MEMORY_BUDGET_BYTES,
): void {
  const { compressed, uncompressed, values } = page;
  if (!Number.isSafeInteger(compressed) || compressed < 0 || compressed > left.bytes) {
    throw damaged(
      file,
      `a page of column "${column}" claims ${compressed} bytes but its chunk has ${left.bytes} left (got a page outside its chunk)`,
      "The file is damaged or truncated; write it again.",
    );
  }
  if (!Number.isSafeInteger(uncompressed) || uncompressed < 0 || uncompressed > budget) {
    throw damaged(
      file,
      `a page of column "${column}" claims ${uncompressed} bytes uncompressed, more than the reader's budget of ${mib(budget)}`,
      "The file is damaged; write it again.",
    );
  }
  if (values !== undefined && (!Number.isSafeInteger(values) || values < 0 || values > left.rows)) {
    throw damaged(
      file,
      `a page of column "${column}" claims ${values} values but its row group has ${left.rows} rows left`,
      "The file is damaged; write it again.",
    );
  }
}
