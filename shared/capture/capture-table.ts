/**
 * The rows a captured request becomes, column by column, in memory until the file is written: one row per
 * request row (the first dimension of the tensors), with the request's id and time, the model's name and
 * version, the plant, every input and every output. Numbers are copied from the tensors into growable typed
 * arrays (no per-value work for the common FP32 case), so capture costs little on the request path.
 */
import { shown, UserError } from "../errors";
import type { ParquetColumn } from "../data/parquet-writer";
import { fromHalf } from "../serve/tensor";
import type { CaptureModel, CapturedRequest, CapturedTensor, TensorMeta } from "./types";

/** Columns written before the model's own, in this order. */
export const META_COLUMNS = ["id", "row", "time", "model_name", "model_version", "plant"] as const;

type Kind = "float" | "double" | "int32" | "int64" | "boolean" | "string";

/** Where one tensor's values go: one column for [N] and [N,1], one per column of [N,F]. */
interface TensorPlan {
  tensor: string;
  /** "inputs" are always present; an output a request did not ask for is null in its row. */
  role: "input" | "output";
  datatype: string;
  kind: Kind;
  columns: string[];
}

function kindOf(datatype: string): Kind | undefined {
  switch (datatype) {
    case "FP32":
    case "FP16":
      return "float";
    case "FP64":
      return "double";
    case "INT8":
    case "INT16":
    case "INT32":
    case "UINT8":
    case "UINT16":
      return "int32";
    case "INT64":
    case "UINT32":
    case "UINT64":
      return "int64";
    case "BOOL":
      return "boolean";
    case "BYTES":
      return "string";
    default:
      return undefined;
  }
}

/** Width of a tensor's rows: 1 for [N] and [N,1], F for [N,F]; undefined when it is not row-shaped. */
function widthOf(meta: TensorMeta): number | undefined {
  if (meta.shape.length === 1) return 1;
  if (meta.shape.length === 2 && meta.shape[1]! > 0) return meta.shape[1];
  return undefined;
}

/**
 * The capture's columns for a model. Column names: the input or output name for [N] and [N,1] tensors; for
 * [N,F], the model's `features` metadata (inputs) or its class labels (outputs) when they name F columns,
 * else `<name>_<j>`. Tensors that are not row-shaped (rank > 2, a variable second dimension) are not
 * captured; `skipped` lists them.
 */
export function planCapture(model: CaptureModel): { plans: TensorPlan[]; skipped: string[]; columns: string[] } {
  const plans: TensorPlan[] = [];
  const skipped: string[] = [];
  const used = new Set<string>(META_COLUMNS);
  const add = (meta: TensorMeta, role: "input" | "output", names: readonly string[] | undefined) => {
    const kind = kindOf(meta.datatype);
    const width = widthOf(meta);
    if (!kind || width === undefined) {
      skipped.push(`${role} "${meta.name}" ${meta.datatype}${JSON.stringify(meta.shape)}`);
      return;
    }
    // [N,F] inputs are named by the model's feature list, [N,K] outputs by its class labels (probabilities_1).
    const named = names && names.length === width;
    const columns =
      width === 1
        ? [meta.name]
        : Array.from({ length: width }, (_, j) =>
            role === "input" && named ? String(names[j]) : `${meta.name}_${named ? String(names[j]) : j}`,
          );
    for (const c of columns) {
      if (used.has(c)) {
        throw new UserError(
          `capture: column "${c}" of the model's ${role} "${meta.name}" clashes with another capture column (got ${shown([...used])}). Rename the model's ${role} or turn capture off.`,
        );
      }
      used.add(c);
    }
    plans.push({ tensor: meta.name, role, datatype: meta.datatype, kind, columns });
  };
  const features = model.features;
  for (const m of model.inputs) add(m, "input", features);
  const labels = model.classLabels?.map(String);
  for (const m of model.outputs) add(m, "output", labels);
  return { plans, skipped, columns: [...META_COLUMNS, ...plans.flatMap((p) => p.columns)] };
}

