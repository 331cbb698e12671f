/**
 * A Poisson bootstrap that streams and shards: in resample b, row r counts w = Poisson(1) times, where w is
 * a function of (seed, row id, b) only. Rows need not be drawn from the whole data set, so each batch, each
 * spilled run and each shard adds its rows' weights on its own, and the resampled metrics of a sharded run
 * are those of a single machine (the Poisson bootstrap of large-scale experimentation; Chamandy et al.,
 * "Estimating uncertainty for massive data streams", Google, 2012).
 *
 * Per resample and model the state is what the metric needs: weighted confusion counts, weighted sums of the
 * per-row losses or errors, the largest error, and for the ranking metrics the class weight totals, the
 * ranking itself coming from the models' sorted runs, which keep each score's row id (MetricState withIds).
 * Integer weights keep the counts and the ranking sums exact; the weighted sums of log_loss, brier, rmse,
 * mae, mape and r2 are summed in row order, so there a sharded run may differ in the last bits.
 */
import { UserError } from "../errors";
import { type Confusion, confusionMetric } from "./classification";
import { METRICS } from "./compute-metrics";
import type { MetricState } from "./metric-state";
import type { Task } from "./predictions";
import { FLOAT64_EPS } from "./probabilistic";
import { RunFiles } from "./sorted-runs";

/** P(K ≤ k) of Poisson(1), scaled to 2^32, for k = 0..; the last entry ends the search. */
const POISSON_1: Float64Array = (() => {
  const out: number[] = [];
  let p = Math.exp(-1);
  let cdf = 0;
  for (let k = 0; k < 20; k++) {
    cdf += p;
    p /= k + 1;
    out.push(Math.floor(cdf * 2 ** 32));
  }
  out.push(2 ** 32);
  return Float64Array.from(out);
})();

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The Poisson(1) weight of a row in each resample: out[b] for b < out.length. */
export function rowWeights(seed: number, id: number, out: Uint8Array): void {
  const lo = id >>> 0;
  const hi = Math.floor(id / 2 ** 32) >>> 0;
  const a = fmix32(fmix32(seed ^ 0x5bd1e995) ^ lo) ^ fmix32(hi + 0x27d4eb2f);
  for (let b = 0; b < out.length; b++) {
    const u = fmix32((a + Math.imul(b + 1, 0x9e3779b9)) | 0);
    let w = 0;
    while (u >= POISSON_1[w]!) w++;
    out[b] = w;
  }
}

type Family = "ranking" | "confusion" | "mean" | "r2" | "max";

function familyOf(metric: string): Family {
  if (metric === "roc_auc" || metric === "pr_auc" || metric === "roc_auc_ovr") return "ranking";
  if (["log_loss", "brier", "rmse", "mae", "mape"].includes(metric)) return "mean";
  if (metric === "r2") return "r2";
  if (metric === "max_error") return "max";
  return "confusion";
}

export interface ResampleOptions {
  metric: string;
  task: Task;
  /** Multiclass: the number of classes. */
  classes?: number;
  threshold?: number;
  samples: number;
  seed: number;
  /** Models resampled together (paired: the same weights for every model). */
  models: number;
}

const clip = (p: number) => Math.min(Math.max(p, FLOAT64_EPS), 1 - FLOAT64_EPS);

/** Row-order state of the resamples of one metric for one or more models. */
export class Resampler {
  readonly family: Family;
  readonly k: number;
  private readonly B: number;
  private readonly w: Uint8Array;
  /** ranking: class weight totals [b * k + class]; mean/r2: total weight [b]. */
  classW: Float64Array;
  /** Per model: confusion counts [b*k*k], or sums [b] (mean), or [b*4] (r2: Σw·y, Σw·y², Σw·d², unused), or max [b]. */
  acc: Float64Array[];
  /** Per model: labels seen in y_true or predicted, unweighted (sklearn's unique_labels). */
  present: Uint8Array[];
  /** Per model: a score outside [0, 1] (log_loss and brier are then undefined). */
  nonProbability: boolean[];

  constructor(readonly opts: ResampleOptions) {
    if (METRICS[opts.metric] === undefined) throw new Error(`Resampler: unknown metric ${opts.metric}`);
    this.family = familyOf(opts.metric);
    this.k = opts.task === "binary" ? 2 : opts.task === "multiclass" ? opts.classes! : 0;
    this.B = opts.samples;
    this.w = new Uint8Array(this.B);
    const B = this.B;
    this.classW = new Float64Array(this.family === "ranking" ? B * this.k : B);
    const size = this.family === "confusion" ? B * this.k * this.k : this.family === "r2" ? B * 3 : B;
    this.acc = Array.from({ length: opts.models }, () =>
      this.family === "max" ? new Float64Array(size).fill(-1) : new Float64Array(size),
    );
    this.present = Array.from({ length: opts.models }, () => new Uint8Array(Math.max(1, this.k)));
    this.nonProbability = Array.from({ length: opts.models }, () => false);
  }

