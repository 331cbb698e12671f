import { type Logger, silentLogger } from "../log";
import { type Confusion, confusion, confusionMetric } from "./classification";
import type { CurveOptions } from "./curves";
import { hardLabels, type Predictions, type Task, validatePredictions } from "./predictions";
import { firstNonProbability, firstUnnormalisedRow, rowBrier, rowLogLoss, weightedMean } from "./probabilistic";
import { MetricState, type MetricsWithNotes, type MetricValues } from "./metric-state";
import { type RankedColumn, rankColumn, rankingWeighted } from "./ranking";
import { maxError, r2, rowErrors } from "./regression";

export type { MetricsWithNotes, MetricValues } from "./metric-state";

export interface MetricInfo {
  tasks: Task[];
  greaterIsBetter: boolean;
  description: string;
}

const B: Task[] = ["binary"];
const M: Task[] = ["multiclass"];
const BM: Task[] = ["binary", "multiclass"];
const R: Task[] = ["regression"];

/** Every metric we compute, keyed by its scikit-learn-style snake_case name. */
export const METRICS: Record<string, MetricInfo> = {
  accuracy: { tasks: BM, greaterIsBetter: true, description: "share of rows whose predicted class is right" },
  balanced_accuracy: {
    tasks: BM,
    greaterIsBetter: true,
    description: "mean recall over the classes present in the labels",
  },
  precision: { tasks: B, greaterIsBetter: true, description: "share of predicted positives that are positive" },
  recall: { tasks: B, greaterIsBetter: true, description: "share of positives predicted positive" },
  f1: { tasks: B, greaterIsBetter: true, description: "harmonic mean of precision and recall" },
  roc_auc: {
    tasks: B,
    greaterIsBetter: true,
    description: "area under the ROC curve (probability a positive outranks a negative, ties count half)",
  },
  pr_auc: {
    tasks: B,
    greaterIsBetter: true,
    description: "average precision: step-wise area under the precision-recall curve",
  },
  log_loss: { tasks: BM, greaterIsBetter: false, description: "mean negative log-likelihood of the true class" },
  brier: { tasks: B, greaterIsBetter: false, description: "mean squared error of the positive-class probability" },
  mcc: { tasks: B, greaterIsBetter: true, description: "Matthews correlation coefficient (-1..1)" },
  precision_macro: { tasks: M, greaterIsBetter: true, description: "precision averaged over classes" },
  recall_macro: { tasks: M, greaterIsBetter: true, description: "recall averaged over classes" },
  f1_macro: { tasks: M, greaterIsBetter: true, description: "F1 averaged over classes" },
  precision_weighted: { tasks: M, greaterIsBetter: true, description: "precision averaged, weighted by class support" },
  recall_weighted: { tasks: M, greaterIsBetter: true, description: "recall averaged, weighted by class support" },
  f1_weighted: { tasks: M, greaterIsBetter: true, description: "F1 averaged, weighted by class support" },
  roc_auc_ovr: { tasks: M, greaterIsBetter: true, description: "ROC AUC of each class against the rest, averaged" },
  rmse: { tasks: R, greaterIsBetter: false, description: "root mean squared error" },
  mae: { tasks: R, greaterIsBetter: false, description: "mean absolute error" },
  r2: { tasks: R, greaterIsBetter: true, description: "coefficient of determination" },
  mape: { tasks: R, greaterIsBetter: false, description: "mean absolute percentage error, as a fraction (0.1 = 10 %)" },
  max_error: { tasks: R, greaterIsBetter: false, description: "largest absolute error of one row" },
};

/** The metric names that apply to a task, in METRICS order. */
export function metricsFor(task: Task): string[] {
  return Object.keys(METRICS).filter((m) => METRICS[m]!.tasks.includes(task));
}

/** The default metric a comparison is decided on. */
export function defaultPrimaryMetric(task: Task): string {
  return task === "binary" ? "roc_auc" : task === "multiclass" ? "f1_macro" : "rmse";
}

export interface ComputeOptions {
  logger?: Logger;
  /** Also build the curves, from the same sorted scores as the ranking metrics (no second sort). */
  curves?: CurveOptions;
}

function confusionOf(p: Predictions, yHat: Uint32Array, weights?: ArrayLike<number>): Confusion {
  const c = p.task === "binary" ? 2 : p.classes!;
  return confusion(p.yTrue, yHat, c, weights);
}

