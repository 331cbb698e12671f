/**
 * Ranking metrics of scores, exact and tie-aware like scikit-learn:
 * - ROC AUC (sklearn roc_auc_score): trapezoidal area under the ROC curve built over the distinct score
 *   values. That area equals the Mann–Whitney statistic in which a positive and a negative with the
 *   same score count one half, which is what we compute: Σ over positives of (#negatives below + ½·#negatives
 *   equal) / (P·N). Counted in half-units it is an exact integer below 2^53 for up to ~67M rows per class pair.
 * - Average precision (sklearn average_precision_score): Σ_n (R_n − R_{n−1}) · P_n over the distinct
 *   thresholds in decreasing order, no interpolation.
 * Unweighted data take a fast path: positives and negatives are copied to two Float64Arrays and sorted
 * natively (no comparator, no per-row objects), then merged in one pass. Weighted data (bootstrap resamples)
 * walk a descending order computed once.
 */

/** One binary scoring column: row i is positive when `yTrue[i] === positive`, its score is `scores[i * stride + offset]`. */
export interface ScoreColumn {
  yTrue: Float64Array;
  positive: number;
  scores: Float64Array;
  stride: number;
  offset: number;
}

export interface RankingValues {
  /** null when y_true holds one class only (sklearn raises "Only one class present in y_true"). */
  rocAuc: number | null;
  /** null when y_true holds one class only (sklearn returns an uninformative 0.0 or 1.0). */
  averagePrecision: number | null;
}

function column(yTrue: Float64Array, scores: Float64Array): ScoreColumn {
  if (yTrue.length !== scores.length) {
    throw new Error(`yTrue (${yTrue.length}) and scores (${scores.length}) must have the same length`);
  }
  return { yTrue, positive: 1, scores, stride: 1, offset: 0 };
}

/**
 * Splits a column into sorted (ascending) positive and negative scores, as two views of one N-sized buffer
 * (pass `buffer` to reuse it across columns).
 */
export function splitSorted(
  col: ScoreColumn,
  buffer: Float64Array = new Float64Array(col.yTrue.length),
): { pos: Float64Array; neg: Float64Array } {
  const n = col.yTrue.length;
  let p = 0;
  for (let i = 0; i < n; i++) if (col.yTrue[i] === col.positive) p++;
  const pos = buffer.subarray(0, p);
  const neg = buffer.subarray(p, n);
  let a = 0;
  let b = 0;
  for (let i = 0, j = col.offset; i < n; i++, j += col.stride) {
    if (col.yTrue[i] === col.positive) pos[a++] = col.scores[j]!;
    else neg[b++] = col.scores[j]!;
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/** ROC AUC and average precision from the sorted scores of the positives and the negatives. */
export function rankingFromSorted(pos: Float64Array, neg: Float64Array): RankingValues {
  const p = pos.length;
  const nn = neg.length;
  if (p === 0 || nn === 0) return { rocAuc: null, averagePrecision: null };
  // AUC, ascending: for each group of equal positive scores, count the negatives strictly below and equal.
  let halfUnits = 0;
  let j = 0;
  for (let i = 0; i < p;) {
    const v = pos[i]!;
    let k = i;
    while (k < p && pos[k] === v) k++;
    while (j < nn && neg[j]! < v) j++;
    let e = j;
    while (e < nn && neg[e] === v) e++;
    halfUnits += (k - i) * (2 * j + (e - j));
    i = k;
  }
  // AP, descending: at each distinct score holding positives, add ΔR · precision.
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let q = nn - 1;
  for (let i = p - 1; i >= 0;) {
    const v = pos[i]!;
    while (q >= 0 && neg[q]! > v) {
      fp++;
      q--;
    }
    let k = i;
    while (k >= 0 && pos[k] === v) k--;
    let e = q;
    while (e >= 0 && neg[e] === v) e--;
    const dtp = i - k;
    tp += dtp;
    fp += q - e;
    q = e;
    ap += dtp * (tp / (tp + fp));
    i = k;
  }
  return { rocAuc: halfUnits / (2 * p * nn), averagePrecision: ap / p };
}

/** Row indices sorted by decreasing score (a stable order is not needed: ties are grouped). */
export function descendingOrder(col: ScoreColumn): Uint32Array {
  const n = col.yTrue.length;
  const key = new Float64Array(n);
  for (let i = 0, j = col.offset; i < n; i++, j += col.stride) key[i] = col.scores[j]!;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => key[b]! - key[a]!);
  return order;
}

/**
 * A column sorted once for repeated weighted evaluation: the row order by decreasing score, the label
 * in that order, and where each group of tied scores ends. Evaluating then reads everything sequentially
 * except the weight of each row.
 */
export interface RankedColumn {
  order: Uint32Array;
  positive: Uint8Array;
  groupEnd: Uint8Array;
}

export function rankColumn(col: ScoreColumn): RankedColumn {
  const order = descendingOrder(col);
  const n = order.length;
  const positive = new Uint8Array(n);
  const groupEnd = new Uint8Array(n);
  const { scores, stride, offset, yTrue } = col;
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    positive[k] = yTrue[r] === col.positive ? 1 : 0;
    groupEnd[k] = k === n - 1 || scores[r * stride + offset] !== scores[order[k + 1]! * stride + offset] ? 1 : 0;
  }
  return { order, positive, groupEnd };
}

