/**
 * The metrics of one model as a state that grows batch by batch, merges with another state (a shard, a
 * spilled part) and finishes into the values and notes of `computeMetricsWithNotes`, which is built on it:
 * there is one implementation of every metric, whatever the data's size or how it was split.
 *
 * What is kept: counts (the confusion matrix), exact sums (log loss, Brier, the regression errors; see
 * exact-sum.ts) and, for the ranking metrics, the scores split by class into lists that spill to sorted
 * runs past a memory budget (sorted-runs.ts). The ranking metrics read those lists back as one ascending
 * stream (`rankingStreams`), and so can anything else defined over the score-sorted rows (curves).
 * Because counts and exact sums do not depend on order and the sorted stream groups equal scores whatever
 * run they came from, a state gives the same doubles however its rows were batched, spilled or sharded.
 *
 * With the `curves` option the state also finishes into the curves of curves.ts: the binary ones from
 * the same tie groups as the ranking metrics, read once, highest score first (BinaryCurveBuilder's order);
 * the regression plots from (prediction, actual) pairs kept as one more spillable list, summed in their
 * sorted order. So the report's curves too are the same however the rows were spilled or sharded.
 */
import { UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { accuracyOf, balancedAccuracyOf, type Confusion, mccOf, precisionRecallF1Of } from "./classification";
import { ExactSum, type ExactSumJSON } from "./exact-sum";
import {
  type BinaryCurves,
  BinaryCurveBuilder,
  type CurveOptions,
  type DescendingScoreSink,
  type ModelCurves,
  RegressionPlotBuilder,
  type RegressionPlots,
  type RegressionRanges,
} from "./curves";
import { FLOAT64_EPS } from "./probabilistic";
import type { Task } from "./predictions";
import { float32Values, RunFiles, type RunSegment, ScoreList, SortedStream, SpillStore } from "./sorted-runs";

export type MetricValues = Record<string, number | null>;

export interface MetricsWithNotes {
  values: MetricValues;
  /** Why a metric is null, or a caveat about its value (keyed by metric name). */
  notes: Record<string, string>;
  /** With the `curves` option: ROC/PR/calibration/histograms or the regression plots (see curves.ts). */
  curves?: ModelCurves;
}

/** A row that broke a rule (first in data order): its order key and how to name it in a note. */
interface RowRef {
  key: number;
  where: string;
  value: number;
}

export interface StateOptions {
  task: Task;
  /** Multiclass: the number of classes. */
  classes?: number;
  /** Binary: predict positive when score >= threshold (default 0.5). */
  threshold?: number;
  /** Where the ranking lists spill (shared by the models of one evaluation); default: in memory. */
  store?: SpillStore;
  /** Keep each score's row id beside it (the bootstrap of a ranking metric weights rows by id). */
  withIds?: boolean;
  /** Also finish into the curves (regression: keeps each row's prediction and actual value, spillable). */
  curves?: CurveOptions;
}

/** One batch of rows for `add`. */
export interface StateBatch {
  /** Rows in the batch. */
  n: number;
  /** binary 0/1, multiclass the class index, regression the target. */
  yTrue: ArrayLike<number>;
  /** One value per row (binary P(positive), regression the prediction), or row-major n×C (multiclass). */
  scores: ArrayLike<number>;
  /** Order key of row i: a smaller key is earlier in the data (called only for a row a note names). */
  key: (i: number) => number;
  /** How a note or an error names row i of the batch, e.g. "row 12 of data.csv". */
  where: (i: number) => string;
  /** Row ids (withIds). */
  ids?: ArrayLike<number>;
}

const ROUNDING_LOG_LOSS_TOL = 1e-8 + Math.sqrt(FLOAT64_EPS);

const clip = (p: number) => Math.min(Math.max(p, FLOAT64_EPS), 1 - FLOAT64_EPS);

export class MetricState {
  readonly task: Task;
  /** Classes of the confusion matrix (binary 2, multiclass C, regression 0). */
  readonly k: number;
  /** Score values per row (multiclass C, else 1). */
  readonly width: number;
  readonly threshold: number;
  readonly withIds: boolean;
  readonly store: SpillStore;
  private readonly ownStore: boolean;
  rows = 0;
  /** counts[t * k + p]: rows with true class t predicted p. */
  readonly counts: Float64Array;
  logLoss = new ExactSum();
  brier = new ExactSum();
  sq = new ExactSum();
  abs = new ExactSum();
  pct = new ExactSum();
  y = new ExactSum();
  y2 = new ExactSum();
  maxErr = -1;
  nonProbability: RowRef | undefined;
  /** Multiclass rows whose probabilities do not sum to 1 (log_loss's and roc_auc's tolerances). */
  unnormalisedLogLoss: RowRef | undefined;
  unnormalisedRoc: RowRef | undefined;
  /** Per ranking column (binary 1, multiclass C): the scores of its positives and of its negatives. */
  readonly pos: ScoreList[] = [];
  readonly neg: ScoreList[] = [];
  readonly curves: CurveOptions | undefined;
  /** Regression with curves: (prediction, actual) per row, and the ranges the plots are binned over. */
  readonly pairs: ScoreList | undefined;
  ranges: RegressionRanges = { min: Infinity, max: -Infinity, residualMin: Infinity, residualMax: -Infinity };

  constructor(opts: StateOptions) {
    this.task = opts.task;
    this.k = opts.task === "binary" ? 2 : opts.task === "multiclass" ? (opts.classes ?? 0) : 0;
    this.width = opts.task === "multiclass" ? this.k : 1;
    this.threshold = opts.threshold ?? 0.5;
    this.withIds = opts.withIds === true;
    this.ownStore = opts.store === undefined;
    this.store = opts.store ?? new SpillStore();
    this.counts = new Float64Array(this.k * this.k);
    this.curves = opts.curves;
    if (opts.curves && opts.task === "regression") this.pairs = new ScoreList(this.store, 2);
    const columns = opts.task === "binary" ? 1 : opts.task === "multiclass" ? this.k : 0;
    for (let c = 0; c < columns; c++) {
      this.pos.push(new ScoreList(this.store, this.withIds ? 2 : 1));
      this.neg.push(new ScoreList(this.store, this.withIds ? 2 : 1));
    }
  }

  private first(current: RowRef | undefined, b: StateBatch, i: number, value: number): RowRef {
    const key = b.key(i);
    if (current && current.key <= key) return current;
    return { key, where: b.where(i), value };
  }

  /** Add a batch of rows. Non-finite scores or labels outside the task's range -> UserError naming the row. */
  add(b: StateBatch): void {
    if (this.task === "binary") {
      this.addBinary(b);
      return;
    }
    const { n, yTrue: y, scores: s } = b;
    checkBatch(this, b);
    if (this.task === "regression") {
      if (this.pairs) this.addPairs(b);
      for (let i = 0; i < n; i++) {
        const t = y[i]!;
        const d = t - s[i]!;
        const a = Math.abs(d);
        this.sq.add(d * d);
        this.abs.add(a);
        this.pct.add(a / Math.max(Math.abs(t), FLOAT64_EPS));
        this.y.add(t);
        this.y2.addProduct(t, t);
        if (a > this.maxErr) this.maxErr = a;
      }
      this.rows += n;
      return;
    }
    const k = this.k;
    const ids = b.ids;
    // multiclass
    for (let i = 0, base = 0; i < n; i++, base += k) {
      const t = y[i]!;
      let best = 0;
      let bestValue = s[base]!;
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const v = s[base + c]!;
        if (c > 0 && v > bestValue) {
          bestValue = v;
          best = c;
        }
        sum += v;
        if (!(v >= 0 && v <= 1) && (!this.nonProbability || this.nonProbability.key > b.key(i))) {
          this.nonProbability = this.first(this.nonProbability, b, i, v);
        }
        const list = c === t ? this.pos[c]! : this.neg[c]!;
        if (ids) list.pushPair(v, ids[i]!);
        else list.push(v);
      }
      this.counts[t * k + best]!++;
      this.logLoss.add(-Math.log(clip(s[base + t]!)));
      if (!(Math.abs(sum - 1) <= ROUNDING_LOG_LOSS_TOL)) {
        if (!this.unnormalisedLogLoss || this.unnormalisedLogLoss.key > b.key(i)) {
          this.unnormalisedLogLoss = this.first(this.unnormalisedLogLoss, b, i, sum);
        }
      }
      if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5 * Math.abs(sum))) {
        if (!this.unnormalisedRoc || this.unnormalisedRoc.key > b.key(i)) {
          this.unnormalisedRoc = this.first(this.unnormalisedRoc, b, i, sum);
        }
      }
    }
    this.rows += n;
  }

  /**
   * A binary batch in one loop over the rows: the confusion counts, the exact sums and the scores by class.
   * One pass first counts the positives and checks every label and score; only a batch that breaks a rule
   * goes through `checkBatch`, which names the first offending row.
   */
  private addBinary(b: StateBatch): void {
    const { n, yTrue: y, scores: s, ids } = b;
    let np = 0;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const t = y[i]!;
      if (t === 1) np++;
      else if (t !== 0) ok = false;
      if (s[i]! - s[i]! !== 0) ok = false;
    }
    if (!ok) checkBatch(this, b);
    const thr = this.threshold;
    const pos = this.pos[0]!;
    const neg = this.neg[0]!;
    if ((pos.single || neg.single) && !float32Values(s, n)) {
      pos.widen();
      neg.widen();
    }
    // Room in both lists first (a spill empties both, capacity stays), then plain writes.
    pos.reserve(np);
    neg.reserve(n - np);
    const pb = pos.reserve(np);
    const nb = neg.reserve(n - np);
    let pi = pos.length;
    let ni = neg.length;
    const c = this.counts;
    const logLoss = this.logLoss;
    const brier = this.brier;
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      const positive = y[i] === 1;
      c[(positive ? 2 : 0) + (v >= thr ? 1 : 0)]!++;
      if (!(v >= 0 && v <= 1)) {
        if (!this.nonProbability || this.nonProbability.key > b.key(i)) {
          this.nonProbability = this.first(this.nonProbability, b, i, v);
        }
      } else {
        logLoss.add(-Math.log(clip(positive ? v : 1 - v)));
        const d = positive ? 1 - v : v;
        brier.add(d * d);
      }
      if (ids) {
        if (positive) {
          pb[pi++] = v;
          pb[pi++] = ids[i]!;
        } else {
          nb[ni++] = v;
          nb[ni++] = ids[i]!;
        }
      } else if (positive) pb[pi++] = v;
      else nb[ni++] = v;
    }
    pos.length = pi;
    neg.length = ni;
    this.rows += n;
  }

  private addPairs(b: StateBatch): void {
    const { n, yTrue: y, scores: s } = b;
    const list = this.pairs!;
    const buf = list.reserve(n);
    let at = list.length;
    const r = this.ranges;
    for (let i = 0; i < n; i++) {
      const t = y[i]!;
      const v = s[i]!;
      buf[at++] = v;
      buf[at++] = t;
      r.min = Math.min(r.min, t, v);
      r.max = Math.max(r.max, t, v);
      r.residualMin = Math.min(r.residualMin, t - v);
      r.residualMax = Math.max(r.residualMax, t - v);
    }
    list.length = at;
  }

  /**
   * Add another state of the same task (a shard, read back with `fromJSON`): counts and exact sums add,
   * its sorted runs join this state's, the first offending rows are compared by their keys.
   */
  merge(o: MetricState): void {
    if (
      o.task !== this.task ||
      o.k !== this.k ||
      o.threshold !== this.threshold ||
      o.withIds !== this.withIds ||
      JSON.stringify(o.curves ?? null) !== JSON.stringify(this.curves ?? null)
    ) {
      throw new Error(
        `MetricState.merge: states differ (${o.task}/${o.k}/${o.threshold} vs ${this.task}/${this.k}/${this.threshold})`,
      );
    }
    this.rows += o.rows;
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    for (const name of ["logLoss", "brier", "sq", "abs", "pct", "y", "y2"] as const) this[name].merge(o[name]);
    if (o.maxErr > this.maxErr) this.maxErr = o.maxErr;
    const earlier = (a: RowRef | undefined, b: RowRef | undefined) => (!a ? b : !b ? a : b.key < a.key ? b : a);
    this.nonProbability = earlier(this.nonProbability, o.nonProbability);
    this.unnormalisedLogLoss = earlier(this.unnormalisedLogLoss, o.unnormalisedLogLoss);
    this.unnormalisedRoc = earlier(this.unnormalisedRoc, o.unnormalisedRoc);
    o.pos.forEach((l, c) => this.pos[c]!.absorb(l));
    o.neg.forEach((l, c) => this.neg[c]!.absorb(l));
    if (this.pairs && o.pairs) {
      this.pairs.absorb(o.pairs);
      const r = this.ranges;
      r.min = Math.min(r.min, o.ranges.min);
      r.max = Math.max(r.max, o.ranges.max);
      r.residualMin = Math.min(r.residualMin, o.ranges.residualMin);
      r.residualMax = Math.max(r.residualMax, o.ranges.residualMax);
    }
  }

  confusion(): Confusion {
    const present = new Uint8Array(this.k);
    for (let t = 0; t < this.k; t++) {
      for (let p = 0; p < this.k; p++) {
        if (this.counts[t * this.k + p]! > 0) {
          present[t] = 1;
          present[p] = 1;
        }
      }
    }
    return { classes: this.k, counts: this.counts, present };
  }

  /** rows = true class, columns = predicted (binary [[tn, fp], [fn, tp]]). */
  confusionMatrix(): number[][] {
    const out: number[][] = [];
    for (let t = 0; t < this.k; t++) out.push(Array.from(this.counts.subarray(t * this.k, (t + 1) * this.k)));
    return out;
  }

  /** Rows of true class c. */
  support(c: number): number {
    let s = 0;
    for (let p = 0; p < this.k; p++) s += this.counts[c * this.k + p]!;
    return s;
  }

  /**
   * The sorted streams of ranking column c: its positives' and its negatives' scores, ascending. Each list
   * is read once: call this once per column (finish does, for the ranking metrics).
   */
  rankingStreams(c: number, files: RunFiles): { pos: SortedStream; neg: SortedStream; p: number; n: number } {
    const w = this.withIds ? 2 : 1;
    const p = this.task === "binary" ? this.support(1) : this.support(c);
    return {
      pos: new SortedStream(this.pos[c]!.sources(files), w),
      neg: new SortedStream(this.neg[c]!.sources(files), w),
      p,
      n: this.rows - p,
    };
  }

  /** Ranking column c (binary: 0) as tie groups in ascending score order. */
  scoreGroups(c: number, files: RunFiles): TieGroups {
    const r = this.rankingStreams(c, files);
    return new TieGroups(r.pos, r.neg, r.p, r.n);
  }

  /**
   * Ranking column c's tie groups, highest score first, fed to the sinks `make` returns once the column's
   * totals and score range are known (one read of its runs, whatever the number of sinks).
   */
  walkDescending(c: number, files: RunFiles, make: (totals: ColumnTotals) => DescendingScoreSink[]): void {
    const w = this.withIds ? 2 : 1;
    const p = this.task === "binary" ? this.support(1) : this.support(c);
    const posList = this.pos[c]!;
    const negList = this.neg[c]!;
    const min = Math.min(posList.min(files), negList.min(files));
    // The streams hold the negated scores in ascending order: the groups come highest score first.
    const g = new TieGroups(
      new SortedStream(posList.sources(files, true), w),
      new SortedStream(negList.sources(files, true), w),
      p,
      this.rows - p,
    );
    const sinks = make({ positives: p, negatives: this.rows - p, min, max: -g.peek() });
    while (g.next()) {
      const score = -g.score;
      for (const s of sinks) s.group(score, g.positives, g.negatives);
    }
  }

  /** Every metric of the task with a note for each undefined one. Reads the ranking lists: call once. */
  finish(logger: Logger = silentLogger): MetricsWithNotes {
    const files = new RunFiles();
    try {
      return finishMetrics(this, files, logger);
    } finally {
      files.close();
      if (this.ownStore) this.store.dispose();
    }
  }

  toJSON(): MetricStateJSON {
    return {
      task: this.task,
      k: this.k,
      threshold: this.threshold,
      withIds: this.withIds,
      rows: this.rows,
      counts: Array.from(this.counts),
      sums: {
        logLoss: this.logLoss.toJSON(),
        brier: this.brier.toJSON(),
        sq: this.sq.toJSON(),
        abs: this.abs.toJSON(),
        pct: this.pct.toJSON(),
        y: this.y.toJSON(),
        y2: this.y2.toJSON(),
      },
      maxErr: this.maxErr,
      ...(this.nonProbability ? { nonProbability: refJSON(this.nonProbability) } : {}),
      ...(this.unnormalisedLogLoss ? { unnormalisedLogLoss: refJSON(this.unnormalisedLogLoss) } : {}),
      ...(this.unnormalisedRoc ? { unnormalisedRoc: refJSON(this.unnormalisedRoc) } : {}),
      pos: this.pos.map((l) => l.runs),
      neg: this.neg.map((l) => l.runs),
      ...(this.curves ? { curves: this.curves } : {}),
      ...(this.pairs
        ? {
            pairs: this.pairs.runs,
            ranges: {
              min: String(this.ranges.min),
              max: String(this.ranges.max),
              residualMin: String(this.ranges.residualMin),
              residualMax: String(this.ranges.residualMax),
            },
          }
        : {}),
    };
  }

  /** A state written by `toJSON` (its runs must be on disk at the paths it names). */
  static fromJSON(j: MetricStateJSON, store?: SpillStore): MetricState {
    const s = new MetricState({
      task: j.task,
      ...(j.task === "multiclass" ? { classes: j.k } : {}),
      threshold: j.threshold,
      withIds: j.withIds,
      ...(j.curves ? { curves: j.curves } : {}),
      ...(store ? { store } : {}),
    });
    s.rows = j.rows;
    s.counts.set(j.counts);
    s.logLoss = ExactSum.fromJSON(j.sums.logLoss);
    s.brier = ExactSum.fromJSON(j.sums.brier);
    s.sq = ExactSum.fromJSON(j.sums.sq);
    s.abs = ExactSum.fromJSON(j.sums.abs);
    s.pct = ExactSum.fromJSON(j.sums.pct);
    s.y = ExactSum.fromJSON(j.sums.y);
    s.y2 = ExactSum.fromJSON(j.sums.y2);
    s.maxErr = j.maxErr;
    if (j.nonProbability) s.nonProbability = refFromJSON(j.nonProbability);
    if (j.unnormalisedLogLoss) s.unnormalisedLogLoss = refFromJSON(j.unnormalisedLogLoss);
    if (j.unnormalisedRoc) s.unnormalisedRoc = refFromJSON(j.unnormalisedRoc);
    j.pos.forEach((runs, c) => s.pos[c]!.runs.push(...runs));
    j.neg.forEach((runs, c) => s.neg[c]!.runs.push(...runs));
    if (s.pairs && j.pairs && j.ranges) {
      s.pairs.runs.push(...j.pairs);
      const r = j.ranges;
      s.ranges = {
        min: Number(r.min),
        max: Number(r.max),
        residualMin: Number(r.residualMin),
        residualMax: Number(r.residualMax),
      };
    }
    return s;
  }
}

