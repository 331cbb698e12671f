import * as ort from "onnxruntime-node";
import type { ColumnBatch, InputBinding } from "../data";
import { UserError } from "../errors";

export type NanPolicy = "error" | "pass";

function nanError(batch: ColumnBatch, column: string, i: number, v: number): UserError {
  const what = Number.isNaN(v) ? "missing value (empty, NA or NaN)" : `non-integer value ${v}`;
  return new UserError(
    `${batch.file}: ${what} in feature "${column}" at row ${batch.firstRow + i} (got ${v}). ` +
      'Fill or drop the missing values before evaluating (a model that handles missing values, such as a tree ensemble, can be evaluated with nanPolicy "pass").',
  );
}

/**
 * The tensor for one input binding from one batch. Float features are converted to float32 once per batch.
 * With `reuse`, float tensors are built on `reuse.buffers`' array for `reuse.key`, which must name this
 * binding alone: two bindings under one key would overwrite each other's feeds.
 */
export function bindingTensor(
  binding: InputBinding,
  batch: ColumnBatch,
  nan: NanPolicy,
  reuse?: { buffers: FeedBuffers; key: string },
): ort.Tensor {
  const n = batch.rows;
  if (binding.kind === "matrix") {
    const F = binding.columns.length;
    const out = floatArray(binding.dtype === "double", n * F, reuse);
    for (let j = 0; j < F; j++) {
      const name = binding.columns[j]!;
      const col = batch.columns[name] as Float64Array;
      for (let i = 0, at = j; i < n; i++, at += F) {
        const v = col[i]!;
        if (nan === "error" && Number.isNaN(v)) throw nanError(batch, name, i, v);
        out[at] = v;
      }
    }
    return new ort.Tensor(binding.dtype === "double" ? "float64" : "float32", out, [n, F]);
  }
  const dims = binding.rank === 2 ? [n, 1] : [n];
  const col = batch.columns[binding.column]!;
  if (binding.dtype === "string") return new ort.Tensor("string", col as string[], dims);
  const x = col as Float64Array;
  if (nan === "error" || binding.dtype === "int64" || binding.dtype === "int32" || binding.dtype === "bool") {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const integral = binding.dtype !== "float" && binding.dtype !== "double";
      if (Number.isNaN(v) && (nan === "error" || integral)) throw nanError(batch, binding.column, i, v);
      if (integral && !Number.isInteger(v)) {
        throw nanError(batch, binding.column, i, v);
      }
    }
  }
  switch (binding.dtype) {
    case "float":
    case "double": {
      const out = floatArray(binding.dtype === "double", n, reuse);
      out.set(x.subarray(0, n));
      return new ort.Tensor(binding.dtype === "double" ? "float64" : "float32", out, dims);
    }
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(x, (v) => BigInt(v)),
        dims,
      );
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(x), dims);
    case "bool":
      return new ort.Tensor(
        "bool",
        Uint8Array.from(x, (v) => (v ? 1 : 0)),
        dims,
      );
  }
}

/**
 * Typed arrays kept from one batch's feeds to the next: a fresh array per batch cost more than filling it
 * (allocation, zeroing, and the garbage collections that external memory triggers). A tensor built on them
 * is valid until the next batch's feeds are built with the same buffers: run the sessions in between.
 */
export class FeedBuffers {
  private readonly arrays = new Map<string, Float32Array | Float64Array>();

  take(key: string, double: boolean, size: number): Float32Array | Float64Array {
    let a = this.arrays.get(key);
    // A key's element type can change (a float32 and a float64 input fed from one column): never hand out
    // the other type's array, its values would be read with the wrong width.
    if (!a || a.length < size || a instanceof Float64Array !== double) {
      a = double ? new Float64Array(size) : new Float32Array(size);
      this.arrays.set(key, a);
    }
    return a.length === size ? a : a.subarray(0, size);
  }
}

function floatArray(double: boolean, size: number, reuse: { buffers: FeedBuffers; key: string } | undefined) {
  if (reuse) return reuse.buffers.take(reuse.key, double, size);
  return double ? new Float64Array(size) : new Float32Array(size);
}

/**
 * Feeds for a model; tensors shared between models with the same binding are built once (`cache`), on
 * arrays reused batch after batch when `buffers` is given (see FeedBuffers).
 */
export function buildFeeds(
  bindings: InputBinding[],
  batch: ColumnBatch,
  nan: NanPolicy,
  cache: Map<string, ort.Tensor>,
  buffers?: FeedBuffers,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const b of bindings) {
    const key = JSON.stringify(b.kind === "matrix" ? [b.dtype, b.columns] : [b.dtype, b.column, b.rank]);
    let t = cache.get(key);
    if (!t) {
      t = bindingTensor(b, batch, nan, buffers ? { buffers, key } : undefined);
      cache.set(key, t);
    }
    feeds[b.input] = t;
  }
  return feeds;
}
