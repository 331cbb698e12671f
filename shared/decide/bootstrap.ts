import { UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { computeMetrics, METRICS, MetricState, type Predictions, Resampler, validatePredictions } from "../metrics";

/**
 * sfc32 ("small fast chaotic", Chris Doty-Humphrey, PractRand), seeded through splitmix32.
 * Written out here rather than taken from a library so that a given seed keeps giving the same resamples
 * (hence the same decision) across dependency upgrades, and so the draw inlines in the resampling loop.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const splitmix32 = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export interface SignificanceOptions {
  /** e.g. 0.95: the candidate must be better in this share of the bootstrap distribution's lower tail. */
  confidence: number;
  /** Number of bootstrap resamples, e.g. 1000. */
  samples: number;
  /** Seed of the resampling, so a run can be repeated exactly. */
  seed: number;
}

export interface BootstrapResult {
  metric: string;
  confidence: number;
  samples: number;
  seed: number;
  /** Observed improvement on the full data, oriented so that > 0 means the candidate is better. */
  observed: number | null;
  /** The (1 − confidence) and confidence quantiles of the resampled improvement (numpy's linear method). */
  lower: number;
  upper: number;
  /** Share of resamples in which the candidate is strictly better. */
  probabilityBetter: number;
  /** Resamples where the metric was undefined for a model (e.g. one class only); counted as not better. */
  undefinedSamples: number;
  /** lower > 0: better with the requested confidence. */
  better: boolean;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  // -Infinity marks an undefined resample: a quantile that touches one is -Infinity (not better).
  if (a === b || a === Number.NEGATIVE_INFINITY) return a;
  return a + (b - a) * (pos - lo);
}

function sameRows(a: Predictions, b: Predictions): void {
  const n = a.yTrue.length;
  if (b.yTrue.length !== n) {
    throw new UserError(
      `significance: the candidate was evaluated on ${n} rows and the champion on ${b.yTrue.length} (got ${n} vs ${b.yTrue.length}). Evaluate both models on the same data set.`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (a.yTrue[i] !== b.yTrue[i]) {
      throw new UserError(
        `significance: the two models' labels differ at row ${i}, 0-based (got ${a.yTrue[i]} vs ${b.yTrue[i]}). Evaluate both models on the same rows in the same order.`,
      );
    }
  }
}

/**
 * The bootstrap's verdict from the metric of each model in each resample (NaN where undefined): the
 * improvement (candidate − champion, oriented so that > 0 is better) in each resample, its quantiles and
 * the share of resamples where the candidate is strictly better.
 */
export function bootstrapResult(
  metric: string,
  candidate: Float64Array,
  champion: Float64Array,
  observed: number | null,
  options: SignificanceOptions,
): BootstrapResult {
  const info = METRICS[metric];
  if (info === undefined) throw new Error(`bootstrapResult: unknown metric ${metric}`);
  const sign = info.greaterIsBetter ? 1 : -1;
  const improvements = new Float64Array(options.samples);
  let undefinedSamples = 0;
  let betterCount = 0;
  for (let b = 0; b < options.samples; b++) {
    const c = candidate[b]!;
    const h = champion[b]!;
    if (Number.isNaN(c) || Number.isNaN(h)) {
      undefinedSamples++;
      improvements[b] = Number.NEGATIVE_INFINITY;
    } else {
      const d = sign * (c - h);
      improvements[b] = d;
      if (d > 0) betterCount++;
    }
  }
  improvements.sort();
  const lower = quantile(improvements, 1 - options.confidence);
  const upper = quantile(improvements, options.confidence);
  return {
    metric,
    confidence: options.confidence,
    samples: options.samples,
    seed: options.seed,
    observed: observed === null ? null : sign * observed,
    lower,
    upper,
    probabilityBetter: betterCount / options.samples,
    undefinedSamples,
    better: lower > 0,
  };
}

/**
 * Paired Poisson bootstrap of `metric(candidate) − metric(champion)` over rows: in resample b, row i counts
 * Poisson(1) times, the same for both models, drawn from (seed, row id, b) alone (metrics/resample.ts), so
 * a streaming or sharded evaluation that names rows by the same ids gets the same resamples. Row ids here
 * are the 0-based row indices. The candidate is better with confidence c when the (1 − c) quantile of the
 * oriented improvement is > 0; an A/A comparison (identical predictions) gives exactly 0 everywhere and is
 * never better. O(samples · N) after one sort per model.
 */
export function pairedBootstrap(
  metric: string,
  candidate: Predictions,
  champion: Predictions,
  options: SignificanceOptions,
  logger: Logger = silentLogger,
): BootstrapResult {
  sameRows(candidate, champion);
  if (METRICS[metric] === undefined) throw new Error(`pairedBootstrap: unknown metric ${metric}`);
  validatePredictions(candidate);
  validatePredictions(champion);
  const n = candidate.yTrue.length;
  const task = candidate.task;
  const classes = task === "multiclass" ? { classes: candidate.classes! } : {};
  const threshold = candidate.threshold !== undefined ? { threshold: candidate.threshold } : {};
  const ids = Float64Array.from({ length: n }, (_, i) => i);
  const resampler = new Resampler({
    metric,
    task,
    ...classes,
    ...threshold,
    samples: options.samples,
    seed: options.seed,
    models: 2,
  });
  const ranking = resampler.family === "ranking";
  const states = [candidate, champion].map((p) => {
    const st = new MetricState({ task, ...classes, ...threshold, withIds: ranking });
    st.add({ n, yTrue: p.yTrue, scores: p.scores, key: (i) => i, where: (i) => `row ${i}`, ids });
    return st;
  });
  const progress = { task: `bootstrap ${metric}`, unit: "rows", total: n };
  logger.progress({ ...progress, done: 0 });
  resampler.addRows(n, candidate.yTrue, [candidate.scores, champion.scores], ids);
  const [c, h] = resampler.finish(states);
  for (const st of states) st.store.dispose();
  logger.progress({ ...progress, done: n, finished: true });
  const c0 = computeMetrics(candidate)[metric] ?? null;
  const h0 = computeMetrics(champion)[metric] ?? null;
  return bootstrapResult(metric, c!, h!, c0 === null || h0 === null ? null : c0 - h0, options);
}