interface RowRefJSON {
  key: number;
  where: string;
  value: string;
}
const refJSON = (r: RowRef): RowRefJSON => ({ key: r.key, where: r.where, value: String(r.value) });
const refFromJSON = (r: RowRefJSON): RowRef => ({ key: r.key, where: r.where, value: Number(r.value) });

export interface MetricStateJSON {
  task: Task;
  k: number;
  threshold: number;
  withIds: boolean;
  rows: number;
  counts: number[];
  sums: Record<"logLoss" | "brier" | "sq" | "abs" | "pct" | "y" | "y2", ExactSumJSON>;
  maxErr: number;
  nonProbability?: RowRefJSON;
  unnormalisedLogLoss?: RowRefJSON;
  unnormalisedRoc?: RowRefJSON;
  /** Per ranking column, the sorted runs of its positives / negatives. */
  pos: RunSegment[][];
  neg: RunSegment[][];
  curves?: CurveOptions;
  /** Regression with curves: the sorted runs of (prediction, actual) and their ranges (as text: ±Infinity). */
  pairs?: RunSegment[];
  ranges?: Record<keyof RegressionRanges, string>;
}

function checkBatch(st: MetricState, b: StateBatch): void {
  const { n, yTrue: y, scores: s } = b;
  const w = st.width;
  for (let i = 0; i < n * w; i++) {
    const v = s[i]!;
    if (v - v !== 0) {
      const row = Math.floor(i / w);
      const where = st.task === "multiclass" ? `${b.where(row)}, class ${i % w}` : b.where(row);
      throw new UserError(
        `scores: the model output at ${where} is not a finite number (got ${v}). Check the input features of that row for missing or out-of-range values.`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (v - v !== 0) {
      throw new UserError(
        `labels: the true value at ${b.where(i)} is not a finite number (got ${v}). Drop or fill rows with a missing label before evaluating.`,
      );
    }
    if (st.task === "binary" && v !== 0 && v !== 1) {
      throw new UserError(
        `labels: a binary task needs labels 0 and 1 (got ${v} at ${b.where(i)}). Map the label column to 0/1 or set task: multiclass.`,
      );
    }
    if (st.task === "multiclass" && !(Number.isInteger(v) && v >= 0 && v < st.k)) {
      throw new UserError(
        `labels: a multiclass label must be a class index 0..${st.k - 1} (got ${v} at ${b.where(i)}). Check the class list of the model against the label column.`,
      );
    }
  }
}

/** A ranking column's class totals and score range (curves.ts's ScoreTotals). */
export type ColumnTotals = { positives: number; negatives: number; min: number; max: number };

export interface RankingValues {
  /** null when the labels hold one class only. */
  rocAuc: number | null;
  averagePrecision: number | null;
}

const TWO_53 = 2 ** 53;

/**
 * The rows of one ranking column grouped by distinct score, ascending: after each `next()` that returns
 * true, `score` is the group's score and `positives` / `negatives` how many rows of each class have it.
 * The metrics below are functions over this stream, and so are curves (ROC, precision-recall): it is the
 * same whether the scores were in memory, spilled to runs or merged from shards.
 */
export class TieGroups {
  score = Number.NaN;
  positives = 0;
  negatives = 0;

  constructor(
    private readonly pos: SortedStream,
    private readonly neg: SortedStream,
    /** Positives and negatives in all. */
    readonly p: number,
    readonly n: number,
  ) {}

  /** The score of the next group (+Infinity when done), without consuming it. */
  peek(): number {
    return Math.min(this.pos.head, this.neg.head);
  }

  next(): boolean {
    const v = Math.min(this.pos.head, this.neg.head);
    if (v === Number.POSITIVE_INFINITY) return false;
    let k = 0;
    while (this.pos.head === v) {
      k++;
      this.pos.next();
    }
    let e = 0;
    while (this.neg.head === v) {
      e++;
      this.neg.next();
    }
    this.score = v;
    this.positives = k;
    this.negatives = e;
    return true;
  }
}

/**
 * ROC AUC and average precision over the tie groups, exact and tie-aware as scikit-learn:
 * - AUC = Σ over groups of k positives of k·(2·negatives below + negatives in the group) / (2·p·n),
 *   counted in half-units (exactly, also past 2^53);
 * - AP = Σ over groups holding positives of k · precision at that score, divided by p, where
 *   precision = positives ≥ score / rows ≥ score (sklearn's step-wise sum, no interpolation), summed exactly.
 */
export function rankingFromGroups(g: TieGroups): RankingValues {
  const { p, n } = g;
  if (p === 0 || n === 0) {
    while (g.next()) {
      // drain the streams
    }
    return { rocAuc: null, averagePrecision: null };
  }
  let half = 0;
  const halfBig = new ExactSum();
  const ap = new ExactSum();
  let posBelow = 0;
  let negBelow = 0;
  while (g.next()) {
    const k = g.positives;
    const e = g.negatives;
    if (k > 0) {
      const units = 2 * negBelow + e;
      const t = k * units;
      if (t < TWO_53 && half + t < TWO_53) half += t;
      else halfBig.addProduct(k, units);
      const tp = p - posBelow;
      const fp = n - negBelow;
      ap.add(k * (tp / (tp + fp)));
    }
    posBelow += k;
    negBelow += e;
  }
  halfBig.add(half);
  return { rocAuc: halfBig.value() / (2 * p * n), averagePrecision: ap.value() / p };
}

/**
 * rankingFromGroups over the groups highest score first (a DescendingScoreSink): the same terms — for a
 * group of k positives and e negatives, the negatives below are those not yet seen and not in the group —
 * summed exactly, so the same doubles.
 */
export class DescendingRanking implements DescendingScoreSink {
  private half = 0;
  private readonly halfBig = new ExactSum();
  private readonly ap = new ExactSum();
  private posAbove = 0;
  private negAbove = 0;

  constructor(
    private readonly p: number,
    private readonly n: number,
  ) {}

  group(_score: number, k: number, e: number): void {
    if (k > 0 && this.p > 0 && this.n > 0) {
      const units = 2 * (this.n - this.negAbove - e) + e;
      const t = k * units;
      if (t < TWO_53 && this.half + t < TWO_53) this.half += t;
      else this.halfBig.addProduct(k, units);
      const tp = this.posAbove + k;
      const fp = this.negAbove + e;
      this.ap.add(k * (tp / (tp + fp)));
    }
    this.posAbove += k;
    this.negAbove += e;
  }

  values(): RankingValues {
    const { p, n } = this;
    if (p === 0 || n === 0) return { rocAuc: null, averagePrecision: null };
    this.halfBig.add(this.half);
    return { rocAuc: this.halfBig.value() / (2 * p * n), averagePrecision: this.ap.value() / p };
  }
}

function finishMetrics(st: MetricState, files: RunFiles, logger: Logger): MetricsWithNotes {
  const values: MetricValues = {};
  const notes: Record<string, string> = {};
  const n = st.rows;
  if (n === 0) {
    throw new UserError(
      "predictions: no rows to evaluate (got 0 rows). Check that the evaluation data is not empty and that its filters keep some rows.",
    );
  }
  if (st.task === "regression") {
    values.rmse = Math.sqrt(st.sq.value() / n);
    values.mae = st.abs.value() / n;
    values.r2 = r2Of(st);
    if (values.r2 === null) notes.r2 = `R² is not defined for fewer than 2 rows (got ${n}).`;
    values.mape = st.pct.value() / n;
    values.max_error = st.maxErr;
    if (st.pairs) return { values, notes, curves: { task: "regression", regression: regressionPlotsOf(st, files) } };
    return { values, notes };
  }
  const cm = st.confusion();
  values.accuracy = accuracyOf(cm);
  values.balanced_accuracy = balancedAccuracyOf(cm);
  const nonProb = st.nonProbability;

  if (st.task === "binary") {
    const prf = precisionRecallF1Of(cm, "binary");
    values.precision = prf.precision;
    values.recall = prf.recall;
    values.f1 = prf.f1;
    // One descending read of the scores serves the ranking metrics and the curves.
    let ranking: DescendingRanking | undefined;
    let builder: BinaryCurveBuilder | undefined;
    st.walkDescending(0, files, (t) => {
      ranking = new DescendingRanking(t.positives, t.negatives);
      if (st.curves) builder = new BinaryCurveBuilder(t, st.threshold, st.curves);
      return builder ? [ranking, builder] : [ranking];
    });
    const rv = ranking!.values();
    values.roc_auc = rv.rocAuc;
    values.pr_auc = rv.averagePrecision;
    if (rv.rocAuc === null) {
      const only = st.support(1) > 0 ? 1 : 0;
      const why = `the labels hold only class ${only} (${n} rows), so no positive can be ranked against a negative`;
      notes.roc_auc = `ROC AUC is undefined: ${why} (scikit-learn raises).`;
      notes.pr_auc = `Average precision is undefined: ${why} (scikit-learn returns an uninformative ${only === 1 ? "1.0" : "0.0"}).`;
    }
    if (nonProb) {
      values.log_loss = null;
      values.brier = null;
      const why = `the scores are not probabilities (${nonProb.where} has ${nonProb.value}), scikit-learn raises`;
      notes.log_loss = `Log loss is undefined: ${why}.`;
      notes.brier = `Brier score is undefined: ${why}.`;
    } else {
      values.log_loss = st.logLoss.value() / n;
      values.brier = st.brier.value() / n;
    }
    values.mcc = mccOf(cm);
    if (builder) return { values, notes, curves: { task: "binary", binary: builder.finish() } };
    return { values, notes };
  }

  const c = st.k;
  for (const average of ["macro", "weighted"] as const) {
    const prf = precisionRecallF1Of(cm, average);
    values[`precision_${average}`] = prf.precision;
    values[`recall_${average}`] = prf.recall;
    values[`f1_${average}`] = prf.f1;
  }
  const missing: number[] = [];
  for (let k = 0; k < c; k++) if (st.support(k) === 0) missing.push(k);
  if (nonProb) {
    values.log_loss = null;
    notes.log_loss = `Log loss is undefined: the scores are not probabilities (${nonProb.where} has ${nonProb.value}), scikit-learn raises.`;
  } else {
    values.log_loss = st.logLoss.value() / n;
    if (st.unnormalisedLogLoss) {
      notes.log_loss = `The probabilities of ${st.unnormalisedLogLoss.where} do not sum to 1; computed without renormalising, as scikit-learn (which warns).`;
      logger.warning(`log_loss: ${notes.log_loss}`);
    }
  }
  const unnormalised = nonProb ? undefined : st.unnormalisedRoc;
  let ovr: number | null = null;
  if (nonProb || unnormalised) {
    const where = (nonProb ?? unnormalised)!.where;
    notes.roc_auc_ovr = `One-vs-rest ROC AUC is undefined: the scores of ${where} are not probabilities summing to 1 (scikit-learn raises).`;
  } else if (missing.length > 0) {
    notes.roc_auc_ovr = `One-vs-rest ROC AUC is undefined: class ${missing.join(", ")} never occurs in the labels (scikit-learn raises).`;
  }
  // One descending read per class serves its one-vs-rest AUC and its curves.
  const computeOvr = !(nonProb || unnormalised) && missing.length === 0;
  if (computeOvr || st.curves) {
    let sum = 0;
    const classes: BinaryCurves[] = [];
    for (let k = 0; k < c; k++) {
      let ranking: DescendingRanking | undefined;
      let builder: BinaryCurveBuilder | undefined;
      st.walkDescending(k, files, (t) => {
        const sinks: DescendingScoreSink[] = [];
        if (computeOvr) sinks.push((ranking = new DescendingRanking(t.positives, t.negatives)));
        if (st.curves) sinks.push((builder = new BinaryCurveBuilder(t, undefined, st.curves)));
        return sinks;
      });
      if (ranking) sum += ranking.values().rocAuc!;
      if (builder) classes.push(builder.finish());
    }
    if (computeOvr) ovr = sum / c;
    values.roc_auc_ovr = ovr;
    if (st.curves) return { values, notes, curves: { task: "multiclass", classes } };
  }
  values.roc_auc_ovr = ovr;
  return { values, notes };
}

/** The regression plots from the (prediction, actual) pairs in their one sorted order (see sorted-runs.ts). */
function regressionPlotsOf(st: MetricState, files: RunFiles): RegressionPlots {
  const builder = new RegressionPlotBuilder(st.ranges);
  const stream = new SortedStream(st.pairs!.sources(files), 2);
  while (stream.head !== Number.POSITIVE_INFINITY) {
    builder.add(stream.head, stream.id);
    stream.next();
  }
  return builder.finish();
}

/**
 * r2_score (force_finite) from exact sums: SS_res = Σ(y − ŷ)², SS_tot = (n·Σy² − (Σy)²) / n with the
 * numerator evaluated exactly from the partials of Σy and Σy², so it does not depend on row order.
 */
function r2Of(st: MetricState): number | null {
  const n = st.rows;
  if (n < 2) return null;
  const num = st.sq.value();
  const t = new ExactSum();
  for (const a of st.y2.terms()) t.addProduct(a, n);
  const ys = st.y.terms();
  for (const a of ys) for (const b of ys) t.addProduct(-a, b);
  const den = t.value() / n;
  if (num === 0) return 1;
  if (den === 0) return 0;
  return 1 - num / den;
}
