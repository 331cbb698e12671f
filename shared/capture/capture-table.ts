/**
 * The rows a captured request becomes, column by column, in memory until the file is written: one row per
 * request row (the first dimension of the tensors), with the request's id and time, the model's name and
 * version, the plant, every input and every output. Numbers are copied from the tensors into growable typed
 * arrays (no per-value work for the common FP32 case), so capture costs little on the request path.
 */
import { shown, UserError } from "../errors";
import { encodeParquet, type ParquetColumn } from "../data/parquet-writer";
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
  private requestCapacity = 1024;
  /** Per request: its id, its number of rows, its time (ms since the epoch). */
  private readonly ids: string[] = [];
  private runs = new Uint32Array(this.requestCapacity);
  private times = new Float64Array(this.requestCapacity);
  /** Per request, for each output plan: 1 when the request was answered with that output. */
  private readonly answered: (Uint8Array | undefined)[];
  /** Per output plan: requests answered without it. */
  private readonly missing: number[];
  private readonly values: Numeric[][];
  private readonly dictionaries: (Dictionary[] | undefined)[];
  private readonly fixedRowBytes: number;
  /** Footer, page headers and dictionaries of a file, about. */
  private readonly fileOverhead: number;
  /** Where each plan's tensor was in the last request (requests usually list tensors in the same order). */
  private readonly at: number[];
  private readonly added = { bytes: 0 };

  constructor(
    private readonly model: CaptureModel,
    private readonly plans: TensorPlan[],
    private readonly plant: string,
    /** The file size the table is closed at: rows are preallocated for it. */
    fileBytes = 1 << 20,
  ) {
    const size: Record<Kind, number> = { float: 4, double: 8, int32: 4, int64: 8, boolean: 1, string: 4 };
    this.fixedRowBytes = 12 + plans.reduce((n, p) => n + p.columns.length * size[p.kind], 0);
    const names = [...META_COLUMNS, ...plans.flatMap((p) => p.columns)];
    this.fileOverhead =
      512 +
      names.reduce((n, c) => n + 2 * c.length + 96, 0) +
      2 * (model.name.length + model.version.length + plant.length);
    this.capacity = Math.max(64, Math.min(MAX_INITIAL_ROWS, Math.ceil(fileBytes / this.fixedRowBytes) + 64));
    this.values = plans.map((p) => p.columns.map(() => allocate(p.kind, this.capacity)));
    this.dictionaries = plans.map((p) => (p.kind === "string" ? p.columns.map(() => new Dictionary()) : undefined));
    this.answered = plans.map((p) => (p.role === "output" ? new Uint8Array(this.requestCapacity) : undefined));
    this.missing = plans.map(() => 0);
    this.at = plans.map(() => 0);
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
   * dimensions, an unexpected width): such a request is answered but not captured.
   */
  rowsOf(request: CapturedRequest): number | undefined {
    const first = request.inputs[0];
    if (!first || first.shape.length === 0) return undefined;
    const n = first.shape[0]!;
    for (const t of request.inputs) if (t.shape[0] !== n) return undefined;
    for (const t of request.outputs) if (t.shape[0] !== n) return undefined;
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
      else copyTensor(tensors[i]!, this.values[p]!, at, n);
    }
    this.rows += n;
    this.requests++;
    const added = (at === 0 ? this.fileOverhead : 0) + n * this.fixedRowBytes + id.length + 8 + this.added.bytes;
    this.bytes += added;
    return added;
  }

  /** The table as Parquet (file parts in order). */
  encode(): Buffer[] {
    const n = this.rows;
    const requests = this.requests;
    const runs = this.runs.subarray(0, requests);
    // The per-row forms of what was kept per request.
    const row = new Int32Array(n);
    const time = new BigInt64Array(n);
    let last = Number.NaN;
    let big = 0n;
    if (requests === n) {
      for (let r = 0; r < requests; r++) {
        const t = this.times[r]!;
        if (t !== last) {
          last = t;
          big = BigInt(t);
        }
        time[r] = big;
      }
    } else {
      let longest = 0;
      for (let r = 0; r < requests; r++) longest = Math.max(longest, runs[r]!);
      const numbers = new Int32Array(longest);
      for (let j = 0; j < longest; j++) numbers[j] = j;
      for (let r = 0, at = 0; r < requests; r++) {
        const k = runs[r]!;
        row.set(k === longest ? numbers : numbers.subarray(0, k), at);
        const t = this.times[r]!;
        if (t !== last) {
          last = t;
          big = BigInt(t);
        }
        time.fill(big, at, at + k);
        at += k;
      }
    }
    const columns: ParquetColumn[] = [
      { name: "id", type: "string", values: this.ids, runs },
      { name: "row", type: "int32", values: row },
      { name: "time", type: "timestamp-ms", values: time },
      { name: "model_name", type: "string", values: this.model.name },
      { name: "model_version", type: "string", values: this.model.version },
      { name: "plant", type: "string", values: this.plant },
    ];
    this.plans.forEach((plan, p) => {
      const answered = this.answered[p];
      // Outputs are nullable (a request may not ask for one); a per-row flag only when some request did not.
      let present: Uint8Array | undefined;
      if (answered && this.missing[p]! > 0) {
        present = new Uint8Array(n);
        for (let r = 0, at = 0; r < requests; at += runs[r]!, r++) if (answered[r]) present.fill(1, at, at + runs[r]!);
      }
      plan.columns.forEach((name, j) => {
        const values = this.values[p]![j]!;
        const c = (
          plan.kind === "string"
            ? { name, type: "string", values: this.dictionaries[p]![j]!.values, indices: values }
            : { name, type: plan.kind, values }
        ) as ParquetColumn;
        if (present) c.present = present;
        else if (answered) c.nullable = true;
        columns.push(c);
      });
    });
    return encodeParquet(columns, n, {
      metadata: {
        "mlops.capture": "1",
        model_name: this.model.name,
        model_version: this.model.version,
        plant: this.plant,
      },
      createdBy: "mlops-serve capture",
    });
  }
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

