/**
 * A small Parquet writer for flat tables: one row group (`encodeParquet`) or several written as they come
 * (`ParquetRowGroups`, batch scoring's predictions), one uncompressed page per column and row group, numbers PLAIN
 * (a memory copy of the typed array), strings and run-length timestamps dictionary-encoded (RLE runs of indices),
 * nullable columns with RLE definition levels. Written here rather than with hyparquet-writer because the edge server encodes its
 * capture on the request path's CPU budget: hyparquet-writer took ~4.5 µs per row for a 12-column capture row
 * (≈0.1 µs per float value, ≈2 µs per string), this writer ~0.1 µs (bench/capture.ts). What it writes is read
 * back by hyparquet in the tests, value for value.
 *
 * Format: https://github.com/apache/parquet-format (parquet.thrift, Encodings.md: PLAIN, RLE_DICTIONARY and the
 * RLE/bit-packing hybrid), Thrift compact protocol: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */

export type ParquetColumnData =
  | { type: "float"; values: Float32Array }
  | { type: "double"; values: Float64Array }
  | { type: "int32"; values: Int32Array }
  | { type: "int64"; values: BigInt64Array }
  /** Milliseconds since the epoch, UTC (read back as dates). */
  | { type: "timestamp-ms"; values: BigInt64Array }
  /**
   * The same, as values[i] (whole milliseconds) repeated runs[i] times (the rows of one request share its time):
   * dictionary-encoded, a few bytes per run instead of 8 per row.
   */
  | { type: "timestamp-ms"; values: Float64Array; runs: Uint32Array }
  /** 0 or 1 per row. */
  | { type: "boolean"; values: Uint8Array }
  /**
   * One string per row; or one string for every row; or, with `runs`, values[i] repeated runs[i] times (the
   * rows of one request share its id).
   */
  | { type: "string"; values: readonly string[] | string; runs?: Uint32Array }
  /** Already dictionary-encoded: row i is values[indices[i]] (the values distinct, in order of first use). */
  | { type: "string"; values: readonly string[]; indices: Int32Array | Uint32Array };

export type ParquetColumn = ParquetColumnData & {
  name: string;
  /** Nullable column: 1 where row i has a value, 0 where it is null (values at null rows are ignored). */
  present?: Uint8Array;
  /** Nullable column with a value in every row (as `present` all 1, without a per-row flag). */
  nullable?: boolean;
};

// parquet.thrift enums
const T_BOOLEAN = 0;
const T_INT32 = 1;
const T_INT64 = 2;
const T_FLOAT = 4;
const T_DOUBLE = 5;
const T_BYTE_ARRAY = 6;
const E_PLAIN = 0;
const E_RLE = 3;
const E_RLE_DICTIONARY = 8;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const CT_UTF8 = 0;
const CT_TIMESTAMP_MILLIS = 9;

// Thrift compact protocol types
const C_TRUE = 1;
const C_FALSE = 2;
const C_I32 = 5;
const C_I64 = 6;
const C_BINARY = 8;
const C_LIST = 9;
const C_STRUCT = 12;

