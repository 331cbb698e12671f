import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeParquet } from "../data";
import { openRegistry } from "../registry";
import { materializeDataset, snapshotDataset } from "./index";

const dir = mkdtempSync(join(tmpdir(), "datasets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function plantFile(name: string, rows: number, start: number): string {
  const p = join(dir, name);
  const time = BigInt64Array.from({ length: rows }, (_, i) => BigInt(start + i * 60_000));
  const torque = Float32Array.from({ length: rows }, (_, i) => 40 + i);
  writeFileSync(
    p,
    Buffer.concat(
      encodeParquet(
        [
          { name: "id", type: "string", values: Array.from({ length: rows }, (_, i) => `${name}-${i}`) },
          { name: "time", type: "timestamp-ms", values: time },
          { name: "Torque [Nm]", type: "float", values: torque },
        ],
        rows,
      ),
    ),
  );
  return p;
}

describe("dataset snapshots in the registry", () => {
  it("registers a manifest with sha256, rows, columns and time range, as a version with an alias", async () => {
    const registry = openRegistry(join(dir, `reg-${++n}`));
    const a = plantFile("a.parquet", 10, Date.UTC(2024, 0, 1));
    const b = plantFile("b.parquet", 5, Date.UTC(2024, 0, 2));
    const r = await snapshotDataset({
      registry,
      name: "plant-data",
      data: [join(dir, "[ab].parquet")],
      alias: "training",
    });
    expect(r.created).toBe(true);
    expect(r.card.version).toBe(1);
    expect(r.uri).toBe(`${registry.uri}#plant-data@1`);
    expect(r.manifest.rows).toBe(15);
    expect(r.manifest.columns).toEqual([
      { name: "id", type: "string" },
      { name: "time", type: "number" },
      { name: "Torque [Nm]", type: "number" },
    ]);
    expect(r.manifest.timeRange).toEqual({
      column: "time",
      from: "2024-01-01T00:00:00.000Z",
      to: new Date(Date.UTC(2024, 0, 2) + 4 * 60_000).toISOString(),
    });
    expect(r.manifest.files.map((f) => [f.path, f.stored, f.rows])).toEqual([
      ["data/a.parquet", true, 10],
      ["data/b.parquet", true, 5],
    ]);
    const { createHash } = await import("node:crypto");
    expect(r.manifest.files[0]!.sha256).toBe(createHash("sha256").update(readFileSync(a)).digest("hex"));
    expect(r.card.metrics).toEqual({ rows: 15, files: 2, bytes: readFileSync(a).length + readFileSync(b).length });
    // Datasets are beside the models, not among them.
    expect(await registry.list()).toEqual([]);
    expect((await registry.datasets().list()).map((d) => d.name)).toEqual(["plant-data"]);
    expect((await registry.datasets().resolve("plant-data@training")).version).toBe(1);
  });

  it("the same files again are the same version; other files a new one; materialized exactly", async () => {
    const registry = openRegistry(join(dir, `reg-${++n}`));
    const a = plantFile("c.parquet", 8, Date.UTC(2024, 1, 1));
    const first = await snapshotDataset({ registry, name: "plant-data", data: [a] });
    const again = await snapshotDataset({ registry, name: "plant-data", data: [a] });
    expect(again.created).toBe(false);
    expect(again.card.version).toBe(first.card.version);
    const c2 = plantFile("c.parquet", 9, Date.UTC(2024, 1, 1));
    const second = await snapshotDataset({ registry, name: "plant-data", data: [c2] });
    expect(second.card.version).toBe(2);
    const out = join(dir, `out-${n}`);
    const m = await materializeDataset(registry, "plant-data@1", out);
    expect(m.files).toHaveLength(1);
    expect(m.manifest.rows).toBe(8);
    expect(readdirSync(join(out, "data"))).toEqual(["c.parquet"]);
    // The registry's copy is checked while downloading: a changed byte is refused.
    const stored = join(registry.uri, "datasets/plant-data/versions/1/data/c.parquet");
    const bytes = readFileSync(stored);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(stored, bytes);
    await expect(materializeDataset(registry, "plant-data@1", join(dir, `bad-${n}`))).rejects.toThrow(
      /checksum mismatch/,
    );
  });

  it("reads the time range of CSV's ISO 8601 times, and names a value that is not a time", async () => {
    const registry = openRegistry(join(dir, `reg-${++n}`));
    const csv = join(dir, "labelled.csv");
    writeFileSync(csv, "id,time,Machine failure\na,2024-05-01T08:00:00.000Z,0\nb,2024-05-01T07:30:00Z,1\nc,,0\n");
    const r = await snapshotDataset({ registry, name: "plant-data", data: [csv] });
    expect(r.manifest.rows).toBe(3);
    expect(r.manifest.timeRange).toEqual({
      column: "time",
      from: "2024-05-01T07:30:00.000Z",
      to: "2024-05-01T08:00:00.000Z",
    });
    const bad = join(dir, "bad-time.csv");
    writeFileSync(bad, "id,time\na,2024-05-01T08:00:00Z\nb,yesterday\n");
    await expect(snapshotDataset({ registry, name: "bad", data: [bad] })).rejects.toThrow(
      /^time-column: .*bad-time\.csv, data row 2, column "time" is not a time \(got "yesterday"\)/,
    );
  });

  it("refuses inputs with different columns, a missing time column, and an unknown dataset", async () => {
    const registry = openRegistry(join(dir, `reg-${++n}`));
    const p = plantFile("d.parquet", 3, 0);
    const csv = join(dir, "other.csv");
    writeFileSync(csv, "x,y\n1,2\n");
    await expect(snapshotDataset({ registry, name: "d", data: [p, csv] })).rejects.toThrow(
      /has other columns than the first input/,
    );
    await expect(snapshotDataset({ registry, name: "d", data: [csv], timeColumn: "when" })).rejects.toThrow(
      /^time-column: "when" not found/,
    );
    await expect(materializeDataset(registry, "nope@2", join(dir, "x"))).rejects.toThrow(/no dataset named "nope"/);
  });
});