type Numeric = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint32Array;

function allocate(kind: Kind, n: number): Numeric {
  switch (kind) {
    case "float":
      return new Float32Array(n);
    case "double":
      return new Float64Array(n);
    case "int32":
    case "string": // indices into the column's dictionary
      return new Int32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "boolean":
      return new Uint8Array(n);
  }
}

function grow<T extends Numeric>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a as never);
  return next;
}

/** A string column's distinct values, in order of first use: rows hold indices into it. */
class Dictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  /** The value's index; `added` counts the bytes of a value seen for the first time (its UTF-8 and length). */
  id(s: string, added: { bytes: number }): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(s, i);
      this.values.push(s);
      added.bytes += Buffer.byteLength(s, "utf8") + 4;
    }
    return i;
  }
}

/** Largest number of rows a table starts with room for, whatever the file size (more grows it). */
const MAX_INITIAL_ROWS = 1 << 20;

/**
 * Rows of one future file. The request path does as little as it can: numbers are copied into preallocated
 * typed arrays (one memcpy per column for the common FP32 case), strings become indices into a per-column
 * dictionary (no string is kept per row), and what is the same for all rows of a request (its id, time and
 * which outputs it asked for) is kept once per request; the per-row forms are built when the file is encoded.
 */
export class CaptureTable {
  rows = 0;
  /** Bytes the rows will take on disk, roughly (for the disk budget and the file size limit). */
  bytes = 0;
  /** Requests in the table. */
  requests = 0;
  private capacity: number;
  private requestCapacity: number;
  /** Per request: its id, its number of rows, its time (ms since the epoch). */
  private readonly ids: string[] = [];
  private runs: Uint32Array;
  private times: Float64Array;
  /** Per request, for each output plan: 1 when the request was answered with that output. */
  private answered: (Uint8Array | undefined)[];
  /** Per output plan: requests answered without it. */
  private readonly missing: number[];
  private values: Numeric[][];
  private readonly dictionaries: (Dictionary[] | undefined)[];
  private readonly fixedRowBytes: number;
  /** Footer, page headers and dictionaries of a file, about. */
  private readonly fileOverhead: number;
  /** Where each plan's tensor was in the last request (requests usually list tensors in the same order). */
  private readonly at: number[];
  private readonly added = { bytes: 0 };
  private readonly copiers: Copy[];

  constructor(
    private readonly model: CaptureModel,
    private readonly plans: TensorPlan[],
    private readonly plant: string,
    /** The file size the table is closed at: rows are preallocated for it. */
    fileBytes = 1 << 20,
    /** The arrays of a table already written, to fill again (see CaptureStorage). */
    storage?: CaptureStorage,
  ) {
    const size: Record<Kind, number> = { float: 4, double: 8, int32: 4, int64: 8, boolean: 1, string: 4 };
    // 4 for the row number; the id and the time are written once per request (`cost`: id.length + 8).
    this.fixedRowBytes = 4 + plans.reduce((n, p) => n + p.columns.length * size[p.kind], 0);
    const names = [...META_COLUMNS, ...plans.flatMap((p) => p.columns)];
    this.fileOverhead =
      512 +
      names.reduce((n, c) => n + 2 * c.length + 96, 0) +
      2 * (model.name.length + model.version.length + plant.length);
    this.capacity = Math.max(64, Math.min(MAX_INITIAL_ROWS, Math.ceil(fileBytes / this.fixedRowBytes) + 64));
    this.requestCapacity = 1024;
    // Storage grown past the starting size (by one huge request) is dropped, so memory returns to normal.
    const reused = storage && fits(storage, plans, this.capacity) ? storage : undefined;
    if (reused) {
      // Every value a row is read back at is written by append (or flagged null), so the arrays need no clearing.
      this.capacity = reused.values.find((cols) => cols.length > 0)?.[0]!.length ?? this.capacity;
      this.requestCapacity = reused.runs.length;
      this.values = reused.values;
      this.runs = reused.runs;
      this.times = reused.times;
      this.answered = reused.answered;
    } else {
      this.values = plans.map((p) => p.columns.map(() => allocate(p.kind, this.capacity)));
      this.runs = new Uint32Array(this.requestCapacity);
      this.times = new Float64Array(this.requestCapacity);
      this.answered = plans.map((p) => (p.role === "output" ? new Uint8Array(this.requestCapacity) : undefined));
    }
    this.dictionaries = plans.map((p) => (p.kind === "string" ? p.columns.map(() => new Dictionary()) : undefined));
    this.missing = plans.map(() => 0);
    this.at = plans.map(() => 0);
    this.copiers = plans.map(copierOf);
  }

