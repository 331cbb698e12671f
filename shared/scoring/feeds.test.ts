/** Feed arrays kept across batches: reused per key, never handed out with the other float width. */
import { describe, expect, it } from "vitest";
import type { ColumnBatch, InputBinding } from "../data";
import { bindingTensor, FeedBuffers } from "./feeds";

const batch = (x: number[]): ColumnBatch => ({
  rows: x.length,
  offset: 0,
  file: "d.csv",
  firstRow: 1,
  columns: { x: Float64Array.from(x) },
});
const col = (dtype: "float" | "double"): InputBinding => ({ kind: "column", input: "x", dtype, column: "x", rank: 2 });

describe("FeedBuffers", () => {
  it("reuses a key's array batch after batch", () => {
    const buffers = new FeedBuffers();
    const a = buffers.take("k", false, 8);
    expect(buffers.take("k", false, 8)).toBe(a);
    expect(buffers.take("k", false, 3).buffer).toBe(a.buffer); // a shorter batch: a view of the same array
  });

  it("a key asked for with the other element type gets a new array of that type", () => {
    const buffers = new FeedBuffers();
    expect(buffers.take("k", false, 4)).toBeInstanceOf(Float32Array);
    expect(buffers.take("k", true, 4)).toBeInstanceOf(Float64Array);
    expect(buffers.take("k", false, 2)).toBeInstanceOf(Float32Array);
  });

  it("bindingTensor on one key: a float32 then a float64 input each get their own width and exact values", () => {
    const reuse = { buffers: new FeedBuffers(), key: "x" };
    const f = bindingTensor(col("float"), batch([0.1, 2, 3]), "error", reuse);
    expect(f.type).toBe("float32");
    expect(Array.from(f.data as Float32Array)).toEqual(Array.from(Float32Array.from([0.1, 2, 3])));
    const d = bindingTensor(col("double"), batch([0.1, 2, 3]), "error", reuse);
    expect(d.type).toBe("float64");
    expect(d.data).toBeInstanceOf(Float64Array);
    expect(Array.from(d.data as Float64Array)).toEqual([0.1, 2, 3]);
  });
});
