import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeParquet, openDataset } from "../data";
import { computeMetrics } from "../metrics";
import { openRegistry } from "../registry";
import { livePerformance, parseDuration, runMonitorPerformance } from "./index";

const dir = mkdtempSync(join(tmpdir(), "live-performance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 4, 1);
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Two plants, two days, 200 requests per plant and day; a good model everywhere except plant-b on day 2, where
 * its scores are noise. Labels arrive 3 hours after each prediction.
 */
function fixture() {
  const r = rng(5);
  const ids: string[] = [];
  const rows: number[] = [];
  const times: bigint[] = [];
  const plants: string[] = [];
  const p1: number[] = [];
  const torque: number[] = [];
  const labels: string[] = ["id,row,time,Machine failure"];
  const truth: { plant: string; day: number; y: number; p: number }[] = [];
  for (const plant of ["plant-a", "plant-b"]) {
    for (const day of [0, 1]) {
      for (let i = 0; i < 200; i++) {
        const id = `${plant}-${day}-${i}`;
        const at = T0 + day * DAY + i * 60_000;
        const y = r() < 0.3 ? 1 : 0;
        const p = plant === "plant-b" && day === 1 ? r() : y === 1 ? 0.6 + 0.4 * r() : 0.5 * r();
        ids.push(id);
        rows.push(0);
        times.push(BigInt(at));
        plants.push(plant);
        p1.push(p);
        torque.push(40 + i / 10);
        labels.push(`${id},0,${new Date(at + 3 * 3_600_000).toISOString()},${y}`);
        truth.push({ plant, day, y, p });
      }
    }
  }
  // A prediction whose label came far too late, and one whose label was corrected later.
  ids.push("late");
  rows.push(0);
  times.push(BigInt(T0));
  plants.push("plant-a");
  p1.push(0.9);
  torque.push(1);
  labels.push(`late,0,${new Date(T0 + 30 * DAY).toISOString()},1`);
  labels.push(`plant-a-0-0,0,${new Date(T0 + 4 * 3_600_000).toISOString()},${truth[0]!.y}`);
  const n = ids.length;
  const predictions = join(dir, "capture.parquet");
  writeFileSync(
    predictions,
    Buffer.concat(
      encodeParquet(
        [
          { name: "id", type: "string", values: ids },
          { name: "row", type: "int32", values: Int32Array.from(rows) },
          { name: "time", type: "timestamp-ms", values: BigInt64Array.from(times) },
          { name: "plant", type: "string", values: plants },
          { name: "Torque [Nm]", type: "float", values: Float32Array.from(torque) },
          { name: "probabilities_1", type: "float", values: Float32Array.from(p1) },
        ],
        n,
      ),
    ),
  );
  const labelFile = join(dir, "labels.csv");
  writeFileSync(labelFile, `${labels.join("\n")}\n`);
  return { predictions, labels: labelFile, truth };
}

describe("live performance", () => {
  const f = fixture();

  it("joins by id within max-delay, scores each plant and day like compare-models, and flags the drop", async () => {
    const r = await livePerformance({
      predictions: f.predictions,
      labels: f.labels,
      label: "Machine failure",
      baseline: { roc_auc: 0.95, log_loss: 0.3 },
      maxDrop: { roc_auc: 0.1 },
      maxDelayMs: parseDuration("1d", "max-delay"),
      output: join(dir, "out/labelled.parquet"),
    });
    expect(r.predictions).toBe(801);
    expect(r.labelled).toBe(800);
    expect(r.late).toBe(1);
    expect(r.windows.map((w) => [w.group, w.window.slice(0, 10), w.rows, w.degraded])).toEqual([
      ["plant-a", "2024-05-01", 200, false],
      ["plant-a", "2024-05-02", 200, false],
      ["plant-b", "2024-05-01", 200, false],
      ["plant-b", "2024-05-02", 200, true],
    ]);
    // The same numbers as the metrics module gives for those rows (what compare-models reports).
    const bDay2 = f.truth.filter((t) => t.plant === "plant-b" && t.day === 1);
    const expected = computeMetrics({
      task: "binary",
      yTrue: Float64Array.from(bDay2, (t) => t.y),
      scores: Float64Array.from(bDay2, (t) => Math.fround(t.p)),
    });
    expect(r.windows[3]!.metrics).toEqual(expected);
    expect(r.windows[3]!.drops.roc_auc).toBeCloseTo(0.95 - expected.roc_auc!, 12);
    expect(r.degraded).toBe(true);
    // The joined rows are data the suite's readers take: every prediction column plus the label.
    const ds = await openDataset(r.output!);
    expect(ds.columns).toEqual([
      "id",
      "row",
      "time",
      "plant",
      "Torque [Nm]",
      "probabilities_1",
      "Machine failure",
      "label_time",
    ]);
    expect(ds.estimatedRows).toBe(800);
  });

  it("writes the joined rows as CSV for a trainer without a Parquet reader: the same columns and rows, times as ISO 8601", async () => {
    const o = {
      predictions: f.predictions,
      labels: f.labels,
      label: "Machine failure",
      baseline: { roc_auc: 0.95 },
      maxDelayMs: parseDuration("1d", "max-delay"),
    };
    const csv = await livePerformance({ ...o, output: join(dir, "csv/labelled.csv"), outputFormat: "csv" });
    const lines = readFileSync(csv.output!, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("id,row,time,plant,Torque [Nm],probabilities_1,Machine failure,label_time");
    expect(lines).toHaveLength(801);
    // The corrected label of plant-a-0-0 (the later event) is the one written, with the time it became known.
    const first = f.truth[0]!;
    expect(lines[1]).toBe(
      `plant-a-0-0,0,2024-05-01T00:00:00.000Z,plant-a,40,${Math.fround(first.p)},${first.y},2024-05-01T04:00:00.000Z`,
    );
    const ds = await openDataset(csv.output!);
    expect(ds.columns).toEqual([
      "id",
      "row",
      "time",
      "plant",
      "Torque [Nm]",
      "probabilities_1",
      "Machine failure",
      "label_time",
    ]);
    const step = await runMonitorPerformance({ ...o, reportDir: join(dir, "csv-step"), outputFormat: "csv" });
    expect(step.output).toBe(join(dir, "csv-step/labelled.csv"));
    expect(readFileSync(step.output!, "utf8")).toBe(readFileSync(csv.output!, "utf8"));
  });

  it("is not degraded when every window holds, and windows with too few labels are not judged", async () => {
    const r = await livePerformance({
      predictions: f.predictions,
      labels: f.labels,
      label: "Machine failure",
      baseline: { roc_auc: 0.95 },
      maxDrop: { roc_auc: 0.5 },
      windowMs: parseDuration("6h", "window"),
      minRows: 1000,
    });
    expect(r.windows.every((w) => !w.judged && !w.degraded)).toBe(true);
    expect(r.degraded).toBe(false);
  });

  it("takes the baseline from the model card, and refuses to judge without one", async () => {
    const registry = openRegistry(join(dir, "registry"));
    const model = join(dir, "model.onnx");
    writeFileSync(model, "not read");
    await registry.register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: model }],
      metrics: { roc_auc: 0.97, accuracy: 0.9, train_rows: 5 },
    });
    await registry.setAlias("failure-predictor", "champion", 1);
    const r = await runMonitorPerformance({
      predictions: f.predictions,
      labels: f.labels,
      label: "Machine failure",
      baselineModel: "failure-predictor@champion",
      registry: registry.uri,
      reportDir: join(dir, "report"),
    });
    expect(r.baseline).toEqual({ roc_auc: 0.97, accuracy: 0.9 });
    expect(r.baselineSource).toBe("failure-predictor@1's held-out metrics");
    expect(r.markdown).toMatch(/## Live performance: \*\*degraded\*\*, retrain/);
    expect(r.markdown).toMatch(/\| plant-b \| 2024-05-02 \| 200 \| 0\.\d{4} \(−0\.\d{4}\) \| \*\*degraded\*\* \|/);
    await expect(
      runMonitorPerformance({
        predictions: f.predictions,
        labels: f.labels,
        label: "Machine failure",
        reportDir: join(dir, "r2"),
      }),
    ).rejects.toThrow(/^baseline: nothing to compare the live metrics with/);
  });

  it("names the column that is missing, and says when nothing joins", async () => {
    const base = { predictions: f.predictions, labels: f.labels, label: "Machine failure", baseline: { roc_auc: 0.9 } };
    await expect(livePerformance({ ...base, label: "failure" })).rejects.toThrow(
      /^label: column "failure" not found in the labels/,
    );
    await expect(livePerformance({ ...base, idColumn: "request" })).rejects.toThrow(
      /^id-column: column "request" not found/,
    );
    await expect(livePerformance({ ...base, scoreColumn: "p" })).rejects.toThrow(/^score-column: column "p" not found/);
    const other = join(dir, "other-labels.csv");
    writeFileSync(other, "id,time,Machine failure\nnope,2024-05-01T00:00:00Z,1\n");
    await expect(livePerformance({ ...base, labels: other })).rejects.toThrow(/^labels: no prediction could be joined/);
    expect(() => parseDuration("3 days", "max-delay")).toThrow(/^max-delay: not a duration/);
  });
});