/** Thrift compact protocol, the subset Parquet metadata needs. */
class Compact {
  private buf = Buffer.allocUnsafe(256);
  length = 0;
  private last: number[] = [0];

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  varint(n: number | bigint): void {
    let v = BigInt(n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.byte(b);
    } while (v !== 0n);
  }
  zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, C_I32);
    this.zigzag(v);
  }
  i64(id: number, v: number | bigint): void {
    this.field(id, C_I64);
    this.zigzag(v);
  }
  bool(id: number, v: boolean): void {
    this.field(id, v ? C_TRUE : C_FALSE);
  }
  binary(id: number, s: string): void {
    this.field(id, C_BINARY);
    this.rawBinary(s);
  }
  rawBinary(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.varint(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  begin(id: number): void {
    this.field(id, C_STRUCT);
    this.last.push(0);
  }
  /** A struct as a list element (no field header). */
  beginElement(): void {
    this.last.push(0);
  }
  end(): void {
    this.byte(0);
    this.last.pop();
  }
  list(id: number, elementType: number, size: number): void {
    this.field(id, C_LIST);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Room for the runs below, kept between calls (up to SCRATCH_MAX bytes): the result is copied out at its size. */
let scratch = Buffer.allocUnsafeSlow(0);
const SCRATCH_MAX = 4 * 1024 * 1024;

/** A buffer of at least `bytes` to write runs into, before `exact` copies them out. */
function room(bytes: number): Buffer {
  if (bytes <= scratch.length) return scratch;
  if (bytes > SCRATCH_MAX) return Buffer.allocUnsafe(bytes);
  scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(bytes, 2 * scratch.length, 64 * 1024)));
  return scratch;
}

/**
 * The first `size` bytes of `out` in a buffer of their own. Runs take a fraction of their worst case, and a
 * writer that appends row group after row group (the edge server's capture) would otherwise allocate that worst
 * case for every column of every row group, which made its isolate collect garbage for the external memory alone.
 */
function exact(out: Buffer, size: number): Buffer {
  if (out !== scratch) return out.subarray(0, size);
  const copy = Buffer.allocUnsafe(size);
  out.copy(copy, 0, 0, size);
  return copy;
}

/**
 * RLE/bit-packing hybrid of `values` (each < 2^bitWidth, at most 32 bits) written as RLE runs only: valid, and
 * compact for repeated values (a capture's request ids, a null mask, a constant column).
 */
function rleRuns(values: ArrayLike<number>, bitWidth: number): Buffer {
  const width = Math.ceil(bitWidth / 8);
  const out = room(values.length * (5 + width) + 8);
  let at = 0;
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    let j = i + 1;
    while (j < values.length && values[j] === v) j++;
    let header = (j - i) * 2;
    while (header >= 0x80) {
      out[at++] = (header & 0x7f) | 0x80;
      header = Math.floor(header / 128);
    }
    out[at++] = header;
    for (let b = 0; b < width; b++) out[at++] = (v >>> (8 * b)) & 0xff;
    i = j;
  }
  return exact(out, at);
}

/** RLE runs of values[r] repeated lengths[r] times, equal neighbours merged (the same bytes as rleRuns of the rows). */
function rleOfRuns(values: Uint32Array, lengths: Uint32Array, bitWidth: number): Buffer {
  const width = Math.ceil(bitWidth / 8);
  const out = room(values.length * (5 + width) + 8);
  let at = 0;
  let r = 0;
  while (r < values.length) {
    const v = values[r]!;
    let count = 0;
    while (r < values.length && values[r] === v) count += lengths[r++]!;
    if (count === 0) continue;
    let header = count * 2;
    while (header >= 0x80) {
      out[at++] = (header & 0x7f) | 0x80;
      header = Math.floor(header / 128);
    }
    out[at++] = header;
    for (let b = 0; b < width; b++) out[at++] = (v >>> (8 * b)) & 0xff;
  }
  return exact(out, at);
}

/**
 * values[r] repeated runs[r] times, cut at `rows`, as a dictionary (distinct values in order of first use) and one
 * index and length per run.
 */
function dictionaryRuns<T>(
  values: ArrayLike<T>,
  runs: Uint32Array,
  rows: number,
): { dict: T[]; ids: Uint32Array; lengths: Uint32Array } {
  const index = new Map<T, number>();
  const dict: T[] = [];
  const ids = new Uint32Array(runs.length);
  const lengths = new Uint32Array(runs.length);
  let prev: T | undefined;
  let id = 0;
  let r = 0;
  for (let k = 0; k < rows; r++) {
    const v = values[r]!;
    if (r === 0 || v !== prev) {
      prev = v;
      const known = index.get(v);
      if (known === undefined) {
        id = dict.length;
        index.set(v, id);
        dict.push(v);
      } else id = known;
    }
    const run = Math.min(rows - k, runs[r]!);
    ids[r] = id;
    lengths[r] = run;
    k += run;
  }
  return { dict, ids: ids.subarray(0, r), lengths: lengths.subarray(0, r) };
}

/** One RLE run of `count` times `value` (< 256), as rleRuns writes it. */
function rleRun(value: number, count: number): Buffer {
  const out = Buffer.allocUnsafe(11);
  let at = 0;
  let header = count * 2;
  while (header >= 0x80) {
    out[at++] = (header & 0x7f) | 0x80;
    header = Math.floor(header / 128);
  }
  out[at++] = header;
  out[at++] = value;
  return out.subarray(0, at);
}

