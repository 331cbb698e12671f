import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { defaultPrimaryMetric, METRICS, type MetricValues, type Predictions, type Task } from "../metrics";
import { formatNumber } from "../report";
import { type BootstrapResult, pairedBootstrap, type SignificanceOptions } from "./bootstrap";
import { checkMetricName, type Threshold } from "./rule-parsers";

/** The gates of compare-models, as the action passes them (already parsed). See README.md for the MLflow mapping. */
export interface Rules {
  /** Metric the comparison is decided on; default roc_auc (binary), f1_macro (multiclass), rmse (regression). */
  primaryMetric?: string;
  /** Absolute improvement of the primary metric over the champion. 0/unset: strictly better. */
  minImprovement?: number;
  /** Relative improvement in (0, 1) of the primary metric: (candidate − champion) / champion (reversed when lower is better). */
  minRelativeImprovement?: number;
  /** Per metric, the largest allowed worsening against the champion, absolute, in the metric's unit. */
  maxRegression?: Record<string, number>;
  /** Floors/ceilings on the candidate's metrics; they apply with or without a champion. */
  thresholds?: Threshold[];
  /** Paired bootstrap over rows of the primary metric's difference; the candidate must be better with this confidence. */
  significance?: SignificanceOptions;
  /** Largest allowed gap (max − min) of the candidate's primary metric across slices. */
  maxSliceGap?: number;
  /** Largest allowed worsening of the primary metric on any slice against the champion's same slice. */
  maxSliceRegression?: number;
}

export interface ModelEvaluation {
  metrics: MetricValues;
  /** Row-level predictions: needed by `significance`. */
  predictions?: Predictions;
}

/** The candidate's metrics on one slice of the data (e.g. SliceMetrics from shared/metrics). */
export interface SliceEvaluation {
  value: string;
  rows: number;
  metrics: MetricValues;
}

export interface DecideInput {
  task: Task;
  candidate: ModelEvaluation;
  /** Absent: no champion yet (first model); only candidate-only rules apply. */
  champion?: ModelEvaluation;
  rules?: Rules;
  slices?: SliceEvaluation[];
  /** The significance bootstrap, already computed (a streaming or sharded evaluation); else run on the predictions. */
  bootstrap?: BootstrapResult;
  /** The champion's metrics on the same slices (same `value`s), for maxSliceRegression. */
  championSlices?: SliceEvaluation[];
  logger?: Logger;
}

export type RuleName =
  | "improvement"
  | "relative-improvement"
  | "significance"
  | "max-regression"
  | "threshold"
  | "max-slice-gap"
  | "max-slice-regression";

export interface RuleResult {
  rule: RuleName;
  metric: string;
  passed: boolean;
  /** One human clause saying what was compared, e.g. "roc_auc 0.84 ≥ 0.8". */
  detail: string;
  candidate?: number | null;
  champion?: number | null;
  /** The bound the candidate was held to, when there is one. */
  limit?: number;
}

export interface Decision {
  decision: "promote" | "reject";
  /** The candidate beats the champion on the primary metric under every comparison rule (true without a champion). */
  isBetter: boolean;
  /** One sentence naming the rule that decided. */
  reason: string;
  primaryMetric: string;
  /** Every rule evaluated, in order of precedence; all failures are listed, not only the first. */
  rules: RuleResult[];
  /** candidate − champion per metric (null when either is undefined); empty without a champion. */
  deltas: Record<string, number | null>;
  bootstrap?: BootstrapResult;
}

/** MLflow's fallback margin when the baseline is 0 for a relative change. */
const RELATIVE_ZERO_MARGIN = 1e-10;

/** A metric value in a sentence: the one number format of the reports, "undefined" when there is none. */
export function formatMetric(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? "undefined" : formatNumber(v);
}

const signed = (v: number) => (v > 0 ? `+${formatMetric(v)}` : formatMetric(v));

function finiteAtLeast(input: string, value: number | undefined, min: number, hint: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new UserError(`${input}: must be a number ≥ ${min} (got ${shown(value)}). ${hint}.`);
  }
}

