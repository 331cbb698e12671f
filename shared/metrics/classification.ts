/**
 * Metrics of hard labels, all computed from one (optionally weighted) confusion matrix, with the
 * definitions of scikit-learn (sklearn.metrics): labels are those present in y_true or y_pred
 * (`unique_labels`), a 0/0 in precision/recall/F1 gives 0.0 (sklearn's default `zero_division="warn"`),
 * MCC with a zero denominator gives 0.0.
 */

/** A confusion matrix over `classes` labels: `counts[t * classes + p]` = weight of rows with true t, predicted p. */
export interface Confusion {
  classes: number;
  counts: Float64Array;
  /** 1 when the label occurs in y_true or y_pred (whatever the row's weight), as sklearn's unique_labels. */
  present: Uint8Array;
}

export type Average = "binary" | "macro" | "weighted";

export function confusion(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes?: number,
  weights?: ArrayLike<number>,
): Confusion {
  const n = yTrue.length;
  let c = classes ?? 0;
  if (classes === undefined) {
    for (let i = 0; i < n; i++) c = Math.max(c, yTrue[i]! + 1, yPred[i]! + 1);
    c = Math.max(c, 2);
  }
  const counts = new Float64Array(c * c);
  const present = new Uint8Array(c);
  if (weights === undefined) {
    for (let i = 0; i < n; i++) counts[yTrue[i]! * c + yPred[i]!]! += 1;
  } else {
    for (let i = 0; i < n; i++) counts[yTrue[i]! * c + yPred[i]!]! += weights[i]!;
  }
  for (let i = 0; i < n; i++) {
    present[yTrue[i]!] = 1;
    present[yPred[i]!] = 1;
  }
  return { classes: c, counts, present };
}

function sums(cm: Confusion): { trueSum: Float64Array; predSum: Float64Array; tp: Float64Array; total: number } {
  const c = cm.classes;
  const trueSum = new Float64Array(c);
  const predSum = new Float64Array(c);
  const tp = new Float64Array(c);
  let total = 0;
  for (let t = 0; t < c; t++) {
    for (let q = 0; q < c; q++) {
      const v = cm.counts[t * c + q]!;
      trueSum[t]! += v;
      predSum[q]! += v;
      total += v;
    }
    tp[t] = cm.counts[t * c + t]!;
  }
  return { trueSum, predSum, tp, total };
}

/** sklearn accuracy_score: share of rows whose predicted label equals the true one. */
export function accuracyOf(cm: Confusion): number | null {
  const { tp, total } = sums(cm);
  if (total === 0) return null;
  let correct = 0;
  for (const v of tp) correct += v;
  return correct / total;
}

/**
 * sklearn balanced_accuracy_score (adjusted=False): mean recall over labels that occur in y_true;
 * labels only predicted are dropped, as sklearn does after its "y_pred contains classes not in y_true" warning.
 */
export function balancedAccuracyOf(cm: Confusion): number | null {
  const { trueSum, tp } = sums(cm);
  let sum = 0;
  let k = 0;
  for (let t = 0; t < cm.classes; t++) {
    if (cm.present[t] && trueSum[t]! > 0) {
      sum += tp[t]! / trueSum[t]!;
      k++;
    }
  }
  return k === 0 ? null : sum / k;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * sklearn precision_recall_fscore_support with zero_division 0.0:
 * - binary: pos_label=1 only;
 * - macro: unweighted mean over the labels present in y_true or y_pred;
 * - weighted: mean weighted by each label's support (its weight in y_true).
 * F1 per label is 2·tp / (true + predicted) (sklearn ≥ 1.3), 0.0 when that denominator is 0.
 */
export function precisionRecallF1Of(cm: Confusion, average: Average): PrecisionRecallF1 {
  const { trueSum, predSum, tp } = sums(cm);
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  if (average === "binary") {
    return {
      precision: div(tp[1]!, predSum[1]!),
      recall: div(tp[1]!, trueSum[1]!),
      f1: div(2 * tp[1]!, trueSum[1]! + predSum[1]!),
    };
  }
  let p = 0;
  let r = 0;
  let f = 0;
  let wsum = 0;
  for (let k = 0; k < cm.classes; k++) {
    if (!cm.present[k]) continue;
    const w = average === "macro" ? 1 : trueSum[k]!;
    p += w * div(tp[k]!, predSum[k]!);
    r += w * div(tp[k]!, trueSum[k]!);
    f += w * div(2 * tp[k]!, trueSum[k]! + predSum[k]!);
    wsum += w;
  }
  if (wsum === 0) return { precision: 0, recall: 0, f1: 0 };
  return { precision: p / wsum, recall: r / wsum, f1: f / wsum };
}

/**
 * sklearn matthews_corrcoef, multiclass form (equal to the binary one):
 * (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), 0.0 when the denominator is 0.
 */
export function mccOf(cm: Confusion): number | null {
  const { trueSum, predSum, tp, total } = sums(cm);
  if (total === 0) return null;
  let correct = 0;
  let tDotP = 0;
  let pDotP = 0;
  let tDotT = 0;
  for (let k = 0; k < cm.classes; k++) {
    correct += tp[k]!;
    tDotP += trueSum[k]! * predSum[k]!;
    pDotP += predSum[k]! * predSum[k]!;
    tDotT += trueSum[k]! * trueSum[k]!;
  }
  const covYtYp = correct * total - tDotP;
  const covYpYp = total * total - pDotP;
  const covYtYt = total * total - tDotT;
  if (covYtYt * covYpYp === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/** Convenience forms on label arrays (0..C-1), as sklearn's functions. */
export function accuracy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number | null {
  return accuracyOf(confusion(yTrue, yPred, undefined, weights));
}
export function balancedAccuracy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number | null {
  return balancedAccuracyOf(confusion(yTrue, yPred, undefined, weights));
}
export function precision(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  average: Average = "binary",
  weights?: ArrayLike<number>,
): number {
  return precisionRecallF1Of(confusion(yTrue, yPred, undefined, weights), average).precision;
}
export function recall(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  average: Average = "binary",
  weights?: ArrayLike<number>,
): number {
  return precisionRecallF1Of(confusion(yTrue, yPred, undefined, weights), average).recall;
}
export function f1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  average: Average = "binary",
  weights?: ArrayLike<number>,
): number {
  return precisionRecallF1Of(confusion(yTrue, yPred, undefined, weights), average).f1;
}
export function mcc(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, weights?: ArrayLike<number>): number | null {
  return mccOf(confusion(yTrue, yPred, undefined, weights));
}

/**
 * A metric of a confusion matrix by its name: accuracy, balanced_accuracy, mcc, precision/recall/f1 (binary) and
 * their _macro/_weighted averages; undefined for a name that is not one of these.
 */
export function confusionMetric(name: string, cm: Confusion): number | null | undefined {
  switch (name) {
    case "accuracy":
      return accuracyOf(cm);
    case "balanced_accuracy":
      return balancedAccuracyOf(cm);
    case "mcc":
      return mccOf(cm);
    case "precision":
    case "recall":
    case "f1":
      return precisionRecallF1Of(cm, "binary")[name];
    default: {
      const [metric, average] = name.split("_");
      if (
        (metric !== "precision" && metric !== "recall" && metric !== "f1") ||
        (average !== "macro" && average !== "weighted")
      )
        return undefined;
      return precisionRecallF1Of(cm, average)[metric];
    }
  }
}
