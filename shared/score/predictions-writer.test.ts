/** Predictions written to Parquet row group by row group read back value for value through our reader and hyparquet. */
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../data";
import { openPredictionsWriter } from "./predictions-writer";

/** The first index where the two lists differ (Object.is: NaN equals NaN, -0 is not 0), or -1. */
const firstDiff = (a: ArrayLike<unknown>, b: ArrayLike<unknown>) => {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
};

const dir = mkdtempSync(join(tmpdir(), "predictions-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openPredictionsWriter, Parquet", () => {
  it("writes batches as row groups that our reader and hyparquet read back identically", async () => {
    const n = 140_000; // two row groups: 131,072 rows, then the rest
    const id = Float64Array.from({ length: n }, (_, i) => (i % 1000 === 7 ? Number.NaN : i * 3));
    const key = Array.from({ length: n }, (_, i) => `k-${i % 5000}`);
    const score = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 10007) / 10007);
    const label = Array.from(score, (s) => (s >= 0.5 ? "yes" : "no"));
    const out = join(dir, "p.parquet");
    const w = await openPredictionsWriter(out, [
      { name: "id", kind: "number" },
      { name: "key", kind: "string" },
      { name: "score", kind: "number" },
      { name: "prediction", kind: "string" },
    ]);
    for (let at = 0; at < n; at += 8192) {
      const end = Math.min(n, at + 8192);
      await w.write([id.slice(at, end), key.slice(at, end), score.slice(at, end), label.slice(at, end)], end - at);
    }
    expect(existsSync(out)).toBe(false);
    await w.finish();
    expect(existsSync(`${out}.partial`)).toBe(false);

    const b = readFileSync(out);
    const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(n);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([131072, n - 131072]);
    const rows = await parquetReadObjects({ file });
    expect(
      firstDiff(
        rows.map((r) => r.id),
        id,
      ),
    ).toBe(-1);
    expect(
      firstDiff(
        rows.map((r) => r.key),
        key,
      ),
    ).toBe(-1);
    expect(
      firstDiff(
        rows.map((r) => r.score),
        score,
      ),
    ).toBe(-1);
    expect(
      firstDiff(
        rows.map((r) => r.prediction),
        label,
      ),
    ).toBe(-1);

    const ds = await openDataset(out);
    expect(ds.columns).toEqual(["id", "key", "score", "prediction"]);
    const got = { id: [] as number[], key: [] as string[], score: [] as number[], prediction: [] as string[] };
    for await (const batch of ds.batches({
      types: { id: "number", key: "string", score: "number", prediction: "string" },
    })) {
      got.id.push(...(batch.columns.id as Float64Array));
      got.key.push(...(batch.columns.key as string[]));
      got.score.push(...(batch.columns.score as Float64Array));
      got.prediction.push(...(batch.columns.prediction as string[]));
    }
    expect(firstDiff(got.id, id)).toBe(-1);
    expect(firstDiff(got.key, key)).toBe(-1);
    expect(firstDiff(got.score, score)).toBe(-1);
    expect(firstDiff(got.prediction, label)).toBe(-1);
  });

  it("abort leaves no file behind", async () => {
    const out = join(dir, "gone.parquet");
    const w = await openPredictionsWriter(out, [{ name: "score", kind: "number" }]);
    await w.write([Float64Array.of(0.5)], 1);
    await w.abort();
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
