/**
 * Curves for people to look at (what mlflow.evaluate logs by default), with bounded output whatever the
 * number of rows:
 * - binary (and each class of a multiclass task, one against the rest): ROC and precision-recall curves
 *   with the operating threshold, a calibration (reliability) curve and score histograms per class;
 * - regression: predicted against actual as a 2-D histogram, the mean actual per predicted bin, and the
 *   residuals.
 *
 * The binary curves are a pure function of the rows in descending score order, grouped by equal score —
 * the same order the ROC AUC is computed in. `BinaryCurveBuilder` takes that sequence one group at a time
 * and keeps O(maxPoints + bins) state, so it can be fed from in-memory sorted arrays (`walkDescending`),
 * from sorted runs spilled to disk through a k-way merge, or from merged shard states: any source that
 * yields the groups in order gives the same curves. The regression plots are sums per bin, so shards merge
 * by adding them (`RegressionPlotBuilder.merge`).
 */
import { type Predictions, validatePredictions } from "./predictions";
import { splitSorted } from "./ranking";

/** Receives the rows of one binary column in descending score order, one call per distinct score. */
export interface DescendingScoreSink {
  /** `positives` and `negatives` are the summed weights (counts when unweighted) of the rows with this score. */
  group(score: number, positives: number, negatives: number): void;
}

/** What is known before the sorted pass: class totals and the score range (all mergeable across shards). */
export interface ScoreTotals {
  positives: number;
  negatives: number;
  min: number;
  max: number;
}

export interface CurveOptions {
  /** A curve point is kept when a coordinate moved by at least 1/maxPoints since the last one (default 200). */
  maxPoints?: number;
  /** Score histogram bins (default 20). */
  histogramBins?: number;
  /** Calibration bins, uniform over [0, 1] as scikit-learn's calibration_curve (default 10). */
  calibrationBins?: number;
}

export interface OperatingPoint {
  /** Rows with score >= threshold are predicted positive. */
  threshold: number;
  fpr: number;
  tpr: number;
  /** null when nothing is predicted positive. */
  precision: number | null;
  recall: number;
}

export interface BinaryCurves {
  positives: number;
  negatives: number;
  /** Ascending FPR/TPR from (0, 0) to (1, 1); `thresholds[i]` is the lowest score predicted positive at point i (Infinity at the start). */
  roc: { fpr: number[]; tpr: number[]; thresholds: number[] };
  /** From recall 0 (precision 1, as scikit-learn's precision_recall_curve) to recall 1. */
  pr: { recall: number[]; precision: number[]; thresholds: number[] };
  operating?: OperatingPoint;
  /** Only when every score is a probability; empty bins are left out (scikit-learn's calibration_curve). */
  calibration?: { meanPredicted: number[]; fractionPositive: number[]; rows: number[] };
  /** Rows per score bin for each class; `edges` has bins + 1 values ([0, 1] for probabilities). */
  histogram: { edges: number[]; positive: number[]; negative: number[] };
}

/** The bin of v among ascending edges as numpy.histogram counts: [a, b) bins, the last one closed. */
function binOf(v: number, edges: number[]): number {
  const n = edges.length - 1;
  let b = Math.floor(((v - edges[0]!) / (edges[n]! - edges[0]!)) * n);
  if (b >= n) b = n - 1;
  if (b < 0) b = 0;
  while (b > 0 && v < edges[b]!) b--;
  while (b < n - 1 && v >= edges[b + 1]!) b++;
  return b;
}

/** Six significant digits: plenty for a picture, and report.json stays small. */
const round6 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);

/**
 * Builds the binary curves from the descending sequence of score groups. Feed every group exactly once,
 * highest score first, then call finish(). Throws when a score comes out of order (a broken merge).
 */
export class BinaryCurveBuilder implements DescendingScoreSink {
  private readonly step: number;
  private tp = 0;
  private fp = 0;
  private last = Infinity;
  private readonly roc = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  private readonly pr = { recall: [0], precision: [1], thresholds: [Infinity] };
  private operating: OperatingPoint | undefined;
  private readonly probabilities: boolean;
  private readonly calEdges: number[];
  private readonly calSum: Float64Array;
  private readonly calPos: Float64Array;
  private readonly calRows: Float64Array;
  private readonly histEdges: number[];
  private readonly histPos: Float64Array;
  private readonly histNeg: Float64Array;

