import { describe, expect, it } from "vitest";
import { CaptureTable, planCapture, storageOf } from "./capture-table";
import type { CaptureModel, CapturedRequest } from "./types";

const model: CaptureModel = {
  name: "m",
  version: "1",
  inputs: [{ name: "air", datatype: "FP32", shape: [-1, 1] }],
  outputs: [
    { name: "label", datatype: "INT64", shape: [-1] },
    { name: "kind", datatype: "BYTES", shape: [-1] },
  ],
};
const { plans } = planCapture(model);

function request(rows: number, outputs: ("label" | "kind")[] = ["label", "kind"]): CapturedRequest {
  return {
    inputs: [{ name: "air", datatype: "FP32", shape: [rows, 1], data: new Float32Array(rows).fill(1) }],
    outputs: outputs.map((name) =>
      name === "label"
        ? { name, datatype: "INT64", shape: [rows], data: new BigInt64Array(rows).fill(1n) }
        : { name, datatype: "BYTES", shape: [rows], data: Array.from({ length: rows }, () => "ok") },
    ),
  };
}

/** The arrays of a written table, as the writer thread hands them back. */
function storageAfter(fileBytes: number, rows: number) {
  const t = new CaptureTable(model, plans, "p", fileBytes);
  t.append(request(rows), rows, "r", 0);
  return storageOf(t.detach().snapshot).storage;
}

describe("CaptureTable storage reuse", () => {
  it("fills a written table's arrays again when they are of the starting size", () => {
    const storage = storageAfter(4096, 3);
    const next = new CaptureTable(model, plans, "p", 4096, storage).detach().snapshot;
    expect(next.values[0]![0]).toBe(storage.values[0]![0]);
    expect(next.runs).toBe(storage.runs);
  });

  it("drops arrays one huge request grew past the starting size, so memory returns to normal", () => {
    const storage = storageAfter(4096, 100_000);
    expect(storage.values[0]![0]!.length).toBeGreaterThanOrEqual(100_000);
    const next = new CaptureTable(model, plans, "p", 4096, storage).detach().snapshot;
    expect(next.values[0]![0]).not.toBe(storage.values[0]![0]);
    expect(next.values[0]![0]!.length).toBeLessThan(1000);
  });
});

describe("CaptureTable.rowsOf", () => {
  it("refuses a request without a captured input (a shape drop), which would otherwise take stale values", () => {
    const table = new CaptureTable(model, plans, "p", 4096);
    expect(table.rowsOf(request(2))).toBe(2);
    const noInput: CapturedRequest = { ...request(2), inputs: [] };
    expect(table.rowsOf(noInput)).toBeUndefined();
    const otherInput: CapturedRequest = {
      ...request(2),
      inputs: [{ name: "other", datatype: "FP32", shape: [2, 1], data: new Float32Array(2) }],
    };
    expect(table.rowsOf(otherInput)).toBeUndefined();
  });
});
