import { shown, UserError } from "../errors";
import { type ColumnBatch, type ColumnType, MISSING } from "./types";

/** Fills fixed-size column buffers row by row and hands out finished batches. Shared by the text readers. */
export class BatchBuilder {
  readonly numberNames: string[];
  readonly stringNames: string[];
  numbers: Float64Array[] = [];
  strings: string[][] = [];
  /** Rows filled in the current batch. */
  k = 0;
  private firstRow = 1;
  private readonly ready: ColumnBatch[] = [];

  constructor(
    select: { name: string; type: ColumnType }[],
    readonly batchSize: number,
    readonly file: string,
    /** Global index of the next row. */
    public offset: number,
    /** Lines before the first data row (CSV: the header), so errors name the file line; undefined: rows. */
    private readonly headerLines?: number,
  ) {
    this.numberNames = select.filter((s) => s.type === "number").map((s) => s.name);
    this.stringNames = select.filter((s) => s.type === "string").map((s) => s.name);
    this.allocate();
  }

  private allocate(): void {
    this.numbers = this.numberNames.map(() => numberColumn(this.batchSize));
    this.strings = this.stringNames.map(() => new Array<string>(this.batchSize));
  }

  /** The row just written at index `k` is complete; `row` is its 1-based row number in the file. */
  commit(row: number): void {
    if (this.k === 0) this.firstRow = row;
    if (++this.k === this.batchSize) this.flush();
  }

  /** A numeric column's value did not parse: NaN for a missing marker, else a UserError naming row and column. */
  missingOrThrow(value: string, numberColumn: number, row: number): number {
    if (MISSING.has(value.trim())) return Number.NaN;
    const column = this.numberNames[numberColumn]!;
    const where = this.headerLines === undefined ? `row ${row}` : `line ${row + this.headerLines}`;
    throw new UserError(
      `${this.file}, ${where}, column "${column}": not a number in a numeric column (got ${shown(value)}). ` +
        `Fix the value (empty or NA mean missing), or treat "${column}" as a categorical (string) column.`,
    );
  }

  flush(): void {
    const n = this.k;
    if (n === 0) return;
    const columns: Record<string, Float64Array | string[]> = {};
    this.numberNames.forEach((name, j) => {
      columns[name] = n === this.batchSize ? this.numbers[j]! : this.numbers[j]!.slice(0, n);
    });
    this.stringNames.forEach((name, j) => {
      const s = this.strings[j]!;
      if (n !== this.batchSize) s.length = n;
      columns[name] = s;
    });
    this.ready.push({ rows: n, offset: this.offset, file: this.file, firstRow: this.firstRow, columns });
    this.offset += n;
    this.k = 0;
    this.allocate();
  }

  *drain(): Generator<ColumnBatch> {
    while (this.ready.length > 0) yield this.ready.shift()!;
  }
}

/**
 * Number columns given back by the consumer of this thread's batches (the parse worker gets them back from
 * the thread that scored them), filled again instead of allocating: a fresh array per column and batch
 * cost more in allocation and garbage collection than parsing into it. Bounded; empty unless recycled.
 */
const recycled: Float64Array[] = [];
const RECYCLED_MAX = 512;
/** At most this many bytes kept (a few Parquet row groups' columns, or 512 batches' of 8,192 rows). */
const RECYCLED_MAX_BYTES = 64 * 2 ** 20;
let recycledBytes = 0;

/**
 * Keeps `arrays` for `numberColumn`. With `length`, only arrays of that length (the batch size) are kept: a
 * short batch's columns (a Parquet row group's or the file's tail) would sit in the pool and rarely match.
 */
export function recycleColumns(arrays: Float64Array[], length?: number): void {
  for (const a of arrays) {
    if (recycled.length >= RECYCLED_MAX) return;
    if (recycledBytes + a.byteLength > RECYCLED_MAX_BYTES) continue;
    if (length === undefined || a.length === length) {
      recycled.push(a);
      recycledBytes += a.byteLength;
    }
  }
}

/**
 * A zeroed column of `length` (as `new Float64Array(length)`), a recycled one when one of that length is
 * kept. The others stay kept: a short request (a row group's tail) must not empty the pool, or every later
 * batch allocates again.
 */
export function numberColumn(length: number): Float64Array {
  for (let i = recycled.length - 1; i >= 0; i--) {
    const a = recycled[i]!;
    if (a.length !== length) continue;
    recycled[i] = recycled[recycled.length - 1]!;
    recycled.pop();
    recycledBytes -= a.byteLength;
    return a.fill(0);
  }
  return new Float64Array(length);
}

/** Arrays kept for reuse (for tests). */
export function recycledCount(): number {
  return recycled.length;
}