function physicalType(c: ParquetColumnData): number {
  switch (c.type) {
    case "float":
      return T_FLOAT;
    case "double":
      return T_DOUBLE;
    case "int32":
      return T_INT32;
    case "int64":
    case "timestamp-ms":
      return T_INT64;
    case "boolean":
      return T_BOOLEAN;
    case "string":
      return T_BYTE_ARRAY;
  }
}

/** PLAIN bytes of the values at the rows in `keep` (all rows when undefined). */
function plainValues(c: ParquetColumnData, rows: number, keep: Uint32Array | undefined): Buffer {
  if (c.type === "boolean") {
    const n = keep ? keep.length : rows;
    const out = Buffer.alloc(Math.ceil(n / 8));
    for (let k = 0; k < n; k++) if (c.values[keep ? keep[k]! : k]) out[k >> 3]! |= 1 << (k & 7);
    return out;
  }
  if (c.type === "string" || "runs" in c) throw new Error("strings and runs are dictionary-encoded");
  const values = c.values.subarray(0, rows);
  if (!keep) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const Ctor = values.constructor as { new (n: number): typeof values };
  const dense = new Ctor(keep.length);
  for (let k = 0; k < keep.length; k++) dense[k] = values[keep[k]!]!;
  return Buffer.from(dense.buffer, dense.byteOffset, dense.byteLength);
}

/** PLAIN BYTE_ARRAY values (length, UTF-8 bytes) of a dictionary, written in place: ASCII byte by byte. */
function dictionaryPage(dict: readonly string[]): Buffer {
  let bound = 0;
  for (let i = 0; i < dict.length; i++) bound += 4 + 3 * dict[i]!.length;
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (let d = 0; d < dict.length; d++) {
    const s = dict[d]!;
    const start = at + 4;
    let len = s.length;
    for (let i = 0; i < len; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) {
        len = out.write(s, start, "utf8");
        break;
      }
      out[start + i] = ch;
    }
    out.writeUInt32LE(len, at);
    at = start + len;
  }
  return out.subarray(0, at);
}

function pageHeader(type: number, size: number, write: (t: Compact) => void): Buffer {
  const t = new Compact();
  t.i32(1, type);
  t.i32(2, size);
  t.i32(3, size);
  write(t);
  t.byte(0);
  return Buffer.from(t.bytes());
}

interface Chunk {
  parts: Buffer[];
  size: number;
  dictionaryOffset?: number;
  dataOffset: number;
  encodings: number[];
}

