/** Batches parsed on a worker thread equal the main thread's, keep their errors' kind, and stop when dropped. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
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
  bs.map((b) => ({
    ...b,
    columns: Object.fromEntries(
      Object.entries(b.columns).map(([k, v]) => [k, Array.from(v as ArrayLike<number | string>)]),
    ),
  }));

describe("batchesInWorker", () => {
  let csv = "a,b,kind\n";
  for (let i = 0; i < 3000; i++) csv += `${i},${i / 7},${i % 3 ? "x" : '"y, z"'}\n`;
  writeFileSync(join(dir, "p1.csv"), csv);
  writeFileSync(join(dir, "p2.csv"), csv);
  const n = 5000;
  const numbers = [
    { name: "a", data: Float64Array.from({ length: n }, (_, i) => i), type: "DOUBLE" as const, nullable: true },
    { name: "b", data: Float64Array.from({ length: n }, (_, i) => i / 3), type: "DOUBLE" as const },
  ];
  const text = { name: "k", data: Array.from({ length: n }, (_, i) => `k${i % 5}`), type: "STRING" as const };
  // Numbers only (decoded a batch at a time), and the same beside a text column (a row group decoded whole).
  for (const [name, columnData] of [
    ["d.parquet", numbers],
    ["s.parquet", [...numbers, text]],
  ] as const) {
    writeFileSync(
      join(dir, name),
      new Uint8Array(parquetWriteBuffer({ columnData: [...columnData], rowGroupSize: 1700 })),
    );
  }

  it("gives the main thread's batches for a CSV glob and Parquet files (with a text column, a row group's batches share its moved columns)", async () => {
    for (const source of [join(dir, "p*.csv"), join(dir, "d.parquet"), join(dir, "s.parquet")]) {
      const ds = await openDataset(source);
      const batch = { batchSize: 1000 };
      const want = await all(ds.batches(batch));
      const got = await all(batchesInWorker({ source, batch, inFlight: 2 }));
      expect(plain(got)).toEqual(plain(want));
      const a = got.map((b) => b.columns.a as Float64Array);
      // CSV, and Parquet whose columns are all numbers (decoded a batch at a time): each batch's columns are its own.
      if (!source.endsWith("s.parquet")) {
        expect(got.map((b) => b.rows)).toEqual(
          source.endsWith(".csv") ? [1000, 1000, 1000, 1000, 1000, 1000] : [1000, 700, 1000, 700, 1000, 600],
        );
        for (const [k, b] of got.entries()) expect(a[k]!.buffer.byteLength).toBe(b.rows * 8);
        continue;
      }
      // Row groups of 1,700, 1,700 and 1,600 rows: batches of 1,000 and the rest, views of their group's column.
      expect(got.map((b) => b.rows)).toEqual([1000, 700, 1000, 700, 1000, 600]);
      expect(a.map((c) => c.buffer.byteLength)).toEqual([1700, 1700, 1700, 1700, 1600, 1600].map((r) => r * 8));
      expect(a[0]!.buffer).toBe(a[1]!.buffer);
      expect(a[2]!.buffer).toBe(a[3]!.buffer);
      expect(a[1]!.buffer).not.toBe(a[2]!.buffer);
    }
  });

  it("recycle: a batch's number columns (a row group's, after its last batch) go back to the worker when the next is asked for; every batch keeps the main thread's values", async () => {
    for (const source of [join(dir, "p*.csv"), join(dir, "d.parquet"), join(dir, "s.parquet")]) {
      const ds = await openDataset(source);
      const batch = { batchSize: 400 };
      const want = plain(await all(ds.batches(batch)));
      const got: ColumnBatch[] = [];
      const values: ReturnType<typeof plain> = [];
      for await (const b of batchesInWorker({ source, batch, inFlight: 4, recycle: true })) {
        got.push(b);
        values.push(...plain([b])); // read during its turn
      }
      expect(values).toEqual(want);
      expect(got.length).toBeGreaterThan(8);
      if (source.endsWith("s.parquet")) {
        // A row group's columns (1,700 rows: batches of 400, 400, 400, 400, 100) go back once the batch after
        // its last view is asked for, so the views of the first two groups are detached; the last group's are not
        // (the worker's "done" ends the loop before another credit is sent).
        for (const b of got) {
          const lastGroup = b.firstRow > 2 * 1700;
          expect((b.columns.a as Float64Array).length, `rows from ${b.firstRow}`).toBe(lastGroup ? b.rows : 0);
          expect((b.columns.b as Float64Array).length, `rows from ${b.firstRow}`).toBe(lastGroup ? b.rows : 0);
        }
        expect(got.filter((b) => b.firstRow > 2 * 1700)).toHaveLength(4);
        continue;
      }
      // Given back (transferred): every batch but the last is detached now; strings are not recycled.
      // With inFlight 4 the credit step is 1 (4 >> 2), so every batch taken sends a credit message, and it
      // carries the previous batch's columns. After the last batch the worker's "done" ends the loop before
      // any credit is sent, so the last batch's columns stay here. (A larger step would leave up to
      // step - 1 batches before the last one attached too.)
      for (const b of got.slice(0, -1)) {
        expect((b.columns.a as Float64Array).length).toBe(0);
        expect((b.columns.b as Float64Array).length).toBe(0);
      }
      expect((got.at(-1)!.columns.a as Float64Array).length).toBe(got.at(-1)!.rows);
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
    const e = await all(
      batchesInWorker({ source: join(dir, "bad.csv"), batch: { types: { a: "number", b: "number" } } }),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /bad\.csv, line 3, column "b": not a number in a numeric column \(got "oops"\)/,
    );
  });

  it("takes the caller's head of the data set instead of reading the file's start again", async () => {
    const source = join(dir, "p1.csv");
    const ds = await openDataset(source);
    expect(ds.head).toMatchObject({
      format: "csv",
      firstFile: source,
      columns: ["a", "b", "kind"],
      types: { a: "number" },
    });
    // A head that says "a" is text: the worker's batches follow it, so it was not inferred again.
    const head = { ...ds.head!, types: { ...ds.head!.types, a: "string" as const } };
    const [first] = await all(batchesInWorker({ source, head, batch: { batchSize: 3000 } }));
    expect(first!.columns.a!.slice(0, 3)).toEqual(["0", "1", "2"]);
    // A head of another file is not used.
    const other = { ...head, firstFile: join(dir, "p2.csv") };
    const [again] = await all(batchesInWorker({ source, head: other, batch: { batchSize: 3000 } }));
    expect(Array.from(again!.columns.a as Float64Array).slice(0, 3)).toEqual([0, 1, 2]);
  });

  it("the worker's code loads no Azure SDK, HTTP client or schema library at start (they are loaded when used)", () => {
    // What a worker parses before its first row: the entry and the chunks it imports statically, split as dist/ is.
    const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
    const r = buildSync({
      entryPoints: [join(root, "shared/data/parse-worker.ts")],
      absWorkingDir: root,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      outdir: join(dir, "graph"),
      metafile: true,
      write: false,
      logLevel: "error",
    });
    const outputs = r.metafile.outputs;
    const entry = Object.keys(outputs).find((o) => outputs[o]!.entryPoint)!;
    const loaded = new Set<string>();
    const visit = (o: string) => {
      if (loaded.has(o)) return;
      loaded.add(o);
      for (const i of outputs[o]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    visit(entry);
    const inputs = [...loaded].flatMap((o) => Object.keys(outputs[o]!.inputs));
    const packages = new Set(inputs.map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
    expect([...packages].filter((p) => /^(@azure\/|undici$|zod$|apache-arrow$)/.test(p!))).toEqual([]);
    expect(packages.has("hyparquet")).toBe(true);
    const bytes = [...loaded].reduce((n, o) => n + outputs[o]!.bytes, 0);
    expect(bytes).toBeLessThan(1_000_000);
  });

  it("starts the worker at once (parsing while the caller prepares), and return() before any batch stops it", async () => {
    const threads = () => readdirSync("/proc/self/task").length;
    const before = threads();
    const gen = batchesInWorker({ source: join(dir, "p1.csv"), batch: { batchSize: 100 } });
    const during = threads();
    expect(during).toBeGreaterThan(before);
    await gen.return(undefined);
    expect(threads()).toBeLessThan(during);
    expect((await gen.next()).done).toBe(true);
  });

  it("stops the worker when the consumer stops early", async () => {
    const gen = batchesInWorker({ source: join(dir, "p1.csv"), batch: { batchSize: 100 } });
    const first = await gen.next();
    expect(first.value?.rows).toBe(100);
    await gen.return(undefined);
    expect((await gen.next()).done).toBe(true);
  });
});