  /** One batch: labels, each model's scores (row-major n×C for multiclass) and the rows' ids. */
  addRows(n: number, yTrue: ArrayLike<number>, scores: ArrayLike<number>[], ids: ArrayLike<number>): void {
    const { B, k, w } = this;
    const fam = this.family;
    const C = this.opts.task === "multiclass" ? k : 1;
    const thr = this.opts.threshold ?? 0.5;
    const metric = this.opts.metric;
    for (let i = 0; i < n; i++) {
      rowWeights(this.opts.seed, ids[i]!, w);
      const t = yTrue[i]!;
      if (fam === "ranking") {
        for (let b = 0; b < B; b++) this.classW[b * k + t]! += w[b]!;
        continue;
      }
      if (fam !== "confusion") for (let b = 0; b < B; b++) this.classW[b]! += w[b]!;
      for (let m = 0; m < scores.length; m++) {
        const s = scores[m]!;
        const a = this.acc[m]!;
        if (fam === "confusion") {
          let p: number;
          if (this.opts.task === "binary") p = s[i]! >= thr ? 1 : 0;
          else {
            p = 0;
            let best = s[i * C]!;
            for (let c = 1; c < C; c++) {
              if (s[i * C + c]! > best) {
                best = s[i * C + c]!;
                p = c;
              }
            }
          }
          this.present[m]![t] = 1;
          this.present[m]![p] = 1;
          const cell = t * k + p;
          for (let b = 0; b < B; b++) if (w[b]) a[b * k * k + cell]! += w[b]!;
          continue;
        }
        let e: number;
        if (metric === "log_loss" || metric === "brier") {
          for (let c = 0; c < C; c++) {
            const v = s[i * C + c]!;
            if (!(v >= 0 && v <= 1)) this.nonProbability[m] = true;
          }
          if (metric === "brier") {
            const d = t - s[i]!;
            e = d * d;
          } else e = -Math.log(clip(C === 1 ? (t === 1 ? s[i]! : 1 - s[i]!) : s[i * C + t]!));
        } else {
          const d = t - s[i]!;
          if (fam === "r2") {
            for (let b = 0; b < B; b++) {
              const wb = w[b]!;
              if (wb === 0) continue;
              a[b * 3]! += wb * t;
              a[b * 3 + 1]! += wb * t * t;
              a[b * 3 + 2]! += wb * d * d;
            }
            continue;
          }
          const ad = Math.abs(d);
          if (fam === "max") {
            for (let b = 0; b < B; b++) if (w[b] && ad > a[b]!) a[b] = ad;
            continue;
          }
          e = metric === "rmse" ? d * d : metric === "mae" ? ad : ad / Math.max(Math.abs(t), FLOAT64_EPS);
        }
        for (let b = 0; b < B; b++) if (w[b]) a[b]! += w[b]! * e;
      }
    }
  }

  /** Add another shard's state. */
  merge(o: Resampler): void {
    for (let i = 0; i < this.classW.length; i++) this.classW[i]! += o.classW[i]!;
    this.acc.forEach((a, m) => {
      const b = o.acc[m]!;
      if (this.family === "max") for (let i = 0; i < a.length; i++) a[i] = Math.max(a[i]!, b[i]!);
      else for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
    });
    this.present.forEach((p, m) => {
      for (let i = 0; i < p.length; i++) p[i]! |= o.present[m]![i]!;
    });
    this.nonProbability = this.nonProbability.map((v, m) => v || o.nonProbability[m]!);
  }

  toJSON(): ResamplerJSON {
    return {
      opts: this.opts,
      classW: Array.from(this.classW),
      acc: this.acc.map((a) => Array.from(a)),
      present: this.present.map((p) => Array.from(p)),
      nonProbability: this.nonProbability,
    };
  }

  static fromJSON(j: ResamplerJSON): Resampler {
    const r = new Resampler(j.opts);
    r.classW.set(j.classW);
    j.acc.forEach((a, m) => r.acc[m]!.set(a));
    j.present.forEach((p, m) => r.present[m]!.set(p));
    r.nonProbability = [...j.nonProbability];
    return r;
  }

