import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../data";
import { recordingLogger } from "../log";
import { startCapture } from "./capture";
import type { CaptureModel, CapturedRequest } from "./types";

const root = mkdtempSync(join(tmpdir(), "capture-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const model: CaptureModel = {
  name: "m",
  version: "1",
  inputs: [{ name: "air", datatype: "FP32", shape: [-1, 1] }],
  outputs: [{ name: "label", datatype: "INT64", shape: [-1] }],
};

function request(rows: number, first: number): CapturedRequest {
  return {
    inputs: [
      {
        name: "air",
        datatype: "FP32",
        shape: [rows, 1],
        data: Float32Array.from({ length: rows }, (_, i) => first + i),
      },
    ],
    outputs: [{ name: "label", datatype: "INT64", shape: [rows], data: new BigInt64Array(rows).fill(1n) }],
  };
}

/** Closed capture files under `dir` (read without the event loop). */
function closedFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => join(dir, f));
}

async function rowsOf(file: string): Promise<Record<string, unknown>[]> {
  const b = readFileSync(file);
  return parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
}

const wide: CaptureModel = {
  name: "m",
  version: "1",
  inputs: [
    { name: "air", datatype: "FP32", shape: [-1, 1] },
    { name: "type", datatype: "BYTES", shape: [-1, 1] },
  ],
  outputs: [
    { name: "label", datatype: "INT64", shape: [-1] },
    { name: "score", datatype: "FP32", shape: [-1] },
  ],
};
const rowsOfRequest = (rows: number, first: number, type: string, score: boolean): CapturedRequest => ({
  inputs: [
    {
      name: "air",
      datatype: "FP32",
      shape: [rows, 1],
      data: Float32Array.from({ length: rows }, (_, i) => first + i),
    },
    { name: "type", datatype: "BYTES", shape: [rows, 1], data: Array.from({ length: rows }, () => type) },
  ],
  outputs: [
    { name: "label", datatype: "INT64", shape: [rows], data: new BigInt64Array(rows).fill(BigInt(first)) },
    ...(score ? [{ name: "score", datatype: "FP32", shape: [rows], data: new Float32Array(rows).fill(0.5) }] : []),
  ],
});

