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

function allocate(kind: Kind, n: number): Numeric | string[] {
  switch (kind) {
    case "float":
      return new Float32Array(n);
    case "double":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "boolean":
      return new Uint8Array(n);
    case "string":
      return new Array<string>(n);
  }
}

function grow<T extends Numeric | string[]>(a: T, n: number): T {
  if (Array.isArray(a)) return a;
  const next = new (a.constructor as new (n: number) => Numeric)(n);
  next.set(a as never);
  return next as T;
}

/** Rows of one future file. */
export class CaptureTable {
  rows = 0;
  /** Bytes the rows will take on disk, roughly (for the disk budget and the file size limit). */
  bytes = 0;
  private capacity: number;
  /** One id per request, with its number of rows. */
  private readonly ids: string[] = [];
  private idRuns = new Uint32Array(256);
  private row: Int32Array;
  private time: BigInt64Array;
  private readonly values: (Numeric | string[])[][];
  private readonly present: (Uint8Array | undefined)[];
  private readonly fixedRowBytes: number;
  /** Footer, page headers and dictionaries of a file, about. */
  private readonly fileOverhead: number;

  constructor(
    private readonly model: CaptureModel,
    private readonly plans: TensorPlan[],
    private readonly plant: string,
    initialCapacity = 8192,
  ) {
    this.capacity = initialCapacity;
    this.time = new BigInt64Array(initialCapacity);
    this.row = new Int32Array(initialCapacity);
    this.values = plans.map((p) => p.columns.map(() => allocate(p.kind, initialCapacity)));
    this.present = plans.map((p) => (p.role === "output" ? new Uint8Array(initialCapacity) : undefined));
    const size: Record<Kind, number> = { float: 4, double: 8, int32: 4, int64: 8, boolean: 1, string: 4 };
    this.fixedRowBytes = 12 + plans.reduce((n, p) => n + p.columns.length * size[p.kind], 0);
    const names = [...META_COLUMNS, ...plans.flatMap((p) => p.columns)];
    this.fileOverhead =
      512 + names.reduce((n, c) => n + 2 * c.length + 96, 0) + 2 * (model.name.length + model.version.length + plant.length);
  }

  /** Bytes on disk the table would take with `n` more rows of a request with this id, about (an upper bound). */
  cost(n: number, id: string, stringBytes = 0): number {
    return (this.rows === 0 ? this.fileOverhead : 0) + n * this.fixedRowBytes + id.length + 8 + stringBytes;
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    let c = this.capacity;
    while (c < n) c *= 2;
    this.capacity = c;
    this.time = grow(this.time, c);
    this.row = grow(this.row, c);
    for (let i = 0; i < this.values.length; i++) this.values[i] = this.values[i]!.map((a) => grow(a, c));
    for (let i = 0; i < this.present.length; i++) {
      const p = this.present[i];
      if (p) this.present[i] = grow(p, c);
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
    this.time.fill(BigInt(timeMs), at, at + n);
    // The request id on each of its rows (dictionary runs cost nothing per row), and the row's index in it.
    const r = this.ids.length;
    this.ids.push(id);
    if (r === this.idRuns.length) this.idRuns = grow(this.idRuns, r * 2);
    this.idRuns[r] = n;
    for (let k = 0; k < n; k++) this.row[at + k] = k;
    const idBytes = id.length + 8;
    let stringBytes = 0;
    for (let p = 0; p < this.plans.length; p++) {
      const plan = this.plans[p]!;
      const tensor = find(plan.role === "input" ? request.inputs : request.outputs, plan.tensor);
      const present = this.present[p];
      if (!tensor) {
        if (present) present.fill(0, at, at + n);
        continue;
      }
      if (present) present.fill(1, at, at + n);
      stringBytes += copyTensor(tensor, plan, this.values[p]!, at, n);
    }
    this.rows += n;
    const added = (at === 0 ? this.fileOverhead : 0) + n * this.fixedRowBytes + idBytes + stringBytes;
    this.bytes += added;
    return added;
  }

  /** The table as Parquet (file parts in order). */
  encode(): Buffer[] {
    const n = this.rows;
    const columns: ParquetColumn[] = [
      { name: "id", type: "string", values: this.ids, runs: this.idRuns.subarray(0, this.ids.length) },
      { name: "row", type: "int32", values: this.row },
      { name: "time", type: "timestamp-ms", values: this.time },
      { name: "model_name", type: "string", values: this.model.name },
      { name: "model_version", type: "string", values: this.model.version },
      { name: "plant", type: "string", values: this.plant },
    ];
    this.plans.forEach((plan, p) => {
      const present = this.present[p];
      plan.columns.forEach((name, j) => {
        const values = this.values[p]![j]!;
        const c = { name, type: plan.kind, values } as ParquetColumn;
        if (present) c.present = present;
        columns.push(c);
      });
    });
    return encodeParquet(columns, n, {
      metadata: { "mlops.capture": "1", model_name: this.model.name, model_version: this.model.version, plant: this.plant },
      createdBy: "mlops-serve capture",
    });
  }
}

function find(tensors: readonly CapturedTensor[], name: string): CapturedTensor | undefined {
  for (let i = 0; i < tensors.length; i++) if (tensors[i]!.name === name) return tensors[i];
  return undefined;
}

/** Copies rows [0, n) of a tensor into the plan's columns at `at`; returns the string bytes added. */
function copyTensor(t: CapturedTensor, plan: TensorPlan, cols: (Numeric | string[])[], at: number, n: number): number {
  const width = plan.columns.length;
  const data = t.data;
  if (plan.kind === "string") {
    const src = data as string[];
    let bytes = 0;
    for (let j = 0; j < width; j++) {
      const col = cols[j] as string[];
      for (let k = 0, i = j; k < n; k++, i += width) {
        const s = String(src[i] ?? "");
        col[at + k] = s;
        bytes += s.length + 4;
      }
    }
    return bytes;
  }
  if (width === 1) {
    const col = cols[0] as Numeric;
    if (t.datatype === "FP16") {
      const half = data as Uint16Array;
      for (let k = 0; k < n; k++) (col as Float32Array)[at + k] = fromHalf(half[k]!);
    } else if (t.datatype === "UINT32") {
      const u = data as Uint32Array;
      for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt(u[k]!);
    } else if (t.datatype === "UINT64") {
      const u = data as BigUint64Array;
      for (let k = 0; k < n; k++) (col as BigInt64Array)[at + k] = BigInt.asIntN(64, u[k]!);
    } else {
      const src = data as Float32Array;
      (col as Float32Array).set(src.length === n ? src : src.subarray(0, n), at);
    }
    return 0;
  }
  if (t.datatype === "FP32" || t.datatype === "FP64") {
    // the common [N,K] case (class probabilities): a strided copy per column
    const src = data as Float32Array;
    for (let j = 0; j < width; j++) {
      const col = cols[j] as Float32Array;
      for (let k = 0, i = j; k < n; k++, i += width) col[at + k] = src[i]!;
    }
    return 0;
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
  return 0;
}