  constructor(
    private readonly totals: ScoreTotals,
    private readonly threshold?: number,
    options: CurveOptions = {},
  ) {
    this.step = 1 / (options.maxPoints ?? 200);
    this.probabilities = totals.min >= 0 && totals.max <= 1;
    const cb = options.calibrationBins ?? 10;
    // numpy.linspace(0, 1, n + 1): i * (1 / n), so the edges (and ties at them) match scikit-learn's.
    this.calEdges = Array.from({ length: cb + 1 }, (_, i) => i * (1 / cb));
    this.calSum = new Float64Array(cb);
    this.calPos = new Float64Array(cb);
    this.calRows = new Float64Array(cb);
    const hb = options.histogramBins ?? 20;
    const lo = this.probabilities ? 0 : totals.min;
    const hi = this.probabilities ? 1 : totals.max > totals.min ? totals.max : totals.min + 1;
    this.histEdges = Array.from({ length: hb + 1 }, (_, i) => (i === hb ? hi : lo + (i * (hi - lo)) / hb));
    this.histPos = new Float64Array(hb);
    this.histNeg = new Float64Array(hb);
  }

  group(score: number, positives: number, negatives: number): void {
    if (!(score < this.last)) {
      throw new Error(
        `BinaryCurveBuilder: scores must arrive in strictly descending order (got ${score} after ${this.last})`,
      );
    }
    if (this.threshold !== undefined && this.operating === undefined && score < this.threshold) {
      // Every row from here on is predicted negative: the operating point is the state so far.
      this.operating = this.pointAt(this.threshold);
      this.emit(this.last, true);
    }
    this.last = score;
    this.tp += positives;
    this.fp += negatives;
    this.emit(score, false);
    this.bin(score, positives, negatives);
  }

  private pointAt(threshold: number): OperatingPoint {
    const { positives: P, negatives: N } = this.totals;
    return {
      threshold,
      fpr: N > 0 ? this.fp / N : 0,
      tpr: P > 0 ? this.tp / P : 0,
      precision: this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : null,
      recall: P > 0 ? this.tp / P : 0,
    };
  }

  /** Keep the current point when it moved far enough from the last kept one (or when forced). */
  private emit(score: number, force: boolean): void {
    const { positives: P, negatives: N } = this.totals;
    const fpr = N > 0 ? this.fp / N : 0;
    const tpr = P > 0 ? this.tp / P : 0;
    const roc = this.roc;
    const r = roc.fpr.length - 1;
    const rocMoved = fpr !== roc.fpr[r] || tpr !== roc.tpr[r];
    if ((force && rocMoved) || fpr - roc.fpr[r]! >= this.step || tpr - roc.tpr[r]! >= this.step) {
      roc.fpr.push(fpr);
      roc.tpr.push(tpr);
      roc.thresholds.push(score);
    }
    if (this.tp + this.fp === 0) return;
    const precision = this.tp / (this.tp + this.fp);
    const pr = this.pr;
    const q = pr.recall.length - 1;
    const prMoved = tpr !== pr.recall[q] || precision !== pr.precision[q];
    if ((force && prMoved) || tpr - pr.recall[q]! >= this.step || Math.abs(precision - pr.precision[q]!) >= this.step) {
      pr.recall.push(tpr);
      pr.precision.push(precision);
      pr.thresholds.push(score);
    }
  }

  private bin(score: number, positives: number, negatives: number): void {
    const rows = positives + negatives;
    if (this.probabilities) {
      // scikit-learn: np.searchsorted(bins[1:-1], y_prob) — the number of inner edges strictly below.
      let lo = 1;
      let hi = this.calEdges.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.calEdges[mid]! < score) lo = mid + 1;
        else hi = mid;
      }
      const b = lo - 1;
      this.calSum[b]! += score * rows;
      this.calPos[b]! += positives;
      this.calRows[b]! += rows;
    }
    const h = binOf(score, this.histEdges);
    this.histPos[h]! += positives;
    this.histNeg[h]! += negatives;
  }

  finish(): BinaryCurves {
    const { positives: P, negatives: N } = this.totals;
    if (this.threshold !== undefined && this.operating === undefined) {
      this.operating = this.pointAt(this.threshold);
    }
    // The curves end where the walk ended, (1, 1) for ROC, kept exactly.
    const fpr = N > 0 ? this.fp / N : 0;
    const tpr = P > 0 ? this.tp / P : 0;
    const roc = this.roc;
    const r = roc.fpr.length - 1;
    if (roc.fpr[r] !== fpr || roc.tpr[r] !== tpr) {
      roc.fpr.push(fpr);
      roc.tpr.push(tpr);
      roc.thresholds.push(this.last);
    }
    const pr = this.pr;
    const precision = this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : 1;
    const q = pr.recall.length - 1;
    if (pr.recall[q] !== tpr || pr.precision[q] !== precision) {
      pr.recall.push(tpr);
      pr.precision.push(precision);
      pr.thresholds.push(this.last);
    }
    const out: BinaryCurves = {
      positives: P,
      negatives: N,
      roc: { fpr: roc.fpr.map(round6), tpr: roc.tpr.map(round6), thresholds: roc.thresholds.map(round6) },
      pr: { recall: pr.recall.map(round6), precision: pr.precision.map(round6), thresholds: pr.thresholds.map(round6) },
      histogram: {
        edges: this.histEdges.map(round6),
        positive: Array.from(this.histPos),
        negative: Array.from(this.histNeg),
      },
    };
    if (this.operating) {
      const o = this.operating;
      out.operating = {
        threshold: o.threshold,
        fpr: round6(o.fpr),
        tpr: round6(o.tpr),
        precision: o.precision === null ? null : round6(o.precision),
        recall: round6(o.recall),
      };
    }
    if (this.probabilities) {
      const cal = { meanPredicted: [] as number[], fractionPositive: [] as number[], rows: [] as number[] };
      for (let b = 0; b < this.calRows.length; b++) {
        const rows = this.calRows[b]!;
        if (rows === 0) continue;
        cal.meanPredicted.push(round6(this.calSum[b]! / rows));
        cal.fractionPositive.push(round6(this.calPos[b]! / rows));
        cal.rows.push(rows);
      }
      out.calibration = cal;
    }
    return out;
  }
}