function encodeColumn(c: ParquetColumn, rows: number, offset: number): Chunk {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    size += b.length;
  };
  let keep: Uint32Array | undefined;
  let levels: Buffer | undefined;
  if (c.present || c.nullable) {
    let n = rows;
    if (c.present) {
      n = 0;
      for (let i = 0; i < rows; i++) n += c.present[i]! ? 1 : 0;
    }
    // Every row present (the usual case): the values are written as they are, no gather.
    if (n < rows) {
      keep = new Uint32Array(n);
      for (let i = 0, k = 0; i < rows; i++) if (c.present![i]) keep[k++] = i;
    }
    const runs = n === rows ? rleRun(1, rows) : rleRuns(c.present!.subarray(0, rows), 1);
    levels = Buffer.allocUnsafe(4 + runs.length);
    levels.writeUInt32LE(runs.length, 0);
    runs.copy(levels, 4);
  }
  const chunk: Chunk = { parts, size: 0, dataOffset: offset, encodings: [E_PLAIN, E_RLE] };
  let body: Buffer[];
  let encoding = E_PLAIN;
  /** A dictionary-encoded column: its dictionary page (PLAIN values), and the rows' indices (per run with `lengths`). */
  let dictionary: { page: Buffer; count: number; ids: Uint32Array; lengths?: Uint32Array } | undefined;
  if (c.type === "string") {
    // Dictionary: distinct values in order of first use; the page holds their indices as RLE runs.
    const n = keep ? keep.length : rows;
    let ids: Uint32Array;
    let runLengths: Uint32Array | undefined;
    let dict: string[] = [];
    if (typeof c.values === "string") {
      dict.push(c.values);
      ids = new Uint32Array(n);
    } else if ("indices" in c) {
      dict = c.values as string[];
      const indices = c.indices.subarray(0, rows);
      if (keep) {
        ids = new Uint32Array(n);
        for (let k = 0; k < n; k++) ids[k] = indices[keep[k]!]!;
      } else ids = indices instanceof Uint32Array ? indices : new Uint32Array(indices.buffer, indices.byteOffset, rows);
    } else if (c.runs) {
      // One dictionary index per run (a request's rows share its id), written as RLE runs without a per-row pass.
      if (keep) throw new Error(`parquet: column "${c.name}" has runs and nulls`);
      ({ dict, ids, lengths: runLengths } = dictionaryRuns(c.values as readonly string[], c.runs, n));
    } else {
      ids = new Uint32Array(n);
      const index = new Map<string, number>();
      let prev: string | undefined;
      let prevId = 0;
      for (let k = 0; k < n; k++) {
        const s = c.values[keep ? keep[k]! : k]!;
        if (s !== prev) {
          let id = index.get(s);
          if (id === undefined) {
            id = dict.length;
            index.set(s, id);
            dict.push(s);
          }
          prev = s;
          prevId = id;
        }
        ids[k] = prevId;
      }
    }
    dictionary = {
      page: dictionaryPage(dict),
      count: dict.length,
      ids,
      ...(runLengths ? { lengths: runLengths } : {}),
    };
  } else if (c.type === "timestamp-ms" && "runs" in c) {
    // One dictionary index per run; the dictionary holds the distinct times (PLAIN INT64).
    if (keep) throw new Error(`parquet: column "${c.name}" has runs and nulls`);
    const { dict, ids, lengths } = dictionaryRuns(c.values, c.runs, rows);
    dictionary = {
      page: Buffer.from(BigInt64Array.from(dict, (v) => BigInt(v)).buffer),
      count: dict.length,
      ids,
      lengths,
    };
  }
  if (dictionary) {
    push(
      pageHeader(PAGE_DICTIONARY, dictionary.page.length, (t) => {
        t.begin(7);
        t.i32(1, dictionary.count);
        t.i32(2, E_PLAIN);
        t.end();
      }),
    );
    push(dictionary.page);
    chunk.dictionaryOffset = offset;
    chunk.dataOffset = offset + size;
    const bitWidth = Math.max(1, Math.ceil(Math.log2(Math.max(2, dictionary.count))));
    const { ids, lengths } = dictionary;
    body = [Buffer.from([bitWidth]), lengths ? rleOfRuns(ids, lengths, bitWidth) : rleRuns(ids, bitWidth)];
    encoding = E_RLE_DICTIONARY;
    chunk.encodings = [E_PLAIN, E_RLE, E_RLE_DICTIONARY];
  } else {
    body = [plainValues(c, rows, keep)];
  }
  if (levels) body.unshift(levels);
  const pageSize = body.reduce((a, b) => a + b.length, 0);
  push(
    pageHeader(PAGE_DATA, pageSize, (t) => {
      t.begin(5);
      t.i32(1, rows);
      t.i32(2, encoding);
      t.i32(3, E_RLE);
      t.i32(4, E_RLE);
      t.end();
    }),
  );
  for (const b of body) push(b);
  chunk.size = size;
  return chunk;
}

/**
 * Encodes a table as one Parquet file (in memory, as parts to write in order). Every column must hold at least
 * `rows` values. Throws on a column name used twice.
 */
export function encodeParquet(
  columns: readonly ParquetColumn[],
  rows: number,
  options: { metadata?: Record<string, string>; createdBy?: string } = {},
): Buffer[] {
  const file = new ParquetRowGroups();
  return [...file.rowGroup(columns, rows), ...file.footer(options)];
}

interface RowGroup {
  chunks: Chunk[];
  rows: number;
  bytes: number;
}

/**
 * A Parquet file written row group by row group, for tables that do not fit in memory at once: append what
 * `rowGroup` returns (the first call also returns the file's leading magic), then what `footer` returns.
 * Every row group has the first one's columns (names, types, nullability), in the same order.
 */
export class ParquetRowGroups {
  private offset = 0;
  private schema: readonly ParquetColumn[] | undefined;
  private readonly groups: RowGroup[] = [];