  /** Bytes on disk the table would take with `n` more rows of a request with this id, about (an upper bound). */
  cost(n: number, id: string, stringBytes = 0): number {
    return (this.rows === 0 ? this.fileOverhead : 0) + n * this.fixedRowBytes + id.length + 8 + stringBytes;
  }

  private ensure(n: number): void {
    if (n > this.capacity) {
      let c = this.capacity;
      while (c < n) c *= 2;
      this.capacity = c;
      for (let i = 0; i < this.values.length; i++) this.values[i] = this.values[i]!.map((a) => grow(a, c));
    }
    if (this.requests === this.requestCapacity) {
      const c = this.requestCapacity * 2;
      this.requestCapacity = c;
      this.runs = grow(this.runs, c);
      this.times = grow(this.times, c);
      for (let i = 0; i < this.answered.length; i++) {
        const a = this.answered[i];
        if (a) this.answered[i] = grow(a, c);
      }
    }
  }

  /**
   * Rows a request adds, or undefined when its tensors are not row-aligned with the plan (different first
   * dimensions, an unexpected width) or it lacks one of the captured inputs (inputs are not nullable, and the
   * reused arrays would give its rows another request's values): such a request is answered but not captured.
   */
  rowsOf(request: CapturedRequest): number | undefined {
    const first = request.inputs[0];
    if (!first || first.shape.length === 0) return undefined;
    const n = first.shape[0]!;
    for (const t of request.inputs) if (t.shape[0] !== n) return undefined;
    for (const t of request.outputs) if (t.shape[0] !== n) return undefined;
    for (const plan of this.plans) if (plan.role === "input" && find(request.inputs, plan.tensor) < 0) return undefined;
    return n;
  }

  /** Appends a request's rows (rowsOf must have accepted it). Returns the bytes added. */
  append(request: CapturedRequest, n: number, id: string, timeMs: number): number {
    const at = this.rows;
    this.ensure(at + n);
    const r = this.requests;
    this.ids.push(id);
    this.runs[r] = n;
    this.times[r] = timeMs;
    this.added.bytes = 0;
    for (let p = 0; p < this.plans.length; p++) {
      const plan = this.plans[p]!;
      const tensors = plan.role === "input" ? request.inputs : request.outputs;
      let i = this.at[p]!;
      if (tensors[i]?.name !== plan.tensor) {
        i = find(tensors, plan.tensor);
        if (i >= 0) this.at[p] = i;
      }
      const answered = this.answered[p];
      if (i < 0) {
        if (answered) {
          answered[r] = 0;
          this.missing[p]!++;
        }
        continue;
      }
      if (answered) answered[r] = 1;
      const dictionaries = this.dictionaries[p];
      if (dictionaries) copyStrings(tensors[i]!, dictionaries, this.values[p]!, at, n, this.added);
      else this.copiers[p]!(tensors[i]!, this.values[p]!, at, n);
    }
    this.rows += n;
    this.requests++;
    const added = (at === 0 ? this.fileOverhead : 0) + n * this.fixedRowBytes + id.length + 8 + this.added.bytes;
    this.bytes += added;
    return added;
  }

