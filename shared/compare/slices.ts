import { METRICS, type MetricValues, type SliceMetrics } from "../metrics";

/** One slice (a value of the slice-by column) with both models' metrics on its rows. */
export interface SliceComparison {
  value: string;
  rows: number;
  candidate: MetricValues;
  /** Absent without a champion. */
  champion?: MetricValues;
  /** candidate − champion per metric (null when either is undefined); absent without a champion. */
  deltas?: Record<string, number | null>;
  /** Why a candidate metric is null on this slice (e.g. one class only). */
  notes: Record<string, string>;
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Both models' metrics per slice, the worst slice first: with a champion, the slice where the primary
 * metric lost most against the champion's same slice; without one, the slice where the candidate is
 * weakest. Slices without a value sort last, in order of first appearance.
 */
export function compareSlices(metric: string, candidate: SliceMetrics[], champion?: SliceMetrics[]): SliceComparison[] {
  const sign = METRICS[metric]?.greaterIsBetter === false ? -1 : 1;
  const theirs = new Map((champion ?? []).map((s) => [s.value, s]));
  const rows = candidate.map((s): SliceComparison => {
    const h = theirs.get(s.value);
    if (!champion) return { value: s.value, rows: s.rows, candidate: s.metrics, notes: s.notes };
    const deltas: Record<string, number | null> = {};
    for (const name of Object.keys(s.metrics)) {
      const a = s.metrics[name];
      const b = h?.metrics[name];
      deltas[name] = finite(a) && finite(b) ? a - b : null;
    }
    return { value: s.value, rows: s.rows, candidate: s.metrics, champion: h?.metrics ?? {}, deltas, notes: s.notes };
  });
  // Lower key = worse: the improvement over the champion, or the candidate's own value.
  const key = (r: SliceComparison): number | null => {
    const v = r.deltas ? r.deltas[metric] : r.candidate[metric];
    return finite(v) ? sign * v : null;
  };
  return rows
    .map((r, i) => ({ r, i, k: key(r) }))
    .sort((a, b) => (a.k === null ? (b.k === null ? a.i - b.i : 1) : b.k === null ? -1 : a.k - b.k || a.i - b.i))
    .map((x) => x.r);
}
