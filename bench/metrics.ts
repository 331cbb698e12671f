/**
 * Benchmarks of shared/metrics and shared/decide. Run: npx tsx bench/metrics.ts
 * 1. computeMetrics on 10,000,000 binary rows (time, peak memory per row), against a baseline measured here:
 *    one native sort of the 10M scores (the O(N log N) floor of any exact ROC AUC).
 * 2. computeMetrics on 1,000,000 multiclass rows (3 classes).
 * 3. Paired bootstrap of roc_auc, 1,000 resamples over 100,000 rows, against a baseline measured here: the
 *    naive bootstrap that copies each resample and recomputes the metric from scratch (timed on 20 resamples).
 * 4. The curves (ROC, PR, calibration, histograms) with the metrics on 10,000,000 binary rows, against the
 *    metrics alone measured here, with the size of the curves' JSON.
 * Each section runs in a fresh child process so its peak RSS is its own.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pairedBootstrap, seededRandom } from "../shared/decide";
import { computeMetrics, computeMetricsWithNotes, type Predictions, rocAuc } from "../shared/metrics";

const U32 = 4294967296;

function binary(n: number, seed: number, signal: number): Predictions {
  const r = seededRandom(seed);
  const yTrue = new Float64Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = r() / U32 < 0.1 ? 1 : 0;
    yTrue[i] = y;
    // 3 decimals: many ties, as real model outputs rounded to float32 have
    scores[i] = Math.round(Math.min(1, Math.max(0, 0.5 * (r() / U32) + signal * y + 0.2)) * 1000) / 1000;
  }
  return { task: "binary", yTrue, scores };
}

function multiclass(n: number, seed: number): Predictions {
  const r = seededRandom(seed);
  const yTrue = new Float64Array(n);
  const scores = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const y = Math.floor((r() / U32) * 3);
    yTrue[i] = y;
    let sum = 0;
    for (let k = 0; k < 3; k++) {
      const v = r() / U32 + (k === y ? 0.5 : 0);
      scores[i * 3 + k] = v;
      sum += v;
    }
    for (let k = 0; k < 3; k++) scores[i * 3 + k]! /= sum;
  }
  return { task: "multiclass", classes: 3, yTrue, scores };
}

/** A stopwatch of wall time and of this process's CPU time (user + system): CPU time is what the ratios use,
 * since it stays meaningful when other processes share the 2 cores. */
function watch(): () => { wall: number; cpu: number } {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { wall: performance.now() - w0, cpu: (c.user + c.system) / 1000 };
  };
}
const fmt = (t: { wall: number; cpu: number }) => `${t.cpu.toFixed(0)} ms CPU (${t.wall.toFixed(0)} ms wall)`;
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function sectionBinary10M(): void {
  const n = 10_000_000;
  const p = binary(n, 1, 0.3);
  const rssBefore = maxRssBytes();
  const stop = watch();
  const m = computeMetrics(p);
  const tMetrics = stop();
  const extraPeak = Math.max(0, maxRssBytes() - rssBefore);
  const copy = p.scores.slice();
  const stopSort = watch();
  copy.sort();
  const tSort = stopSort();
  console.log(`computeMetrics binary, ${n.toLocaleString("en")} rows: ${fmt(tMetrics)}`);
  console.log(
    `  input ${(p.yTrue.BYTES_PER_ELEMENT + p.scores.BYTES_PER_ELEMENT).toFixed(0)} B/row; extra peak memory while computing ${(extraPeak / n).toFixed(1)} B/row (${mb(extraPeak)})`,
  );
  console.log(
    `  baseline: one native sort of the scores ${fmt(tSort)} -> ratio ${(tMetrics.cpu / tSort.cpu).toFixed(2)}x (CPU)`,
  );
  console.log(`  roc_auc=${m.roc_auc?.toFixed(6)} pr_auc=${m.pr_auc?.toFixed(6)} log_loss=${m.log_loss?.toFixed(6)}`);
}