function validateRules(task: Task, rules: Rules, primaryMetric: string): void {
  checkMetricName("primary-metric", primaryMetric, task);
  finiteAtLeast(
    "min-improvement",
    rules.minImprovement,
    0,
    "Give the absolute gain required on the primary metric, e.g. 0.01",
  );
  const r = rules.minRelativeImprovement;
  if (r !== undefined && !(typeof r === "number" && r > 0 && r < 1)) {
    throw new UserError(
      `min-relative-improvement: must be a fraction between 0 and 1, exclusive (got ${shown(r)}). Write 5 % as 0.05.`,
    );
  }
  for (const [metric, limit] of Object.entries(rules.maxRegression ?? {})) {
    checkMetricName("max-regression", metric, task);
    finiteAtLeast(
      `max-regression: ${metric}`,
      limit,
      0,
      `Give the allowed worsening in ${metric}'s own unit, e.g. 0.01`,
    );
  }
  for (const t of rules.thresholds ?? []) {
    checkMetricName("thresholds", t.metric, task);
    if ((t.op !== ">=" && t.op !== "<=") || !Number.isFinite(t.value)) {
      throw new UserError(
        `thresholds: a rule on ${t.metric} must compare with >= or <= against a number (got ${shown(`${t.op} ${t.value}`)}). Write e.g. "${t.metric} >= 0.8".`,
      );
    }
  }
  const s = rules.significance;
  if (s !== undefined) {
    if (!(typeof s.confidence === "number" && s.confidence > 0 && s.confidence < 1)) {
      throw new UserError(
        `significance: confidence must be between 0 and 1, exclusive (got ${shown(s.confidence)}). Use e.g. 0.95.`,
      );
    }
    if (!(Number.isInteger(s.samples) && s.samples >= 10 && s.samples <= 1_000_000)) {
      throw new UserError(
        `significance: samples must be a whole number of resamples from 10 to 1000000 (got ${shown(s.samples)}). Use e.g. 1000.`,
      );
    }
    if (!Number.isSafeInteger(s.seed)) {
      throw new UserError(`significance: seed must be a whole number (got ${shown(s.seed)}). Use e.g. 42.`);
    }
  }
  finiteAtLeast(
    "max-slice-gap",
    rules.maxSliceGap,
    0,
    "Give the largest allowed spread of the primary metric across slices, e.g. 0.05",
  );
  finiteAtLeast(
    "max-slice-regression",
    rules.maxSliceRegression,
    0,
    "Give the largest allowed worsening of the primary metric on one slice against the champion's, e.g. 0.02",
  );
}

const metricValue = (m: MetricValues | undefined, name: string): number | null => {
  const v = m?.[name];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};

function improvementRule(metric: string, c: number | null, h: number | null, minImprovement: number): RuleResult {
  const gib = METRICS[metric]!.greaterIsBetter;
  const base = { rule: "improvement" as const, metric, candidate: c, champion: h };
  if (c === null) return { ...base, passed: false, detail: `the candidate has no ${metric} value` };
  if (h === null) return { ...base, passed: false, detail: `the champion has no ${metric} value to compare with` };
  const better = gib ? "higher" : "lower";
  if (minImprovement > 0) {
    const limit = gib ? h + minImprovement : h - minImprovement;
    const passed = gib ? c >= limit : c <= limit;
    const cmp = gib ? "≥" : "≤";
    return {
      ...base,
      limit,
      passed,
      detail: `${metric} ${formatMetric(c)} vs champion ${formatMetric(h)} (${signed(c - h)}) ${passed ? "meets" : "misses"} the required ${cmp} ${formatMetric(limit)} (min improvement ${formatMetric(minImprovement)}, ${better} is better)`,
    };
  }
  const passed = gib ? c > h : c < h;
  return {
    ...base,
    limit: h,
    passed,
    detail: passed
      ? `${metric} ${formatMetric(c)} beats champion ${formatMetric(h)} (${signed(c - h)}, ${better} is better)`
      : `${metric} ${formatMetric(c)} is not better than champion ${formatMetric(h)} (${signed(c - h)}, ${better} is better)`,
  };
}