/** Copies rows [0, n) of a numeric tensor into the plan's columns at `at`. */
function copyTensor(t: CapturedTensor, cols: Numeric[], at: number, n: number): void {
  const width = cols.length;
  const data = t.data;
  if (width === 1) {
    const col = cols[0]!;
    if (t.datatype === "FP16") {
      const half = data as Uint16Array;
      for (let k = 0; k < n; k++) (col as Float32Array)[at + k] = fromHalf(half[k]!);
    } else if (t.datatype === "UINT32") {
      const u = data as Uint32Array;
      for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt(u[k]!);
    } else if (t.datatype === "UINT64") {
      const u = data as BigUint64Array;
      for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt.asIntN(64, u[k]!);
    } else if (n === 1) {
      // One store per column, kept monomorphic per array type (a mixed site is a slow generic store in V8).
      if (col instanceof Float32Array) col[at] = (data as Float32Array)[0]!;
      else if (col instanceof BigInt64Array) col[at] = (data as BigInt64Array)[0]!;
      else if (col instanceof Float64Array) col[at] = (data as Float64Array)[0]!;
      else if (col instanceof Int32Array) col[at] = (data as Int32Array)[0]!;
      else col.set(data as Uint8Array, at);
    } else {
      const src = data as Float32Array;
      (col as Float32Array).set(src.length === n ? src : src.subarray(0, n), at);
    }
    return;
  }
  if (t.datatype === "FP32" || t.datatype === "FP64") {
    // the common [N,K] case (class probabilities): a strided copy per column
    const src = data as Float32Array;
    for (let j = 0; j < width; j++) {
      const col = cols[j] as Float32Array;
      for (let k = 0, i = j; k < n; k++, i += width) col[at + k] = src[i]!;
    }
    return;
  }
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
