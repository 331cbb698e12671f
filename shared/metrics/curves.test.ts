import { describe, expect, it } from "vitest";
import {
  type BinaryCurves,
  BinaryCurveBuilder,
  computeCurves,
  type DescendingScoreSink,
  RegressionPlotBuilder,
  walkDescending,
} from "./curves";
import { rocAuc } from "./ranking";

const f64 = (xs: number[]) => Float64Array.from(xs);

/** A seeded generator, so the large cases are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function binaryCurves(y: number[], s: number[], threshold = 0.5, maxPoints = 1e9): BinaryCurves {
  const c = computeCurves({ task: "binary", yTrue: f64(y), scores: f64(s), threshold }, { maxPoints });
  if (c.task !== "binary") throw new Error("not binary");
  return c.binary;
}

describe("binary curves", () => {
  // scikit-learn 1.5: roc_curve(y, s, drop_intermediate=False) and precision_recall_curve(y, s)
  // for its docstring example y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8].
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];

  it("ROC points equal scikit-learn's roc_curve without dropped points", () => {
    const c = binaryCurves(y, s);
    expect(c.roc.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(c.roc.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(c.roc.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
  });

  it("precision-recall points equal scikit-learn's precision_recall_curve, read from recall 0", () => {
    const c = binaryCurves(y, s);
    // sklearn: precision [0.5, 0.6667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
    expect(c.pr.recall).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(c.pr.precision).toEqual([1, 1, 0.5, 0.666667, 0.5]);
    expect(c.pr.thresholds.slice(1)).toEqual([0.8, 0.4, 0.35, 0.1]);
  });

  it("marks the operating point of the threshold (score >= threshold is positive) on the curve", () => {
    const c = binaryCurves(y, s, 0.5, 3);
    expect(c.operating).toEqual({ threshold: 0.5, fpr: 0, tpr: 0.5, precision: 1, recall: 0.5 });
    // Kept even though the curve is thinned to 3 points per axis.
    const k = c.roc.fpr.findIndex((f, i) => f === 0 && c.roc.tpr[i] === 0.5);
    expect(k).toBeGreaterThan(0);
    // A threshold tied with a score: that score is predicted positive.
    expect(binaryCurves(y, s, 0.4).operating).toMatchObject({ fpr: 0.5, tpr: 0.5, precision: 0.5 });
    // Nothing above the threshold: nothing predicted positive.
    expect(binaryCurves(y, s, 0.9).operating).toEqual({ threshold: 0.9, fpr: 0, tpr: 0, precision: null, recall: 0 });
  });

  it("calibration bins equal scikit-learn's calibration_curve(n_bins=10), edges and ties included", () => {
    const c = binaryCurves(y, s);
    // sklearn: prob_true [0, 0.5, 1], prob_pred [0.1, 0.375, 0.8] (0.4 sits on an edge and joins the bin below)
    expect(c.calibration).toEqual({ meanPredicted: [0.1, 0.375, 0.8], fractionPositive: [0, 0.5, 1], rows: [1, 2, 1] });
  });

  it("has no calibration curve when the scores are not probabilities, and bins scores over their range", () => {
    const c = binaryCurves([0, 1, 0, 1], [-2, 3, 0.5, 1]);
    expect(c.calibration).toBeUndefined();
    expect(c.histogram.edges[0]).toBe(-2);
    expect(c.histogram.edges.at(-1)).toBe(3);
    expect(c.histogram.positive.reduce((a, b) => a + b)).toBe(2);
    expect(c.histogram.negative.reduce((a, b) => a + b)).toBe(2);
  });

  it("score histograms follow numpy.histogram: [a, b) bins, the last one closed", () => {
    const c = binaryCurves([0, 0, 1, 1, 1], [0, 0.05, 0.05, 0.5, 1]);
    expect(c.histogram.edges).toHaveLength(21);
    expect(c.histogram.negative[0]).toBe(1);
    expect(c.histogram.negative[1]).toBe(1); // 0.05 is the first bin's upper edge
    expect(c.histogram.positive[1]).toBe(1);
    expect(c.histogram.positive[10]).toBe(1);
    expect(c.histogram.positive[19]).toBe(1); // 1.0 in the closed last bin
  });

  it("groups tied scores into one point, as the ROC AUC counts ties", () => {
    const c = binaryCurves([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.9]);
    expect(c.roc.fpr).toEqual([0, 0, 1]);
    expect(c.roc.tpr).toEqual([0, 0.5, 1]);
  });

  it("keeps the output bounded on 200,000 rows, each dropped point within 1/maxPoints of a kept one", () => {
    const rnd = lcg(7);
    const n = 200_000;
    const yy = new Float64Array(n);
    const ss = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      yy[i] = rnd() < 0.3 ? 1 : 0;
      ss[i] = Math.min(1, Math.max(0, 0.35 * yy[i]! + 0.65 * rnd()));
    }
    const maxPoints = 100;
    const thin = computeCurves({ task: "binary", yTrue: yy, scores: ss }, { maxPoints });
    const full = computeCurves({ task: "binary", yTrue: yy, scores: ss }, { maxPoints: 1e12 });
    if (thin.task !== "binary" || full.task !== "binary") throw new Error("binary");
    expect(thin.binary.roc.fpr.length).toBeLessThanOrEqual(2 * maxPoints + 3);
    expect(full.binary.roc.fpr.length).toBeGreaterThan(50_000);
    // Walk both in the same (descending threshold) order.
    let k = 0;
    let worst = 0;
    const t = thin.binary.roc;
    const fr = full.binary.roc;
    for (let i = 0; i < fr.fpr.length; i++) {
      while (k + 1 < t.fpr.length && t.thresholds[k + 1]! >= fr.thresholds[i]!) k++;
      worst = Math.max(worst, Math.abs(fr.fpr[i]! - t.fpr[k]!), Math.abs(fr.tpr[i]! - t.tpr[k]!));
    }
    expect(worst).toBeLessThan(1 / maxPoints + 1e-6);
    expect(worst).toBeGreaterThan(0.5 / maxPoints);
    // The trapezoid under the full curve is the ROC AUC.
    let area = 0;
    for (let i = 1; i < fr.fpr.length; i++) area += ((fr.fpr[i]! - fr.fpr[i - 1]!) * (fr.tpr[i]! + fr.tpr[i - 1]!)) / 2;
    expect(area).toBeCloseTo(rocAuc(yy, ss)!, 5);
    expect(thin.binary.pr.recall.length).toBeLessThan(4000);
  });

  it("gives the same curves from sorted shard runs merged k-way as from all rows in memory", () => {
    const rnd = lcg(3);
    const n = 20_000;
    const rows = Array.from({ length: n }, () => {
      const label = rnd() < 0.4 ? 1 : 0;
      // Scores rounded to a few values: many ties across shards.
      return { label, score: Math.round((0.3 * label + 0.7 * rnd()) * 20) / 20 };
    });
    const whole = binaryCurves(
      rows.map((r) => r.label),
      rows.map((r) => r.score),
      0.5,
      50,
    );
    // Three shards, each sorted on its own (as a spilled run would be), then merged by score.
    const shards = [0, 1, 2].map((k) => rows.filter((_, i) => i % 3 === k).sort((a, b) => b.score - a.score));
    const totals = { positives: 0, negatives: 0, min: Infinity, max: -Infinity };
    for (const r of rows) {
      if (r.label) totals.positives++;
      else totals.negatives++;
      totals.min = Math.min(totals.min, r.score);
      totals.max = Math.max(totals.max, r.score);
    }
    const builder = new BinaryCurveBuilder(totals, 0.5, { maxPoints: 50 });
    const at = [0, 0, 0];
    for (;;) {
      let top = -Infinity;
      shards.forEach((sh, k) => {
        if (at[k]! < sh.length) top = Math.max(top, sh[at[k]!]!.score);
      });
      if (top === -Infinity) break;
      let p = 0;
      let q = 0;
      shards.forEach((sh, k) => {
        while (at[k]! < sh.length && sh[at[k]!]!.score === top) {
          if (sh[at[k]!]!.label) p++;
          else q++;
          at[k]!++;
        }
      });
      builder.group(top, p, q);
    }
    expect(builder.finish()).toEqual(whole);
  });

  it("refuses scores out of order (a broken merge would draw a wrong curve)", () => {
    const b = new BinaryCurveBuilder({ positives: 1, negatives: 1, min: 0, max: 1 });
    b.group(0.6, 1, 0);
    expect(() => b.group(0.7, 0, 1)).toThrow(/descending order/);
    expect(() => b.group(0.6, 0, 1)).toThrow(/descending order/);
  });

  it("walkDescending yields each distinct score once, highest first, with its class counts", () => {
    const seen: [number, number, number][] = [];
    const sink: DescendingScoreSink = { group: (s, p, n) => seen.push([s, p, n]) };
    walkDescending(f64([0.2, 0.5, 0.5, 0.9]), f64([0.1, 0.5, 0.95]), sink);
    expect(seen).toEqual([
      [0.95, 0, 1],
      [0.9, 1, 0],
      [0.5, 2, 1],
      [0.2, 1, 0],
      [0.1, 0, 1],
    ]);
  });
});

describe("multiclass curves", () => {
  it("builds one curve per class, one against the rest, without an operating point", () => {
    const c = computeCurves({
      task: "multiclass",
      classes: 3,
      yTrue: f64([0, 1, 2, 2]),
      scores: f64([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.5, 0.1, 0.4]),
    });
    if (c.task !== "multiclass") throw new Error("multiclass");
    expect(c.classes).toHaveLength(3);
    expect(c.classes.map((k) => [k.positives, k.negatives])).toEqual([
      [1, 3],
      [1, 3],
      [2, 2],
    ]);
    expect(c.classes[2]!.roc.tpr.at(-1)).toBe(1);
    expect(c.classes.every((k) => k.operating === undefined)).toBe(true);
  });
});

describe("regression plots", () => {
  it("bins predicted against actual over one range, with residuals and the mean actual per predicted bin", () => {
    const c = computeCurves({ task: "regression", yTrue: f64([1, 2, 3, 4]), scores: f64([1, 2, 3, 5]) });
    if (c.task !== "regression") throw new Error("regression");
    const r = c.regression;
    expect(r.predictedVsActual.edges[0]).toBe(1);
    expect(r.predictedVsActual.edges.at(-1)).toBe(5);
    expect(r.predictedVsActual.counts.reduce((a, b) => a + b)).toBe(4);
    expect(r.residuals.counts.reduce((a, b) => a + b)).toBe(4);
    expect(r.residuals.edges[0]).toBe(-1);
    expect(r.residuals.edges.at(-1)).toBe(0);
    expect(r.byPredicted.meanPredicted).toEqual([1, 2, 3, 5]);
    expect(r.byPredicted.meanActual).toEqual([1, 2, 3, 4]);
  });

  it("merges shards by adding their sums: the same plots as all rows at once", () => {
    const ranges = { min: 0, max: 10, residualMin: -3, residualMax: 3 };
    const rnd = lcg(11);
    const rows = Array.from({ length: 5000 }, () => {
      const a = rnd() * 10;
      return [Math.min(10, Math.max(0, a + (rnd() - 0.5) * 6)), a] as const;
    });
    const all = new RegressionPlotBuilder(ranges);
    const left = new RegressionPlotBuilder(ranges);
    const right = new RegressionPlotBuilder(ranges);
    rows.forEach(([p, a], i) => {
      all.add(p, a);
      (i % 2 ? left : right).add(p, a);
    });
    left.merge(right);
    // Sums of the same integers in another order: equal counts; means equal to rounding.
    const a = all.finish();
    const m = left.finish();
    expect(m.predictedVsActual).toEqual(a.predictedVsActual);
    expect(m.residuals).toEqual(a.residuals);
    expect(m.byPredicted.rows).toEqual(a.byPredicted.rows);
    m.byPredicted.meanActual.forEach((v, i) => expect(v).toBeCloseTo(a.byPredicted.meanActual[i]!, 4));
    expect(() => left.merge(new RegressionPlotBuilder({ ...ranges, max: 11 }))).toThrow(/share ranges/);
  });
});