function relativeRule(metric: string, c: number | null, h: number | null, r: number): RuleResult {
  const gib = METRICS[metric]!.greaterIsBetter;
  const base = { rule: "relative-improvement" as const, metric, candidate: c, champion: h };
  if (c === null) return { ...base, passed: false, detail: `the candidate has no ${metric} value` };
  if (h === null) return { ...base, passed: false, detail: `the champion has no ${metric} value to compare with` };
  if (h === 0) {
    // MLflow: with a zero baseline the relative change is undefined; the candidate must beat it by 1e-10.
    const limit = gib ? RELATIVE_ZERO_MARGIN : -RELATIVE_ZERO_MARGIN;
    const passed = gib ? c >= limit : c <= limit;
    return {
      ...base,
      limit,
      passed,
      detail: `champion ${metric} is 0, so the relative change is undefined; candidate ${formatMetric(c)} ${passed ? "beats" : "does not beat"} it`,
    };
  }
  const change = gib ? (c - h) / h : (h - c) / h;
  const passed = change >= r;
  return {
    ...base,
    limit: gib ? h * (1 + r) : h * (1 - r),
    passed,
    detail: `${metric} changed by ${formatMetric(change * 100)} % relative to champion ${formatMetric(h)} (candidate ${formatMetric(c)}), ${passed ? "at least" : "less than"} the required ${formatMetric(r * 100)} %`,
  };
}

function regressionRule(metric: string, c: number | null, h: number | null, allowed: number): RuleResult {
  const gib = METRICS[metric]!.greaterIsBetter;
  const base = { rule: "max-regression" as const, metric, candidate: c, champion: h };
  if (c === null) return { ...base, passed: false, detail: `the candidate has no ${metric} value` };
  if (h === null) {
    return {
      ...base,
      passed: true,
      detail: `the champion has no ${metric} value, so there is nothing to regress from`,
    };
  }
  const worsening = gib ? h - c : c - h;
  const limit = gib ? h - allowed : h + allowed;
  // A relative slack of 1e-12 so that a worsening equal to the allowance on paper (0.72 − 0.71 vs 0.01) passes.
  const passed = worsening <= allowed + 1e-12 * Math.max(1, Math.abs(h));
  return {
    ...base,
    limit,
    passed,
    detail:
      worsening > 0
        ? `${metric} worsened by ${formatMetric(worsening)} (champion ${formatMetric(h)}, candidate ${formatMetric(c)}), ${passed ? "within" : "more than"} the allowed ${formatMetric(allowed)}`
        : `${metric} did not worsen (champion ${formatMetric(h)}, candidate ${formatMetric(c)})`,
  };
}

function thresholdRule(t: Threshold, c: number | null): RuleResult {
  const base = { rule: "threshold" as const, metric: t.metric, candidate: c, limit: t.value };
  if (c === null)
    return {
      ...base,
      passed: false,
      detail: `the candidate has no ${t.metric} value to check against ${t.op} ${formatMetric(t.value)}`,
    };
  const passed = t.op === ">=" ? c >= t.value : c <= t.value;
  const sym = t.op === ">=" ? "≥" : "≤";
  return {
    ...base,
    passed,
    detail: `${t.metric} ${formatMetric(c)} ${passed ? "is" : "is not"} ${sym} ${formatMetric(t.value)}`,
  };
}