describe("capture files", () => {
  it("are encoded, written and renamed on a thread of their own: a file closes while the serving thread is blocked", async () => {
    const dir = join(root, `c${++n}`);
    const capture = await startCapture({ dir, plant: "p", fileBytes: 4096, fileSeconds: 3600 }, model, {
      registry: new Registry(),
    });
    // One request larger than the file size: the file is handed over for closing as the rows are recorded.
    const rows = 1000;
    capture.record(request(rows, 0), "r0");
    // Block this thread (no event loop turn, no promise callback) until the closed file appears, with a bound: only
    // another thread can encode, write, sync and rename it meanwhile.
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (const until = Date.now() + 30_000; closedFiles(dir).length === 0 && Date.now() < until;) {
      Atomics.wait(wait, 0, 0, 5);
    }
    const files = closedFiles(dir);
    expect(files).toHaveLength(1);
    const written = await rowsOf(files[0]!);
    expect(written.length).toBe(rows);
    expect(written.map((r) => r.air)).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(written[0]).toMatchObject({ id: "r0", row: 0, model_name: "m", model_version: "1", plant: "p", label: 1n });
    await capture.close();
  });

  it("a file the writer cannot write is counted as dropped rows, and capture goes on with the next file", async () => {
    const dir = join(root, `c${++n}`);
    const registry = new Registry();
    const logger = recordingLogger();
    let now = Date.parse("2024-01-02T03:04:05Z");
    const capture = await startCapture({ dir, plant: "p", fileSeconds: 1 }, model, {
      registry,
      logger,
      clock: () => now,
    });
    // A file where the day's folder goes: the first file cannot be written.
    writeFileSync(join(dir, "p/m/1/2024-01-02"), "not a folder");
    const writeErrors = async () =>
      (await registry.getSingleMetric("oip_capture_dropped_rows_total")!.get()).values.find(
        (v) => v.labels.reason === "write_error",
      )?.value;
    capture.record(request(3, 0), "a");
    now += 2000; // the file's age limit: closed by the capture's timer
    for (const until = Date.now() + 30_000; (await writeErrors()) === 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await writeErrors()).toBe(3);
    expect(logger.lines.map((l) => l.message).join("\n")).toMatch(/could not write 3 row\(s\)/);

    now = Date.parse("2024-01-03T00:00:00Z");
    capture.record(request(2, 10), "b");
    await capture.close();
    const files = closedFiles(dir);
    expect(files).toHaveLength(1);
    expect((await rowsOf(files[0]!)).map((r) => r.air)).toEqual([10, 11]);
  });

  it("a table filled again with the arrays of a written file holds its own rows only", async () => {
    const dir = join(root, `c${++n}`);
    const registry = new Registry();
    const capture = await startCapture({ dir, plant: "p", fileBytes: 6144, fileSeconds: 3600 }, wide, { registry });
    const filesClosed = async (k: number) => {
      const metric = registry.getSingleMetric("oip_capture_files_total")!;
      for (const until = Date.now() + 30_000; (await metric.get()).values[0]!.value < k && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await metric.get()).values[0]!.value).toBe(k);
    };
    capture.record(rowsOfRequest(300, 0, "L", true), "a");
    await filesClosed(1); // the arrays are back from the writer thread
    capture.record(rowsOfRequest(100, 1000, "H", false), "b");
    capture.record(rowsOfRequest(150, 2000, "M", true), "c");
    await filesClosed(2);
    await capture.close();
    const [first, second] = closedFiles(dir).sort();
    expect((await rowsOf(first!)).length).toBe(300);
    const rows = await rowsOf(second!);
    expect(rows.map((r) => [r.id, r.air, r.type, r.label, r.score])).toEqual([
      ...Array.from({ length: 100 }, (_, i) => ["b", 1000 + i, "H", 1000n, null]),
      ...Array.from({ length: 150 }, (_, i) => ["c", 2000 + i, "M", 2000n, 0.5]),
    ]);
  });

  it("are written chunk by chunk, each a row group, into one file: every row in order, strings and missing outputs kept", async () => {
    const dir = join(root, `c${++n}`);
    const registry = new Registry();
    // Chunks of 4 KiB (about 100 rows) in a file of up to 1 MiB: the requests below fill ten or so chunks.
    const capture = await startCapture({ dir, plant: "p", fileBytes: 1 << 20, fileSeconds: 3600 }, wide, {
      registry,
      chunkBytes: 4096,
    });
    const types = ["L", "M", "H", "M\u00e9"];
    const expected: unknown[][] = [];
    for (let r = 0; r < 60; r++) {
      const rows = 1 + ((r * 7) % 23);
      const type = types[r % types.length]!;
      const score = r % 3 !== 0;
      capture.record(rowsOfRequest(rows, r * 100, type, score), `r${r}`);
      for (let i = 0; i < rows; i++)
        expected.push([`r${r}`, i, r * 100 + i, type, BigInt(r * 100), score ? 0.5 : null]);
    }
    await capture.close();
    const files = closedFiles(dir);
    expect(files).toHaveLength(1);
    const b = readFileSync(files[0]!);
    const groups = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)).row_groups;
    expect(groups.length).toBeGreaterThan(5);
    expect(groups.reduce((k, g) => k + Number(g.num_rows), 0)).toBe(expected.length);
    const rows = await rowsOf(files[0]!);
    expect(rows.map((x) => [x.id, x.row, x.air, x.type, x.label, x.score])).toEqual(expected);
    // The evaluation's own reader reads it too (a dictionary per row group).
    const ds = await openDataset(files[0]!);
    const read: string[] = [];
    for await (const batch of ds.batches({ columns: ["type"], types: { type: "string" } }))
      read.push(...(batch.columns.type as string[]));
    expect(read).toEqual(expected.map((e) => e[3]));
    const total = (await registry.getSingleMetric("oip_capture_rows_total")!.get()).values[0]!.value;
    expect(total).toBe(expected.length);
  });
});