/**
 * Feeds a sink from the scores of the positives and of the negatives, each sorted ascending (as
 * ranking's splitSorted returns them), walking both from the top: the descending sequence of score groups.
 */
export function walkDescending(pos: Float64Array, neg: Float64Array, sink: DescendingScoreSink): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const score = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    let p = 0;
    let n = 0;
    while (i >= 0 && pos[i] === score) {
      p++;
      i--;
    }
    while (j >= 0 && neg[j] === score) {
      n++;
      j--;
    }
    sink.group(score, p, n);
  }
}

/**
 * The binary curves from the scores of the positives and of the negatives, each sorted ascending — the
 * arrays the ranking metrics are computed from (splitSorted), so the curves cost no second sort.
 */
export function curvesFromSorted(
  pos: Float64Array,
  neg: Float64Array,
  threshold: number | undefined,
  options: CurveOptions = {},
): BinaryCurves {
  const lows = [pos[0], neg[0]].filter((v): v is number => v !== undefined);
  const highs = [pos[pos.length - 1], neg[neg.length - 1]].filter((v): v is number => v !== undefined);
  const totals: ScoreTotals = {
    positives: pos.length,
    negatives: neg.length,
    min: Math.min(...lows),
    max: Math.max(...highs),
  };
  const builder = new BinaryCurveBuilder(totals, threshold, options);
  walkDescending(pos, neg, builder);
  return builder.finish();
}

/** The binary curves of one score column against `positive` labels (in-memory rows). */
function columnCurves(
  p: Predictions,
  positive: number,
  stride: number,
  offset: number,
  threshold: number | undefined,
  options: CurveOptions,
  buffer: Float64Array,
): BinaryCurves {
  const { pos, neg } = splitSorted({ yTrue: p.yTrue, positive, scores: p.scores, stride, offset }, buffer);
  return curvesFromSorted(pos, neg, threshold, options);
}

/** Regression plots of predictions against actual values (no sort needed). */
export function regressionPlots(yTrue: Float64Array, predicted: Float64Array): RegressionPlots {
  const n = yTrue.length;
  const ranges: RegressionRanges = { min: Infinity, max: -Infinity, residualMin: Infinity, residualMax: -Infinity };
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    const s = predicted[i]!;
    ranges.min = Math.min(ranges.min, y, s);
    ranges.max = Math.max(ranges.max, y, s);
    ranges.residualMin = Math.min(ranges.residualMin, y - s);
    ranges.residualMax = Math.max(ranges.residualMax, y - s);
  }
  const builder = new RegressionPlotBuilder(ranges);
  for (let i = 0; i < n; i++) builder.add(predicted[i]!, yTrue[i]!);
  return builder.finish();
}

export interface RegressionPlots {
  /** Rows per cell of predicted (x) against actual (y) over one shared range, row-major `counts[j * bins + i]`. */
  predictedVsActual: { edges: number[]; counts: number[] };
  /** Mean actual value per predicted bin (empty bins left out): the regression twin of a calibration curve. */
  byPredicted: { meanPredicted: number[]; meanActual: number[]; rows: number[] };
  /** Histogram of residuals (actual − predicted). */
  residuals: { edges: number[]; counts: number[] };
}