function sliceGapRule(metric: string, slices: SliceEvaluation[], maxGap: number): RuleResult {
  const defined = slices.filter((s) => metricValue(s.metrics, metric) !== null);
  const skipped = slices.filter((s) => metricValue(s.metrics, metric) === null).map((s) => s.value);
  const skippedText = skipped.length > 0 ? `; slices without a value: ${skipped.join(", ")}` : "";
  const base = { rule: "max-slice-gap" as const, metric, limit: maxGap };
  if (defined.length < 2) {
    return {
      ...base,
      passed: true,
      detail: `fewer than 2 slices have a ${metric} value, so there is no gap${skippedText}`,
    };
  }
  let lo = defined[0]!;
  let hi = defined[0]!;
  for (const s of defined) {
    if (metricValue(s.metrics, metric)! < metricValue(lo.metrics, metric)!) lo = s;
    if (metricValue(s.metrics, metric)! > metricValue(hi.metrics, metric)!) hi = s;
  }
  const gap = metricValue(hi.metrics, metric)! - metricValue(lo.metrics, metric)!;
  const passed = gap <= maxGap;
  return {
    ...base,
    candidate: gap,
    passed,
    detail: `${metric} differs by ${formatMetric(gap)} across slices (${hi.value}: ${formatMetric(metricValue(hi.metrics, metric))}, ${lo.value}: ${formatMetric(metricValue(lo.metrics, metric))}), ${passed ? "within" : "more than"} the allowed ${formatMetric(maxGap)}${skippedText}`,
  };
}

/**
 * Each slice of the candidate against the champion's same slice: the primary metric may get worse by at
 * most `maxWorsening` on every slice both have a value for. The worst slice decides.
 */
function sliceRegressionRule(
  metric: string,
  candidate: SliceEvaluation[],
  champion: SliceEvaluation[],
  maxWorsening: number,
): RuleResult {
  const gib = METRICS[metric]!.greaterIsBetter;
  const theirs = new Map(champion.map((s) => [s.value, s]));
  const base = { rule: "max-slice-regression" as const, metric, limit: maxWorsening };
  let worst: { value: string; c: number; h: number; worsening: number } | undefined;
  const skipped: string[] = [];
  for (const s of candidate) {
    const c = metricValue(s.metrics, metric);
    const h = metricValue(theirs.get(s.value)?.metrics, metric);
    if (c === null || h === null) {
      skipped.push(s.value);
      continue;
    }
    const worsening = gib ? h - c : c - h;
    if (!worst || worsening > worst.worsening) worst = { value: s.value, c, h, worsening };
  }
  const skippedText = skipped.length > 0 ? `; slices without a value for both: ${skipped.join(", ")}` : "";
  if (!worst) return { ...base, passed: true, detail: `no slice has a ${metric} value for both models${skippedText}` };
  // The same relative slack as max-regression: a worsening equal to the allowance on paper passes.
  const passed = worst.worsening <= maxWorsening + 1e-12 * Math.max(1, Math.abs(worst.h));
  const what =
    worst.worsening > 0
      ? `${metric} worsened most on slice ${worst.value}: ${formatMetric(worst.c)} vs the champion's ${formatMetric(worst.h)} (by ${formatMetric(worst.worsening)})`
      : `${metric} did not worsen on any slice (closest: ${worst.value}, ${formatMetric(worst.c)} vs the champion's ${formatMetric(worst.h)})`;
  return {
    ...base,
    candidate: worst.c,
    champion: worst.h,
    passed,
    detail: `${what}, ${passed ? "within" : "more than"} the allowed ${formatMetric(maxWorsening)}${skippedText}`,
  };
}

function significanceRule(metric: string, result: BootstrapResult): RuleResult {
  const pct = formatMetric(result.confidence * 100);
  const lower = Number.isFinite(result.lower) ? formatMetric(result.lower) : "undefined";
  const undefinedText = result.undefinedSamples > 0 ? `, ${result.undefinedSamples} resamples undefined` : "";
  return {
    rule: "significance",
    metric,
    passed: result.better,
    candidate: result.observed,
    limit: 0,
    detail: result.better
      ? `${metric} is better with ${pct} % confidence (paired bootstrap, ${result.samples} resamples: lower bound of the improvement ${lower} > 0, better in ${formatMetric(result.probabilityBetter * 100)} % of resamples${undefinedText})`
      : `${metric} is not better with ${pct} % confidence (paired bootstrap, ${result.samples} resamples: lower bound of the improvement ${lower} ≤ 0, better in only ${formatMetric(result.probabilityBetter * 100)} % of resamples${undefinedText})`,
  };
}

/**
 * Decides whether the candidate replaces the champion. Evaluates every configured rule, lists every failure,
 * and promotes only when all pass. Throws UserError on invalid rules.
 */