  rowGroup(columns: readonly ParquetColumn[], rows: number): Buffer[] {
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) throw new Error(`parquet: column "${c.name}" given twice`);
      names.add(c.name);
      const count =
        c.type === "string" && "indices" in c
          ? c.indices.length
          : "runs" in c && c.runs
            ? c.runs.reduce((a, b) => a + b, 0)
            : c.values.length;
      if (typeof c.values !== "string" && count < rows) {
        throw new Error(`parquet: column "${c.name}" has ${count} of ${rows} values`);
      }
    }
    if (this.schema) {
      const optional = (c: ParquetColumn) => Boolean(c.present || c.nullable);
      const same =
        this.schema.length === columns.length &&
        this.schema.every(
          (c, j) => c.name === columns[j]!.name && c.type === columns[j]!.type && optional(c) === optional(columns[j]!),
        );
      if (!same) throw new Error("parquet: a row group's columns differ from the first row group's");
    }
    this.schema ??= columns;
    const parts: Buffer[] = [];
    if (this.offset === 0) {
      parts.push(Buffer.from("PAR1"));
      this.offset = 4;
    }
    const group: RowGroup = { chunks: [], rows, bytes: 0 };
    for (const c of columns) {
      const chunk = encodeColumn(c, rows, this.offset);
      parts.push(...chunk.parts);
      this.offset += chunk.size;
      group.bytes += chunk.size;
      group.chunks.push(chunk);
    }
    this.groups.push(group);
    return parts;
  }

  /** The file's metadata and closing magic, after the last row group. */
  footer(options: { metadata?: Record<string, string>; createdBy?: string } = {}): Buffer[] {
    const columns = this.schema;
    if (!columns) throw new Error("parquet: no row group written");
    const rows = this.groups.reduce((n, g) => n + g.rows, 0);
    const t = new Compact();
    t.i32(1, 1);
    t.list(2, C_STRUCT, columns.length + 1);
    t.beginElement();
    t.binary(4, "schema");
    t.i32(5, columns.length);
    t.end();
    for (const c of columns) {
      t.beginElement();
      t.i32(1, physicalType(c));
      t.i32(3, c.present || c.nullable ? 1 : 0);
      t.binary(4, c.name);
      if (c.type === "string") t.i32(6, CT_UTF8);
      if (c.type === "timestamp-ms") t.i32(6, CT_TIMESTAMP_MILLIS);
      if (c.type === "string" || c.type === "timestamp-ms") {
        t.begin(10); // LogicalType union
        if (c.type === "string") {
          t.begin(1); // STRING
          t.end();
        } else {
          t.begin(8); // TIMESTAMP
          t.bool(1, true);
          t.begin(2); // unit
          t.begin(1); // MILLIS
          t.end();
          t.end();
          t.end();
        }
        t.end();
      }
      t.end();
    }
    t.i64(3, rows);
    t.list(4, C_STRUCT, this.groups.length);
    for (const group of this.groups) {
      t.beginElement();
      t.list(1, C_STRUCT, columns.length);
      columns.forEach((c, j) => {
        const chunk = group.chunks[j]!;
        t.beginElement();
        t.i64(2, chunk.dictionaryOffset ?? chunk.dataOffset);
        t.begin(3);
        t.i32(1, physicalType(c));
        t.list(2, C_I32, chunk.encodings.length);
        for (const e of chunk.encodings) t.zigzag(e);
        t.list(3, C_BINARY, 1);
        t.rawBinary(c.name);
        t.i32(4, 0);
        t.i64(5, group.rows);
        t.i64(6, chunk.size);
        t.i64(7, chunk.size);
        t.i64(9, chunk.dataOffset);
        if (chunk.dictionaryOffset !== undefined) t.i64(11, chunk.dictionaryOffset);
        t.end();
        t.end();
      });
      t.i64(2, group.bytes);
      t.i64(3, group.rows);
      t.end();
    }
    const kv = Object.entries(options.metadata ?? {});
    if (kv.length > 0) {
      t.list(5, C_STRUCT, kv.length);
      for (const [k, v] of kv) {
        t.beginElement();
        t.binary(1, k);
        t.binary(2, v);
        t.end();
      }
    }
    t.binary(6, options.createdBy ?? "mlops-actions");
    t.byte(0);
    const footer = Buffer.from(t.bytes());
    const tail = Buffer.allocUnsafe(8);
    tail.writeUInt32LE(footer.length, 0);
    tail.write("PAR1", 4, "latin1");
    return [footer, tail];
  }
}