  /**
   * What the file is encoded from, as plain data and typed arrays, with the buffers to move (not copy) to the
   * writer thread. The table must not be used afterwards when they are moved.
   */
  detach(): { snapshot: CaptureSnapshot; transfer: ArrayBuffer[] } {
    const snapshot: CaptureSnapshot = {
      model: { name: this.model.name, version: this.model.version },
      plant: this.plant,
      plans: this.plans,
      rows: this.rows,
      requests: this.requests,
      ids: this.ids,
      runs: this.runs,
      times: this.times,
      answered: this.answered,
      missing: this.missing,
      values: this.values,
      dictionaries: this.dictionaries.map((d) => d?.map((x) => x.values)),
    };
    return {
      snapshot,
      transfer: buffersOf({ runs: this.runs, times: this.times, answered: this.answered, values: this.values }),
    };
  }
}

/** A closed table as plain data (what crosses to the writer thread). */
export interface CaptureSnapshot {
  model: { name: string; version: string };
  plant: string;
  plans: readonly TensorPlan[];
  rows: number;
  requests: number;
  ids: readonly string[];
  runs: Uint32Array;
  times: Float64Array;
  answered: readonly (Uint8Array | undefined)[];
  missing: readonly number[];
  values: readonly (readonly Numeric[])[];
  dictionaries: readonly (readonly (readonly string[])[] | undefined)[];
}

/**
 * A written table's arrays, handed back by the writer thread for the next table to fill. Reusing them spares the
 * serving thread a fresh ~8 MiB of zeroed memory per file: the page faults of touching it row by row, and the
 * garbage collections V8 starts as external memory grows.
 */
export interface CaptureStorage {
  runs: Uint32Array;
  times: Float64Array;
  answered: (Uint8Array | undefined)[];
  values: Numeric[][];
}

/** A snapshot's arrays as storage for the next table, with the buffers to move back. */
export function storageOf(s: CaptureSnapshot): { storage: CaptureStorage; transfer: ArrayBuffer[] } {
  const storage: CaptureStorage = {
    runs: s.runs,
    times: s.times,
    answered: [...s.answered],
    values: s.values.map((cols) => [...cols]),
  };
  return { storage, transfer: buffersOf(storage) };
}

function buffersOf(s: CaptureStorage): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: { buffer: ArrayBufferLike } | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  };
  add(s.runs);
  add(s.times);
  for (const a of s.answered) add(a);
  for (const cols of s.values) for (const a of cols) add(a);
  return [...buffers];
}

/**
 * Storage has the arrays of these plans: the same types, one per column, all columns equally long, and no longer
 * than a new table's `rows` (requests have at least one row each, so no more request slots than that either).
 */
function fits(s: CaptureStorage, plans: readonly TensorPlan[], rows: number): boolean {
  if (s.values.length !== plans.length || s.answered.length !== plans.length) return false;
  if (s.runs.length !== s.times.length || s.runs.length > Math.max(1024, rows)) return false;
  let length: number | undefined;
  for (let p = 0; p < plans.length; p++) {
    const plan = plans[p]!;
    const cols = s.values[p]!;
    if (cols.length !== plan.columns.length) return false;
    for (const a of cols) {
      if (
        a.constructor !== allocate(plan.kind, 0).constructor ||
        (length !== undefined && a.length !== length) ||
        a.length > rows
      )
        return false;
      length = a.length;
    }
    const answered = s.answered[p];
    if ((plan.role === "output") !== (answered !== undefined) || (answered && answered.length !== s.runs.length))
      return false;
  }
  return true;
}

