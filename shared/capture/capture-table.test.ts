import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { encodeParquet } from "../data/parquet-writer";
import { CaptureTable, captureColumns, captureFileOptions, planCapture, storageOf } from "./capture-table";
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

  it("rows refilled into junk-filled storage read back as written, missing outputs as nulls", async () => {
    // The arrays of some earlier file: every value 999, every request answered with every output.
    const storage = storageAfter(4096, 3);
    for (const cols of storage.values)
      for (const a of cols) {
        if (a instanceof BigInt64Array) a.fill(999n);
        else a.fill(999);
      }
    storage.runs.fill(999);
    storage.times.fill(999);
    for (const a of storage.answered) a?.fill(1);
    const table = new CaptureTable(model, plans, "p", 4096, storage);
    table.append(request(2, ["kind"]), 2, "no-label", 1000);
    table.append(request(1, ["label"]), 1, "no-kind", 2000);
    table.append(request(1, []), 1, "neither", 3000);
    const { snapshot } = table.detach();
    // The table filled the storage it was given.
    expect(snapshot.values[0]![0]).toBe(storage.values[0]![0]);
    expect(snapshot.values[1]![0]).toBe(storage.values[1]![0]);
    expect(snapshot.values[2]![0]).toBe(storage.values[2]![0]);
    expect(snapshot.answered[1]).toBe(storage.answered[1]);
    expect(snapshot.runs).toBe(storage.runs);
    const file = Buffer.concat(encodeParquet(captureColumns(snapshot), snapshot.rows, captureFileOptions(snapshot)));
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    const rows = await parquetReadObjects({ file: buffer, columns: ["id", "row", "time", "air", "label", "kind"] });
    expect(rows).toEqual([
      { id: "no-label", row: 0, time: new Date(1000), air: 1, label: null, kind: "ok" },
      { id: "no-label", row: 1, time: new Date(1000), air: 1, label: null, kind: "ok" },
      { id: "no-kind", row: 0, time: new Date(2000), air: 1, label: 1n, kind: null },
      { id: "neither", row: 0, time: new Date(3000), air: 1, label: null, kind: null },
    ]);
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