/** Ranges known before binning: min and max of predictions, actual values and residuals (mergeable). */
export interface RegressionRanges {
  min: number;
  max: number;
  residualMin: number;
  residualMax: number;
}

/** Sums per bin of (predicted, actual, weight) rows, in any order; shards merge by adding. */
export class RegressionPlotBuilder {
  private readonly edges: number[];
  private readonly residualEdges: number[];
  readonly grid: Float64Array;
  readonly sumPredicted: Float64Array;
  readonly sumActual: Float64Array;
  readonly rows: Float64Array;
  readonly residualCounts: Float64Array;

  constructor(
    private readonly ranges: RegressionRanges,
    private readonly bins = 40,
    private readonly residualBins = 40,
  ) {
    const span = (lo: number, hi: number) => (hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5]) as [number, number];
    const [lo, hi] = span(ranges.min, ranges.max);
    const [rlo, rhi] = span(ranges.residualMin, ranges.residualMax);
    this.edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + (i * (hi - lo)) / bins));
    this.residualEdges = Array.from({ length: residualBins + 1 }, (_, i) =>
      i === residualBins ? rhi : rlo + (i * (rhi - rlo)) / residualBins,
    );
    this.grid = new Float64Array(bins * bins);
    this.sumPredicted = new Float64Array(bins);
    this.sumActual = new Float64Array(bins);
    this.rows = new Float64Array(bins);
    this.residualCounts = new Float64Array(residualBins);
  }

  add(predicted: number, actual: number, weight = 1): void {
    const i = binOf(predicted, this.edges);
    const j = binOf(actual, this.edges);
    this.grid[j * this.bins + i]! += weight;
    this.sumPredicted[i]! += predicted * weight;
    this.sumActual[i]! += actual * weight;
    this.rows[i]! += weight;
    this.residualCounts[binOf(actual - predicted, this.residualEdges)]! += weight;
  }

  /** Adds another builder's sums (same ranges and bins): the plots of the union of both row sets. */
  merge(other: RegressionPlotBuilder): void {
    const same =
      other.bins === this.bins &&
      other.residualBins === this.residualBins &&
      other.edges.every((e, i) => e === this.edges[i]) &&
      other.residualEdges.every((e, i) => e === this.residualEdges[i]);
    if (!same) throw new Error("RegressionPlotBuilder.merge: the builders must share ranges and bins");
    const add = (a: Float64Array, b: Float64Array) => {
      for (let k = 0; k < a.length; k++) a[k]! += b[k]!;
    };
    add(this.grid, other.grid);
    add(this.sumPredicted, other.sumPredicted);
    add(this.sumActual, other.sumActual);
    add(this.rows, other.rows);
    add(this.residualCounts, other.residualCounts);
  }

  finish(): RegressionPlots {
    const by = { meanPredicted: [] as number[], meanActual: [] as number[], rows: [] as number[] };
    for (let i = 0; i < this.bins; i++) {
      const n = this.rows[i]!;
      if (n === 0) continue;
      by.meanPredicted.push(round6(this.sumPredicted[i]! / n));
      by.meanActual.push(round6(this.sumActual[i]! / n));
      by.rows.push(n);
    }
    return {
      predictedVsActual: { edges: this.edges.map(round6), counts: Array.from(this.grid) },
      byPredicted: by,
      residuals: { edges: this.residualEdges.map(round6), counts: Array.from(this.residualCounts) },
    };
  }
}

export type ModelCurves =
  | { task: "binary"; binary: BinaryCurves }
  | { task: "multiclass"; classes: BinaryCurves[] }
  | { task: "regression"; regression: RegressionPlots };

/**
 * The curves of one model's predictions: binary curves at its threshold (default 0.5); per class one
 * against the rest for multiclass (no operating point: the class is the arg-max); regression plots.
 * Memory beyond the predictions: one transient N-sized buffer for the sort, as the ranking metrics use.
 */
export function computeCurves(p: Predictions, options: CurveOptions = {}): ModelCurves {
  validatePredictions(p);
  const n = p.yTrue.length;
  if (p.task === "regression") return { task: "regression", regression: regressionPlots(p.yTrue, p.scores) };
  const buffer = new Float64Array(n);
  if (p.task === "binary") {
    return { task: "binary", binary: columnCurves(p, 1, 1, 0, p.threshold ?? 0.5, options, buffer) };
  }
  const c = p.classes!;
  const classes: BinaryCurves[] = [];
  for (let k = 0; k < c; k++) classes.push(columnCurves(p, k, c, k, undefined, options, buffer));
  return { task: "multiclass", classes };
}
