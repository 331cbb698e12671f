import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureTable, planCapture } from "./capture-table";
import { CaptureWriter } from "./capture-writer";

const root = mkdtempSync(join(tmpdir(), "capture-writer-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("CaptureWriter", () => {
  it("a table that cannot be sent to the thread fails its write and leaves the process free to exit", () => {
    const here = (f: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, f)).href);
    const script = join(root, "unsendable.mts");
    writeFileSync(
      script,
      [
        `import { CaptureWriter } from ${here("capture-writer.ts")};`,
        `import { CaptureTable, planCapture } from ${here("capture-table.ts")};`,
        `const model = { name: "m", version: "1", inputs: [{ name: "a", datatype: "FP32", shape: [-1] }], outputs: [] };`,
        `const { snapshot, transfer } = new CaptureTable(model, planCapture(model).plans, "p", 4096).detach();`,
        // The same buffer twice in a transfer list: postMessage throws (DataCloneError).
        `const b = new ArrayBuffer(8);`,
        `const writer = new CaptureWriter();`,
        `await writer.write({ snapshot, transfer: [...transfer, b, b] }, ${JSON.stringify(root)}, "x.parquet").then(`,
        `  () => console.log("written"),`,
        `  (e) => console.log("failed: " + e.name),`,
        `);`,
      ].join("\n"),
    );
    // Without the writer letting go of the thread, the process would wait on it until the timeout kills it.
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("failed: DataCloneError");
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  }, 60_000);

  it("a thread that dies fails its write saying why and what follows, and the next file starts a new thread", async () => {
    const writer = new CaptureWriter();
    try {
      // Not a table: the thread throws outside the write's own error handling and exits.
      const broken = writer.write({ snapshot: {} as never, transfer: [] }, root, "broken.parquet");
      await expect(broken).rejects.toThrow(
        /^the capture writer thread exited \(code 1\) before writing this file \(s\.answered is not iterable\); the next file starts a new thread$/,
      );
      const model = { name: "m", version: "1", inputs: [{ name: "a", datatype: "FP32", shape: [-1] }], outputs: [] };
      const table = new CaptureTable(model, planCapture(model).plans, "p", 4096);
      table.append(
        { inputs: [{ name: "a", datatype: "FP32", shape: [1], data: new Float32Array([1]) }], outputs: [] },
        1,
        "r",
        0,
      );
      expect((await writer.write(table.detach(), root, "next.parquet")).size).toBeGreaterThan(0);
    } finally {
      await writer.close();
    }
  }, 60_000);

  it("a file whose earlier chunks died with the thread is written with the rows it still has, and says how many", async () => {
    const writer = new CaptureWriter();
    const model = { name: "m", version: "1", inputs: [{ name: "a", datatype: "FP32", shape: [-1] }], outputs: [] };
    const chunk = (first: number, rows: number) => {
      const table = new CaptureTable(model, planCapture(model).plans, "p", 4096);
      const data = Float32Array.from({ length: rows }, (_, i) => first + i);
      table.append({ inputs: [{ name: "a", datatype: "FP32", shape: [rows], data }], outputs: [] }, rows, "r", 0);
      return table.detach();
    };
    try {
      await writer.add(chunk(0, 3), root, "split.parquet");
      // Not a table: the thread dies, and the chunk it held goes with it.
      await expect(writer.add({ snapshot: {} as never, transfer: [] }, root, "split.parquet")).rejects.toThrow(
        /thread exited/,
      );
      const written = await writer.write(chunk(10, 2), root, "split.parquet");
      expect(written.rows).toBe(2);
      const b = readFileSync(join(root, "split.parquet"));
      const rows = await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
      expect(rows.map((r) => r.a)).toEqual([10, 11]);
      // The dead thread's temporary file was the file's own: overwritten, then renamed.
      expect(readdirSync(root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await writer.close();
    }
  }, 60_000);

  it("writes chunk after chunk of different request sizes into one file, every row number and text value in place", async () => {
    const writer = new CaptureWriter();
    const model = {
      name: "m",
      version: "1",
      inputs: [
        { name: "a", datatype: "FP32", shape: [-1] },
        { name: "t", datatype: "BYTES", shape: [-1] },
      ],
      outputs: [],
    };
    // Requests of `rows` rows each: a = request * 100 + row, t a text that changes every other row.
    const chunk = (requests: number, rows: number, first: number) => {
      const table = new CaptureTable(model, planCapture(model).plans, "p", 1 << 16);
      for (let r = 0; r < requests; r++) {
        const q = first + r;
        const a = Float32Array.from({ length: rows }, (_, i) => q * 100 + i);
        const t = Array.from({ length: rows }, (_, i) => ["L", "M", "H"][(q + (i >> 1)) % 3]!);
        table.append(
          {
            inputs: [
              { name: "a", datatype: "FP32", shape: [rows], data: a },
              { name: "t", datatype: "BYTES", shape: [rows], data: t },
            ],
            outputs: [],
          },
          rows,
          `r${q}`,
          0,
        );
      }
      return table.detach();
    };
    try {
      // 64-row requests leave row numbers 0..63 behind; the 1-row chunk after them must still say 0.
      await writer.add(chunk(5, 64, 0), root, "mixed.parquet");
      await writer.add(chunk(40, 1, 5), root, "mixed.parquet");
      const written = await writer.write(chunk(3, 7, 45), root, "mixed.parquet");
      expect(written.rows).toBe(5 * 64 + 40 + 3 * 7);
      const b = readFileSync(join(root, "mixed.parquet"));
      const rows = await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
      const expected = [
        ...[0, 1, 2, 3, 4].flatMap((q) => Array.from({ length: 64 }, (_, i) => ({ q, i }))),
        ...Array.from({ length: 40 }, (_, k) => ({ q: 5 + k, i: 0 })),
        ...[45, 46, 47].flatMap((q) => Array.from({ length: 7 }, (_, i) => ({ q, i }))),
      ];
      expect(rows.map((r) => [r.id, r.row, r.a, r.t])).toEqual(
        expected.map(({ q, i }) => [`r${q}`, i, q * 100 + i, ["L", "M", "H"][(q + (i >> 1)) % 3]]),
      );
    } finally {
      await writer.close();
    }
  }, 60_000);
});
