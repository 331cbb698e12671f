/**
 * Reader throughput of shared/data on generated 1,000,000-row files (8 numeric features + label), beside
 * csv-parse streaming the same CSV (the baseline, measured in the same run):
 *   - CSV through the byte-level fast path (no quotes),
 *   - CSV with a quoted text column (still the fast path),
 *   - CSV whose text column has doubled quotes (uDSV for the whole file),
 *   - Parquet: nullable columns without and with nulls (5 % of feature values), required columns, each
 *     through the flat numeric path and through hyparquet's parquetRead alone (the path before it),
 *   - JSON Lines.
 *
 *   npx tsx bench/data.ts [rows]
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse";
import { parquetWriteBuffer } from "hyparquet-writer";
import { openDataset } from "../shared/data";
import { localFile } from "../shared/data/data-files";
import { parquetBatches, readParquetHead } from "../shared/data/parquet-reader";

const F = 8;
const NAMES = Array.from({ length: F }, (_, j) => `Feature ${j} [u]`);

async function writeText(path: string, rows: number, line: (i: number, v: number[]) => string, head: string) {
  const out = createWriteStream(path);
  let text = head;
  let seed = 3;
  const v = new Array<number>(F);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < F; j++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      v[j] = Math.round((seed / 2 ** 32) * 2e6 - 1e6) / 1e4;
    }
    text += line(i, v);
    if (text.length > 1 << 20) {
      if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
      text = "";
    }
  }
  await new Promise<void>((r) => out.end(text, () => r()));
}

async function time(name: string, rows: number, fn: () => Promise<number>, baseline?: number): Promise<number> {
  const t = performance.now();
  const n = await fn();
  const s = (performance.now() - t) / 1000;
  if (n !== rows) throw new Error(`${name}: read ${n} rows, expected ${rows}`);
  const rate = n / s;
  const ratio = baseline ? `  ${(rate / baseline).toFixed(1)}x csv-parse` : "";
  console.log(
    `${name.padEnd(44)} ${(rate / 1e3).toFixed(0).padStart(6)} k rows/s  ${s.toFixed(2).padStart(6)} s${ratio}`,
  );
  return rate;
}

async function readAll(path: string): Promise<number> {
  let n = 0;
  for await (const b of (await openDataset(path)).batches()) n += b.rows;
  return n;
}

/** Every column through hyparquet's parquetRead, as the reader did before the flat numeric path. */
async function readAllParquetRead(path: string): Promise<number> {
  const file = localFile(path, statSync(path).size);
  const head = await readParquetHead(file);
  const select = head.columns.map((name) => ({ name, type: head.types[name]! }));
  let n = 0;
  for await (const b of parquetBatches({
    file,
    columns: head.columns,
    select,
    batchSize: 8192,
    offset: 0,
    hyparquetOnly: true,
  })) {
    n += b.rows;
  }
  return n;
}

async function main() {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), "bench-data-"));
  try {
    const csv = join(dir, "plain.csv");
    const quoted = join(dir, "quoted.csv");
    const escaped = join(dir, "escaped.csv");
    const jsonl = join(dir, "rows.jsonl");
    const header = `\uFEFF${NAMES.join(",")},label\n`;
    await writeText(csv, rows, (i, v) => `${v.join(",")},${i % 2}\n`, header);
    await writeText(
      quoted,
      rows,
      (i, v) => `${v.join(",")},"${"LMH"[i % 3]}, grade"\n`,
      `${NAMES.join(",")},"Type, grade"\n`,
    );
    await writeText(
      escaped,
      rows,
      (i, v) => `${v.join(",")},"${"LMH"[i % 3]} ""grade"""\n`,
      `${NAMES.join(",")},Type\n`,
    );
    await writeText(
      jsonl,
      rows,
      (i, v) => `${JSON.stringify(Object.fromEntries([...NAMES.map((n, j) => [n, v[j]]), ["label", i % 2]]))}\n`,
      "",
    );
    const cols = NAMES.map(() => new Float64Array(rows));
    let k = 0;
    for await (const b of (await openDataset(csv)).batches()) {
      NAMES.forEach((n, j) => {
        cols[j]!.set(b.columns[n] as Float64Array, k);
      });
      k += b.rows;
    }
    const label = Int32Array.from({ length: rows }, (_, i) => i % 2);
    // 5 % of the feature values null, scattered (every column, no pattern between them)
    let s = 5;
    const withNulls = cols.map((c) =>
      Array.from(c, (v) => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32 < 0.05 ? null : v;
      }),
    );
    const pq = (nullable: boolean, nulls = false) =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            ...NAMES.map((name, j) => ({
              name,
              data: nulls ? withNulls[j]! : cols[j]!,
              type: "DOUBLE" as const,
              nullable,
            })),
            { name: "label", data: label, type: "INT32" as const, nullable },
          ],
          rowGroupSize: 131072,
        }),
      );
    const parquet = join(dir, "nullable.parquet");
    const required = join(dir, "required.parquet");
    const nulls = join(dir, "nulls.parquet");
    writeFileSync(parquet, pq(true));
    writeFileSync(required, pq(false));
    writeFileSync(nulls, pq(true, true));
    const mb = (p: string) => `${(statSync(p).size / 1e6).toFixed(0)} MB`;
    console.log(
      `${rows.toLocaleString()} rows x ${F} features + label: CSV ${mb(csv)}, quoted CSV ${mb(quoted)}, Parquet ${mb(parquet)}, JSONL ${mb(jsonl)}`,
    );

    const base = await time("baseline: csv-parse stream + Number()", rows, async () => {
      let n = 0;
      const sink = new Float64Array(F);
      for await (const rec of createReadStream(csv).pipe(parse({ from_line: 2 }))) {
        for (let j = 0; j < F; j++) sink[j] = +(rec as string[])[j]!;
        n++;
      }
      return n;
    });
    await time("CSV, byte-level fast path", rows, () => readAll(csv), base);
    await time("CSV with a quoted text column (fast path)", rows, () => readAll(quoted), base);
    await time("CSV with doubled quotes (uDSV path)", rows, () => readAll(escaped), base);
    await time("Parquet, nullable columns", rows, () => readAll(parquet), base);
    await time("Parquet, nullable columns, 5 % nulls", rows, () => readAll(nulls), base);
    await time("Parquet, required columns", rows, () => readAll(required), base);
    await time("Parquet, nullable columns (parquetRead only)", rows, () => readAllParquetRead(parquet), base);
    await time("Parquet, 5 % nulls (parquetRead only)", rows, () => readAllParquetRead(nulls), base);
    await time("Parquet, required columns (parquetRead only)", rows, () => readAllParquetRead(required), base);
    await time("JSON Lines", rows, () => readAll(jsonl), base);
    console.log(
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (includes the Parquet writer's copy)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