  /**
   * The metric in each resample, per model (NaN where it is undefined, e.g. no positive drawn). Ranking
   * metrics read the models' states (built withIds), which this consumes.
   */
  finish(states: MetricState[] = []): Float64Array[] {
    const { B, k } = this;
    const metric = this.opts.metric;
    return this.acc.map((a, m) => {
      const out = new Float64Array(B);
      if (this.family === "ranking") {
        const st = states[m];
        if (!st) throw new Error("Resampler.finish: a ranking metric needs the models' states");
        return rankingResamples(st, this, metric);
      }
      for (let b = 0; b < B; b++) {
        const wsum = this.classW[b]!;
        if (this.family === "confusion") {
          const cm: Confusion = {
            classes: k,
            counts: a.subarray(b * k * k, (b + 1) * k * k),
            present: this.present[m]!,
          };
          out[b] = resampledConfusionMetric(metric, cm) ?? Number.NaN;
        } else if (this.family === "mean") {
          if (wsum === 0 || (this.nonProbability[m] && (metric === "log_loss" || metric === "brier")))
            out[b] = Number.NaN;
          else out[b] = metric === "rmse" ? Math.sqrt(a[b]! / wsum) : a[b]! / wsum;
        } else if (this.family === "r2") {
          const swy = a[b * 3]!;
          const swy2 = a[b * 3 + 1]!;
          const num = a[b * 3 + 2]!;
          if (wsum === 0) {
            out[b] = Number.NaN;
            continue;
          }
          const den = swy2 - (swy * swy) / wsum;
          out[b] = num === 0 ? 1 : den <= 0 ? 0 : 1 - num / den;
        } else {
          out[b] = a[b]! < 0 ? Number.NaN : a[b]!;
        }
      }
      return out;
    });
  }
}

export interface ResamplerJSON {
  opts: ResampleOptions;
  classW: number[];
  acc: number[][];
  present: number[][];
  nonProbability: boolean[];
}

function resampledConfusionMetric(name: string, cm: Confusion): number | null {
  const value = confusionMetric(name, cm);
  if (value === undefined) throw new UserError(`significance: ${name} cannot be resampled`);
  return value;
}

/** Weighted ROC AUC / AP per resample from a state's sorted runs with row ids (ascending tie groups). */
function rankingResamples(st: MetricState, r: Resampler, metric: string): Float64Array {
  const B = r.opts.samples;
  const k = r.k;
  const columns = metric === "roc_auc_ovr" ? k : 1;
  const sum = new Float64Array(B);
  const undef = new Uint8Array(B);
  const w = new Uint8Array(B);
  const gp = new Float64Array(B);
  const gn = new Float64Array(B);
  const posBelow = new Float64Array(B);
  const negBelow = new Float64Array(B);
  const half = new Float64Array(B);
  const ap = new Float64Array(B);
  const files = new RunFiles();
  try {
    for (let c = 0; c < columns; c++) {
      const { pos, neg } = st.rankingStreams(c, files);
      const positive = st.task === "binary" ? 1 : c;
      posBelow.fill(0);
      negBelow.fill(0);
      half.fill(0);
      ap.fill(0);
      for (;;) {
        const v = Math.min(pos.head, neg.head);
        if (v === Number.POSITIVE_INFINITY) break;
        gp.fill(0);
        gn.fill(0);
        let anyPos = false;
        while (pos.head === v) {
          rowWeights(r.opts.seed, pos.id, w);
          for (let b = 0; b < B; b++) gp[b]! += w[b]!;
          anyPos = true;
          pos.next();
        }
        while (neg.head === v) {
          rowWeights(r.opts.seed, neg.id, w);
          for (let b = 0; b < B; b++) gn[b]! += w[b]!;
          neg.next();
        }
        for (let b = 0; b < B; b++) {
          const p = gp[b]!;
          if (anyPos && p > 0) {
            half[b]! += p * (2 * negBelow[b]! + gn[b]!);
            const P = r.classW[b * k + positive]!;
            const N = totalW(r, b) - P;
            const tp = P - posBelow[b]!;
            const fp = N - negBelow[b]!;
            ap[b]! += p * (tp / (tp + fp));
          }
          posBelow[b]! += p;
          negBelow[b]! += gn[b]!;
        }
      }
      for (let b = 0; b < B; b++) {
        const P = r.classW[b * k + positive]!;
        const N = totalW(r, b) - P;
        if (P === 0 || N === 0) undef[b] = 1;
        else sum[b]! += metric === "pr_auc" ? ap[b]! / P : half[b]! / (2 * P * N);
      }
    }
  } finally {
    files.close();
  }
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) out[b] = undef[b] ? Number.NaN : sum[b]! / columns;
  return out;
}

function totalW(r: Resampler, b: number): number {
  let s = 0;
  for (let c = 0; c < r.k; c++) s += r.classW[b * r.k + c]!;
  return s;
}