/** The predictions as one batch of a metric state (rows named by their 0-based index). */
function stateOf(p: Predictions, curves?: CurveOptions): MetricState {
  const st = new MetricState({
    task: p.task,
    ...(curves ? { curves } : {}),
    ...(p.task === "multiclass" ? { classes: p.classes! } : {}),
    ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
  });
  st.add({ n: p.yTrue.length, yTrue: p.yTrue, scores: p.scores, key: (i) => i, where: (i) => `row ${i}` });
  return st;
}

/**
 * All metrics of the task, with a note for each undefined one. Throws UserError on bad input. The same
 * state as a streaming or sharded evaluation (metric-state.ts), fed in one batch.
 */
export function computeMetricsWithNotes(p: Predictions, options: ComputeOptions = {}): MetricsWithNotes {
  validatePredictions(p);
  return stateOf(p, options.curves).finish(options.logger ?? silentLogger);
}

/** All metrics of the task (see METRICS). Throws UserError for empty data, NaN scores or bad labels. */
export function computeMetrics(p: Predictions, options: ComputeOptions = {}): MetricValues {
  return computeMetricsWithNotes(p, options).values;
}

/**
 * sklearn confusion_matrix with labels = all classes: rows are the true class, columns the predicted one
 * (binary: [[tn, fp], [fn, tp]]).
 */
export function confusionMatrix(p: Predictions): number[][] {
  if (p.task === "regression") throw new Error("confusionMatrix: a regression task has no confusion matrix");
  validatePredictions(p);
  const cm = confusionOf(p, hardLabels(p));
  const out: number[][] = [];
  for (let t = 0; t < cm.classes; t++) out.push(Array.from(cm.counts.subarray(t * cm.classes, (t + 1) * cm.classes)));
  return out;
}

/** A metric evaluated repeatedly on the same rows under different row weights (bootstrap resamples). */
export type WeightedMetric = (weights: Float64Array) => number | null;

/**
 * Does the row-independent work of one metric once (hard labels, sort orders, per-row losses) and returns a
 * function that evaluates it in O(N) for any row weights. Weights of integer counts give the metric of the
 * data set with rows repeated that many times, as sklearn's sample_weight.
 */
export function prepareMetric(name: string, p: Predictions): WeightedMetric {
  validatePredictions(p);
  const info = METRICS[name];
  if (info === undefined || !info.tasks.includes(p.task)) {
    throw new Error(`prepareMetric: ${name} is not a ${p.task} metric`);
  }
  const y = p.yTrue;
  const s = p.scores;
  switch (name) {
    case "rmse": {
      const e = rowErrors(y, s, "squared");
      return (w) => {
        const m = weightedMean(e, w);
        return m === null ? null : Math.sqrt(m);
      };
    }
    case "mae":
    case "mape": {
      const e = rowErrors(y, s, name === "mae" ? "absolute" : "percentage");
      return (w) => weightedMean(e, w);
    }
    case "r2":
      return (w) => r2(y, s, w);
    case "max_error":
      return (w) => maxError(y, s, w);
    case "log_loss":
    case "brier": {
      if (firstNonProbability(s) >= 0) return () => null;
      const e = name === "brier" ? rowBrier(y, s) : rowLogLoss(y, s, p.task === "multiclass" ? p.classes : undefined);
      return (w) => weightedMean(e, w);
    }
    case "roc_auc":
    case "pr_auc": {
      const ranked = rankColumn({ yTrue: y, positive: 1, scores: s, stride: 1, offset: 0 });
      return (w) => {
        const r = rankingWeighted(ranked, w);
        return name === "roc_auc" ? r.rocAuc : r.averagePrecision;
      };
    }
    case "roc_auc_ovr": {
      const c = p.classes!;
      if (firstNonProbability(s) >= 0 || firstUnnormalisedRow(s, c, "roc_auc") >= 0) return () => null;
      const ranked: RankedColumn[] = [];
      for (let k = 0; k < c; k++) ranked.push(rankColumn({ yTrue: y, positive: k, scores: s, stride: c, offset: k }));
      return (w) => {
        let sum = 0;
        for (let k = 0; k < c; k++) {
          const auc = rankingWeighted(ranked[k]!, w).rocAuc;
          if (auc === null) return null;
          sum += auc;
        }
        return sum / c;
      };
    }
    default: {
      const yHat = hardLabels(p);
      return (w) => {
        const value = confusionMetric(name, confusionOf(p, yHat, w));
        if (value === undefined) throw new Error(`prepareMetric: ${name} has no weighted form`);
        return value;
      };
    }
  }
}