export function decide(input: DecideInput): Decision {
  const { task, candidate, champion } = input;
  const rules = input.rules ?? {};
  const logger = input.logger ?? silentLogger;
  const primaryMetric = rules.primaryMetric ?? defaultPrimaryMetric(task);
  validateRules(task, rules, primaryMetric);

  const results: RuleResult[] = [];
  let bootstrap: BootstrapResult | undefined;
  const deltas: Record<string, number | null> = {};
  const c = metricValue(candidate.metrics, primaryMetric);

  if (champion !== undefined) {
    const h = metricValue(champion.metrics, primaryMetric);
    for (const name of new Set([...Object.keys(candidate.metrics), ...Object.keys(champion.metrics)])) {
      const a = metricValue(candidate.metrics, name);
      const b = metricValue(champion.metrics, name);
      deltas[name] = a === null || b === null ? null : a - b;
    }
    results.push(improvementRule(primaryMetric, c, h, rules.minImprovement ?? 0));
    if (rules.minRelativeImprovement !== undefined) {
      results.push(relativeRule(primaryMetric, c, h, rules.minRelativeImprovement));
    }
    if (rules.significance !== undefined && input.bootstrap !== undefined) {
      bootstrap = input.bootstrap;
      results.push(significanceRule(primaryMetric, bootstrap));
    } else if (rules.significance !== undefined) {
      if (candidate.predictions === undefined || champion.predictions === undefined) {
        throw new Error("decide: significance needs the row-level predictions of both models");
      }
      bootstrap = pairedBootstrap(
        primaryMetric,
        candidate.predictions,
        champion.predictions,
        rules.significance,
        logger,
      );
      results.push(significanceRule(primaryMetric, bootstrap));
    }
    for (const [metric, allowed] of Object.entries(rules.maxRegression ?? {})) {
      results.push(
        regressionRule(metric, metricValue(candidate.metrics, metric), metricValue(champion.metrics, metric), allowed),
      );
    }
  }
  for (const t of rules.thresholds ?? []) results.push(thresholdRule(t, metricValue(candidate.metrics, t.metric)));
  if (rules.maxSliceGap !== undefined && input.slices !== undefined) {
    results.push(sliceGapRule(primaryMetric, input.slices, rules.maxSliceGap));
  }
  if (rules.maxSliceRegression !== undefined && champion !== undefined && input.slices && input.championSlices) {
    results.push(sliceRegressionRule(primaryMetric, input.slices, input.championSlices, rules.maxSliceRegression));
  }

  const comparison: RuleName[] = ["improvement", "relative-improvement", "significance"];
  const isBetter = champion === undefined || results.filter((r) => comparison.includes(r.rule)).every((r) => r.passed);
  const failed = results.filter((r) => !r.passed);
  const decision = failed.length === 0 ? "promote" : "reject";

  let reason: string;
  if (failed.length > 0) {
    const first = failed[0]!;
    const others = failed.slice(1).map((r) => `${r.rule} on ${r.metric}`);
    const more = others.length > 0 ? ` (also failed: ${others.join("; ")})` : "";
    const lead = champion === undefined ? "Reject (no champion): " : "Reject: ";
    reason = `${lead}${first.rule} rule failed: ${first.detail}${more}.`;
  } else if (champion === undefined) {
    const n = results.length;
    reason =
      n === 0
        ? `Promote: no champion to compare with, and no threshold configured.`
        : `Promote: no champion to compare with; the candidate passed ${n === 1 ? "its 1 candidate rule" : `all ${n} candidate rules`} (${[...new Set(results.map((r) => r.rule))].join(", ")}).`;
  } else {
    const main = results[0]!;
    const sig = bootstrap !== undefined ? `, significant at ${formatMetric(bootstrap.confidence * 100)} %` : "";
    reason = `Promote: ${main.detail}${sig}; ${results.length === 1 ? "it was the only rule" : `all ${results.length} rules passed`}.`;
  }
  return { decision, isBetter, reason, primaryMetric, rules: results, deltas, ...(bootstrap ? { bootstrap } : {}) };
}
