import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { type ProgressEvent, silentLogger } from "../log";
import { MetricState, type Predictions, Resampler } from "../metrics";
import { pairedBootstrap, seededRandom } from "./bootstrap";

/** Synthetic binary data: label from a seeded draw, a score that separates classes by `signal`. */
function synthetic(n: number, seed: number): { yTrue: Float64Array; noise: Float64Array } {
  const r = seededRandom(seed);
  const yTrue = new Float64Array(n);
  const noise = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yTrue[i] = r() / 4294967296 < 0.3 ? 1 : 0;
    noise[i] = r() / 4294967296;
  }
  return { yTrue, noise };
}
function scored(yTrue: Float64Array, noise: Float64Array, signal: number): Predictions {
  const scores = new Float64Array(yTrue.length);
  for (let i = 0; i < scores.length; i++)
    scores[i] = Math.min(1, Math.max(0, (1 - signal) * noise[i]! + signal * yTrue[i]!));
  return { task: "binary", yTrue, scores };
}

describe("seededRandom", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    for (const v of sa) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
  });

  it("covers [0, 2^32) evenly (mean and 16 buckets over 160k draws)", () => {
    const r = seededRandom(1);
    const buckets = new Array(16).fill(0);
    let sum = 0;
    for (let i = 0; i < 160_000; i++) {
      const v = r();
      sum += v / 2 ** 32;
      buckets[v >>> 28]++;
    }
    expect(Math.abs(sum / 160_000 - 0.5)).toBeLessThan(0.005);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe("pairedBootstrap", () => {
  const { yTrue, noise } = synthetic(2000, 3);
  const weak = scored(yTrue, noise, 0.1);
  const strong = scored(yTrue, noise, 0.4);
  const opts = { confidence: 0.95, samples: 200, seed: 7 };

  it("A/A (identical predictions) is never better: every resampled difference is 0", () => {
    const r = pairedBootstrap("roc_auc", weak, weak, opts);
    expect(r.observed).toBe(0);
    expect(r.lower).toBe(0);
    expect(r.upper).toBe(0);
    expect(r.probabilityBetter).toBe(0);
    expect(r.better).toBe(false);
  });

  it("a clearly stronger candidate is better; the reverse is not", () => {
    const r = pairedBootstrap("roc_auc", strong, weak, opts);
    expect(r.observed).toBeGreaterThan(0);
    expect(r.lower).toBeGreaterThan(0);
    expect(r.better).toBe(true);
    const back = pairedBootstrap("roc_auc", weak, strong, opts);
    expect(back.better).toBe(false);
    expect(back.upper).toBeLessThan(0);
  });

  it("orients lower-is-better metrics (log_loss) so that > 0 means the candidate is better", () => {
    const r = pairedBootstrap("log_loss", strong, weak, opts);
    expect(r.observed).toBeGreaterThan(0);
    expect(r.better).toBe(true);
  });

  it("is reproducible for a seed", () => {
    const tiny = scored(yTrue, noise, 0.12);
    const a = pairedBootstrap("f1", tiny, weak, opts);
    const b = pairedBootstrap("f1", tiny, weak, opts);
    expect(b).toEqual(a);
    const c = pairedBootstrap("f1", tiny, weak, { ...opts, seed: 8 });
    expect(c.lower).not.toBe(a.lower);
  });

  it("counts resamples where the metric is undefined as not better", () => {
    // 1 positive in 20 rows: about (19/20)^20 ≈ 36 % of resamples miss it and have no ROC AUC.
    const y = new Float64Array(20);
    y[0] = 1;
    const s = Float64Array.from({ length: 20 }, (_, i) => (i === 0 ? 0.9 : i / 40));
    const worse = Float64Array.from(s, (v, i) => (i === 0 ? 0.3 : v));
    const r = pairedBootstrap(
      "roc_auc",
      { task: "binary", yTrue: y, scores: s },
      { task: "binary", yTrue: y, scores: worse },
      { confidence: 0.9, samples: 300, seed: 1 },
    );
    expect(r.undefinedSamples).toBeGreaterThan(50);
    expect(r.better).toBe(false);
  });

  it("reports progress in rows, the last event finished", () => {
    const events: ProgressEvent[] = [];
    const logger = { ...silentLogger, progress: (e: ProgressEvent) => events.push(e) };
    pairedBootstrap("roc_auc", strong, weak, { ...opts, samples: 100 }, logger);
    expect(events.at(-1)).toEqual({ task: "bootstrap roc_auc", done: 2000, total: 2000, unit: "rows", finished: true });
  });

  it("shards need not talk: resampling rows apart and merging gives the same resamples (ties included)", () => {
    const tied = scored(
      yTrue,
      noise.map((v) => Math.round(v * 4) / 4),
      0.2,
    );
    for (const metric of ["roc_auc", "pr_auc", "f1", "log_loss"]) {
      const whole = new Resampler({ metric, task: "binary", samples: 50, seed: 9, models: 2 });
      const ranking = whole.family === "ranking";
      const ids = Float64Array.from({ length: 2000 }, (_, i) => i * 7919);
      const stateOf = (p: Predictions, rows: number[]) => {
        const st = new MetricState({ task: "binary", withIds: ranking });
        const y = Float64Array.from(rows, (r) => p.yTrue[r]!);
        const s = Float64Array.from(rows, (r) => p.scores[r]!);
        st.add({
          n: rows.length,
          yTrue: y,
          scores: s,
          key: (i) => i,
          where: String,
          ids: Float64Array.from(rows, (r) => ids[r]!),
        });
        return st;
      };
      const all = Array.from({ length: 2000 }, (_, i) => i);
      whole.addRows(2000, yTrue, [tied.scores, weak.scores], ids);
      const want = whole.finish([stateOf(tied, all), stateOf(weak, all)]);
      const halves = [all.filter((i) => i % 3 === 0), all.filter((i) => i % 3 !== 0)];
      const parts = halves.map((rows) => {
        const r = new Resampler({ metric, task: "binary", samples: 50, seed: 9, models: 2 });
        const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
        r.addRows(rows.length, pick(yTrue), [pick(tied.scores), pick(weak.scores)], pick(ids));
        return Resampler.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
      });
      parts[0]!.merge(parts[1]!);
      const states = [tied, weak].map((p) => {
        const a = stateOf(p, halves[0]!);
        a.merge(stateOf(p, halves[1]!));
        return a;
      });
      const got = parts[0]!.finish(states);
      if (metric === "log_loss") {
        // weighted sums of per-row losses depend on the order they are added in: equal to rounding
        for (let m = 0; m < 2; m++) for (let b = 0; b < 50; b++) expect(got[m]![b]).toBeCloseTo(want[m]![b]!, 12);
      } else {
        expect(
          got.map((a) => Array.from(a)),
          metric,
        ).toEqual(want.map((a) => Array.from(a)));
      }
    }
  });

  it("refuses models evaluated on different rows", () => {
    const other = { ...weak, yTrue: yTrue.slice(0, 100), scores: weak.scores.slice(0, 100) };
    try {
      pairedBootstrap("roc_auc", weak, other, opts);
      throw new Error("expected a UserError");
    } catch (e) {
      expect(isUserError(e)).toBe(true);
      expect((e as Error).message).toMatch(
        /^significance: the candidate was evaluated on 2000 rows and the champion on 100/,
      );
    }
  });
});