/**
 * Weighted ROC AUC and AP (sklearn with sample_weight; zero-weight rows are ignored) in one descending pass.
 * AUC = 1 − (mis-ordered pairs + ½ tied pairs) / (P·N), which needs no totals in advance.
 */
export function rankingWeighted(ranked: RankedColumn, weights: ArrayLike<number>): RankingValues {
  const { order, positive, groupEnd } = ranked;
  const n = order.length;
  let tp = 0;
  let fp = 0;
  let wrong = 0;
  let ap = 0;
  let gp = 0;
  let gn = 0;
  for (let k = 0; k < n; k++) {
    const w = weights[order[k]!]!;
    if (positive[k]) gp += w;
    else gn += w;
    if (groupEnd[k]) {
      if (gp > 0) {
        wrong += gp * (fp + 0.5 * gn);
        tp += gp;
        fp += gn;
        ap += gp * (tp / (tp + fp));
      } else {
        fp += gn;
      }
      gp = 0;
      gn = 0;
    }
  }
  if (tp === 0 || fp === 0) return { rocAuc: null, averagePrecision: null };
  return { rocAuc: 1 - wrong / (tp * fp), averagePrecision: ap / tp };
}

/** Ranking metrics of one column, weighted or not (`buffer`: N doubles to reuse for the unweighted path). */
export function rankingOf(col: ScoreColumn, weights?: ArrayLike<number>, buffer?: Float64Array): RankingValues {
  if (weights === undefined) {
    const { pos, neg } = splitSorted(col, buffer);
    return rankingFromSorted(pos, neg);
  }
  return rankingWeighted(rankColumn(col), weights);
}

/** sklearn roc_auc_score for binary y_true (0/1) and scores of the positive class; null with one class only. */
export function rocAuc(yTrue: Float64Array, scores: Float64Array, weights?: ArrayLike<number>): number | null {
  return rankingOf(column(yTrue, scores), weights).rocAuc;
}

/** sklearn average_precision_score (step-wise, no interpolation); null with one class only. */
export function averagePrecision(
  yTrue: Float64Array,
  scores: Float64Array,
  weights?: ArrayLike<number>,
): number | null {
  return rankingOf(column(yTrue, scores), weights).averagePrecision;
}

/**
 * sklearn roc_auc_score(multi_class="ovr", average="macro"): mean over classes of the one-vs-rest AUC of
 * that class's probability column. null when a class is absent from y_true (sklearn raises).
 * `scores` is row-major N×C.
 */
export function rocAucOvr(
  yTrue: Float64Array,
  scores: Float64Array,
  classes: number,
  weights?: ArrayLike<number>,
): number | null {
  let sum = 0;
  const buffer = weights === undefined ? new Float64Array(yTrue.length) : undefined;
  for (let k = 0; k < classes; k++) {
    const auc = rankingOf({ yTrue, positive: k, scores, stride: classes, offset: k }, weights, buffer).rocAuc;
    if (auc === null) return null;
    sum += auc;
  }
  return sum / classes;
}