function sectionMulticlass1M(): void {
  const n = 1_000_000;
  const p = multiclass(n, 2);
  const rssBefore = maxRssBytes();
  const stop = watch();
  const m = computeMetrics(p);
  const tMetrics = stop();
  const extraPeak = Math.max(0, maxRssBytes() - rssBefore);
  const copy = p.scores.slice();
  const stopSort = watch();
  copy.sort();
  const tSort = stopSort();
  console.log(`computeMetrics multiclass (3 classes), ${n.toLocaleString("en")} rows: ${fmt(tMetrics)}`);
  console.log(`  input ${8 + 8 * 3} B/row; extra peak memory ${(extraPeak / n).toFixed(1)} B/row`);
  console.log(
    `  baseline: one native sort of all N*C scores ${fmt(tSort)} -> ratio ${(tMetrics.cpu / tSort.cpu).toFixed(2)}x (CPU)`,
  );
  console.log(`  roc_auc_ovr=${m.roc_auc_ovr?.toFixed(6)} f1_macro=${m.f1_macro?.toFixed(6)}`);
}

function sectionBootstrap(): void {
  const n = 100_000;
  const samples = 1000;
  const champion = binary(n, 3, 0.1);
  const candidate = binary(n, 3, 0.12); // same labels (same seed), slightly stronger signal
  const stop = watch();
  const r = pairedBootstrap("roc_auc", candidate, champion, { confidence: 0.95, samples, seed: 42 });
  const tBoot = stop();
  // Baseline: naive resample-and-recompute, 20 resamples, per-resample time.
  const naiveSamples = 20;
  const random = seededRandom(42);
  const y = new Float64Array(n);
  const sc = new Float64Array(n);
  const sh = new Float64Array(n);
  const stopNaive = watch();
  for (let b = 0; b < naiveSamples; b++) {
    for (let j = 0; j < n; j++) {
      const i = Math.floor((random() * n) / U32);
      y[j] = candidate.yTrue[i]!;
      sc[j] = candidate.scores[i]!;
      sh[j] = champion.scores[i]!;
    }
    rocAuc(y, sc);
    rocAuc(y, sh);
  }
  const naivePer = stopNaive().cpu / naiveSamples;
  const per = tBoot.cpu / samples;
  console.log(
    `pairedBootstrap roc_auc, ${samples} resamples x ${n.toLocaleString("en")} rows: ${fmt(tBoot)}, ${per.toFixed(2)} ms CPU/resample`,
  );
  console.log(
    `  baseline: naive copy + recompute ${naivePer.toFixed(2)} ms CPU/resample -> ratio ${(per / naivePer).toFixed(2)}x (${(naivePer / per).toFixed(1)}x faster)`,
  );
  console.log(
    `  observed improvement ${r.observed?.toFixed(5)}, 95% lower bound ${r.lower.toFixed(5)}, better=${r.better}`,
  );
}

function sectionCurves10M(): void {
  const n = 10_000_000;
  const p = binary(n, 1, 0.3);
  computeMetricsWithNotes(p); // warm up both paths once
  const stopBase = watch();
  computeMetricsWithNotes(p);
  const tBase = stopBase();
  const rssBefore = maxRssBytes();
  const stop = watch();
  const r = computeMetricsWithNotes(p, { curves: {} });
  const tCurves = stop();
  const extraPeak = Math.max(0, maxRssBytes() - rssBefore);
  const c = r.curves?.task === "binary" ? r.curves.binary : undefined;
  console.log(`computeMetricsWithNotes + curves, binary ${n.toLocaleString("en")} rows: ${fmt(tCurves)}`);
  console.log(
    `  baseline: the metrics alone ${fmt(tBase)} -> ratio ${(tCurves.cpu / tBase.cpu).toFixed(2)}x (CPU); extra peak ${(extraPeak / n).toFixed(2)} B/row`,
  );
  console.log(
    `  curves: ROC ${c?.roc.fpr.length} points, PR ${c?.pr.recall.length} points, ${(JSON.stringify(r.curves).length / 1024).toFixed(1)} KiB of JSON`,
  );
}

const sections: Record<string, () => void> = {
  binary10M: sectionBinary10M,
  curves10M: sectionCurves10M,
  multiclass1M: sectionMulticlass1M,
  bootstrap: sectionBootstrap,
};

const only = process.argv[2];
if (only !== undefined) {
  sections[only]!();
} else {
  console.log(`node ${process.version}, ${process.arch}`);
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(sections)) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, name], { encoding: "utf8" });
    process.stdout.write(out);
  }
}