/** The file-level metadata of a capture file (the model, version and plant of its rows). */
export function captureFileOptions(s: CaptureSnapshot): { metadata: Record<string, string>; createdBy: string } {
  return {
    metadata: {
      "mlops.capture": "1",
      model_name: s.model.name,
      model_version: s.model.version,
      plant: s.plant,
    },
    createdBy: "mlops-serve capture",
  };
}

let rowScratch = new Int32Array(0);

/**
 * Room for a chunk's row numbers, kept from one call to the next: the writer thread encodes a chunk's columns
 * before it asks for the next chunk's, and a fresh array per chunk was external memory its isolate had to collect.
 */
function rowNumbers(n: number): Int32Array {
  if (n > rowScratch.length) {
    if (n > MAX_INITIAL_ROWS) return new Int32Array(n);
    rowScratch = new Int32Array(Math.max(n, 2 * rowScratch.length));
  }
  return rowScratch.subarray(0, n);
}

/**
 * A closed table's Parquet columns (one row group of `s.rows` rows). Outputs are always optional columns, so
 * that the row groups of one file, each from its own table, have the same schema. The `row` column's array is
 * reused by the next call: encode the columns before asking for another table's.
 */
export function captureColumns(s: CaptureSnapshot): ParquetColumn[] {
  const n = s.rows;
  const requests = s.requests;
  const runs = s.runs.subarray(0, requests);
  // The row numbers within each request (the id and the time are written as one run per request).
  const row = rowNumbers(n);
  if (requests === n) row.fill(0);
  else {
    let longest = 0;
    for (let r = 0; r < requests; r++) longest = Math.max(longest, runs[r]!);
    const numbers = new Int32Array(longest);
    for (let j = 0; j < longest; j++) numbers[j] = j;
    for (let r = 0, at = 0; r < requests; r++) {
      const k = runs[r]!;
      row.set(k === longest ? numbers : numbers.subarray(0, k), at);
      at += k;
    }
  }
  const columns: ParquetColumn[] = [
    { name: "id", type: "string", values: s.ids, runs },
    { name: "row", type: "int32", values: row },
    { name: "time", type: "timestamp-ms", values: s.times.subarray(0, requests), runs },
    { name: "model_name", type: "string", values: s.model.name },
    { name: "model_version", type: "string", values: s.model.version },
    { name: "plant", type: "string", values: s.plant },
  ];
  s.plans.forEach((plan, p) => {
    const answered = s.answered[p];
    // Outputs are nullable (a request may not ask for one); a per-row flag only when some request did not.
    let present: Uint8Array | undefined;
    if (answered && s.missing[p]! > 0) {
      present = new Uint8Array(n);
      for (let r = 0, at = 0; r < requests; at += runs[r]!, r++) if (answered[r]) present.fill(1, at, at + runs[r]!);
    }
    plan.columns.forEach((name, j) => {
      const values = s.values[p]![j]!;
      const c = (
        plan.kind === "string"
          ? { name, type: "string", values: s.dictionaries[p]![j]!, indices: values }
          : { name, type: plan.kind, values }
      ) as ParquetColumn;
      if (present) c.present = present;
      else if (answered) c.nullable = true;
      columns.push(c);
    });
  });
  return columns;
}

function find(tensors: readonly CapturedTensor[], name: string): number {
  for (let i = 0; i < tensors.length; i++) if (tensors[i]!.name === name) return i;
  return -1;
}

/** Rows [0, n) of a BYTES tensor as dictionary indices in the plan's columns at `at`. */
function copyStrings(
  t: CapturedTensor,
  dictionaries: Dictionary[],
  cols: Numeric[],
  at: number,
  n: number,
  added: { bytes: number },
): void {
  const width = cols.length;
  const src = t.data as ArrayLike<unknown>;
  for (let j = 0; j < width; j++) {
    const col = cols[j] as Int32Array;
    const dictionary = dictionaries[j]!;
    let prev: unknown;
    let prevId = 0;
    for (let k = 0, i = j; k < n; k++, i += width) {
      const v = src[i];
      if (v !== prev || k === 0) {
        prev = v;
        prevId = dictionary.id(typeof v === "string" ? v : String(v ?? ""), added);
      }
      col[at + k] = prevId;
    }
  }
}

