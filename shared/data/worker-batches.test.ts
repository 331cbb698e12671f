/** Batches parsed on a worker thread equal the main thread's, keep their errors' kind, and stop when dropped. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { batchesInWorker, type ColumnBatch, openDataset } from "./index";

const dir = mkdtempSync(join(tmpdir(), "worker-batches-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(gen: AsyncGenerator<ColumnBatch>): Promise<ColumnBatch[]> {
  const out: ColumnBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

const plain = (bs: ColumnBatch[]) =>
  bs.map((b) => ({ ...b, columns: Object.fromEntries(Object.entries(b.columns).map(([k, v]) => [k, Array.from(v as ArrayLike<number | string>)])) }));

describe("batchesInWorker", () => {
  let csv = "a,b,kind\n";
  for (let i = 0; i < 3000; i++) csv += `${i},${i / 7},${i % 3 ? "x" : '"y, z"'}\n`;
  writeFileSync(join(dir, "p1.csv"), csv);
  writeFileSync(join(dir, "p2.csv"), csv);
  const n = 5000;
  writeFileSync(
    join(dir, "d.parquet"),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "a", data: Float64Array.from({ length: n }, (_, i) => i), type: "DOUBLE", nullable: true },
          { name: "b", data: Float64Array.from({ length: n }, (_, i) => i / 3), type: "DOUBLE" },
        ],
        rowGroupSize: 1700,
      }),
    ),
  );

  it("gives the main thread's batches for a CSV glob and a Parquet file (row group views copied)", async () => {
    for (const source of [join(dir, "p*.csv"), join(dir, "d.parquet")]) {
      const ds = await openDataset(source);
      const batch = { batchSize: 1000 };
      const want = await all(ds.batches(batch));
      const got = await all(batchesInWorker({ source, batch, inFlight: 2 }));
      expect(plain(got)).toEqual(plain(want));
      for (const b of got) expect((b.columns.a as Float64Array).buffer.byteLength).toBe(b.rows * 8);
    }
  });

  it("reads only the files asked for", async () => {
    const { files } = await openDataset(join(dir, "p*.csv"));
    const got = await all(batchesInWorker({ source: join(dir, "p*.csv"), batch: { files: [files[1]!] } }));
    expect(files[1]).toMatch(/p2\.csv$/);
    expect(new Set(got.map((b) => b.file))).toEqual(new Set([files[1]]));
    expect(got.reduce((s, b) => s + b.rows, 0)).toBe(3000);
  });

  it("a reader's UserError arrives as a UserError with the same message", async () => {
    writeFileSync(join(dir, "bad.csv"), "a,b\n1,2\n3,oops\n");
    const e = await all(batchesInWorker({ source: join(dir, "bad.csv"), batch: { types: { a: "number", b: "number" } } })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toMatch(/bad\.csv, line 3, column "b": not a number in a numeric column \(got "oops"\)/);
  });

  it("stops the worker when the consumer stops early", async () => {
    const gen = batchesInWorker({ source: join(dir, "p1.csv"), batch: { batchSize: 100 } });
    const first = await gen.next();
    expect(first.value?.rows).toBe(100);
    await gen.return(undefined);
    expect((await gen.next()).done).toBe(true);
  });
});