/** Copies rows [0, n) of a numeric tensor into its plan's columns at `at`. */
type Copy = (t: CapturedTensor, cols: Numeric[], at: number, n: number) => void;

/**
 * The copy for a plan's tensor. One function per array type, so each stays monomorphic: a site V8 sees several
 * typed array types at turns into a generic keyed access, ~10× slower per value.
 */
function copierOf(plan: TensorPlan): Copy {
  if (plan.columns.length === 1) {
    switch (plan.datatype) {
      case "FP32":
        return copyFloat;
      case "FP64":
        return copyDouble;
      case "INT64":
        return copyInt64;
      case "FP16":
      case "UINT32":
      case "UINT64":
        return copyConverted;
      case "BOOL":
        return copyBool;
      default:
        return copyInt32;
    }
  }
  return plan.datatype === "FP32" ? copyFloatColumns : plan.datatype === "FP64" ? copyDoubleColumns : copyColumns;
}

function copyFloat(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0] as Float32Array;
  const src = t.data as Float32Array;
  if (n === 1) col[at] = src[0]!;
  else col.set(src.length === n ? src : src.subarray(0, n), at);
}

function copyDouble(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0] as Float64Array;
  const src = t.data as Float64Array;
  if (n === 1) col[at] = src[0]!;
  else col.set(src.length === n ? src : src.subarray(0, n), at);
}

function copyInt64(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0] as BigInt64Array;
  const src = t.data as BigInt64Array;
  if (n === 1) col[at] = src[0]!;
  else col.set(src.length === n ? src : src.subarray(0, n), at);
}

function copyInt32(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0] as Int32Array;
  const src = t.data as Int32Array;
  col.set(src.length === n ? src : src.subarray(0, n), at);
}

function copyBool(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0] as Uint8Array;
  const src = t.data as Uint8Array;
  col.set(src.length === n ? src : src.subarray(0, n), at);
}

/** FP16 (to float), UINT32 and UINT64 (to int64) columns. */
function copyConverted(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const col = cols[0]!;
  const data = t.data;
  if (t.datatype === "FP16") {
    const half = data as Uint16Array;
    for (let k = 0; k < n; k++) (col as Float32Array)[at + k] = fromHalf(half[k]!);
  } else if (t.datatype === "UINT32") {
    const u = data as Uint32Array;
    for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt(u[k]!);
  } else {
    const u = data as BigUint64Array;
    for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt.asIntN(64, u[k]!);
  }
}

/** The common [N,K] case (class probabilities): a strided copy per column. */
function copyFloatColumns(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const width = cols.length;
  const src = t.data as Float32Array;
  for (let j = 0; j < width; j++) {
    const col = cols[j] as Float32Array;
    for (let k = 0, i = j; k < n; k++, i += width) col[at + k] = src[i]!;
  }
}

function copyDoubleColumns(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const width = cols.length;
  const src = t.data as Float64Array;
  for (let j = 0; j < width; j++) {
    const col = cols[j] as Float64Array;
    for (let k = 0, i = j; k < n; k++, i += width) col[at + k] = src[i]!;
  }
}

function copyColumns(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const width = cols.length;
  const data = t.data;
  for (let j = 0; j < width; j++) {
    const col = cols[j] as Float64Array;
    for (let k = 0, i = j; k < n; k++, i += width) {
      const v = (data as Float64Array)[i]!;
      col[at + k] =
        t.datatype === "FP16"
          ? fromHalf(v)
          : t.datatype === "UINT32"
            ? (BigInt(v) as unknown as number)
            : t.datatype === "UINT64"
              ? (BigInt.asIntN(64, v as unknown as bigint) as unknown as number)
              : v;
    }
  }
}
