import { parse as parseYaml } from "yaml";
import type { DataFormat } from "../data";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { chiSquareHomogeneity, jensenShannonDistance } from "./categorical-tests";
import { renderDriftHtml } from "./drift-report-html";
import { renderDriftMarkdown } from "./drift-report-markdown";
import {
  type CategoricalColumn,
  type FeatureColumn,
  type FeatureTable,
  loadFeatureTable,
  type NumericColumn,
} from "./feature-table";
import { type KsResult, ksTwoSample, psiFromCounts, psiSorted, std, wassersteinSorted } from "./numeric-tests";

export type NumericMethod = "ks" | "psi" | "wasserstein";
export type CategoricalMethod = "chi2" | "jensen_shannon" | "psi";

/**
 * When a feature drifts, per method: a p-value below ks_p_value / chi2_p_value, or a distance at or
 * above psi / wasserstein (normalised by the reference standard deviation) / jensen_shannon (base 2).
 */
export interface DriftThresholds {
  psi: number;
  ks_p_value: number;
  wasserstein: number;
  chi2_p_value: number;
  jensen_shannon: number;
}

export const DEFAULT_THRESHOLDS: DriftThresholds = {
  psi: 0.2,
  ks_p_value: 0.05,
  wasserstein: 0.1,
  chi2_p_value: 0.05,
  jensen_shannon: 0.1,
};

/** method "auto" uses the statistical tests up to this many values per side, distances above it. */
export const AUTO_TEST_MAX_N = 1000;

/** The method each threshold belongs to. */
const THRESHOLD_METHOD: Record<keyof DriftThresholds, FeatureDrift["method"]> = {
  psi: "psi",
  ks_p_value: "ks",
  wasserstein: "wasserstein",
  chi2_p_value: "chi2",
  jensen_shannon: "jensen_shannon",
};

export type DriftMethods = { numeric?: NumericMethod | "auto"; categorical?: CategoricalMethod | "auto" };

const NUMERIC_METHODS: readonly string[] = ["ks", "psi", "wasserstein"];
const CATEGORICAL_METHODS: readonly string[] = ["chi2", "jensen_shannon", "psi"];

/**
 * The `method` input: `auto`; one method, for every feature type it applies to (psi: both, ks and
 * wasserstein: numeric, chi2 and jensen_shannon: categorical; the other type stays auto); or a map per
 * type, e.g. `{numeric: ks, categorical: chi2}`.
 */
/** The `method` input as written: a method name or a YAML/JSON map. */
export function parseMethodInput(text: string | undefined): DriftMethods {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new UserError(
      `method: not a method name or a YAML/JSON map (got ${shown(text)}; ${(e as Error).message.split("\n")[0]}). Write e.g. psi or {numeric: ks, categorical: chi2}.`,
    );
  }
  if (typeof value === "string") return parseDriftMethods(value);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new UserError(
      `method: not a method name or a map (got ${shown(text)}). Write e.g. psi or {numeric: ks, categorical: chi2}.`,
    );
  return parseDriftMethods(value as Record<string, unknown>);
}

export function parseDriftMethods(value: string | Record<string, unknown> | undefined): DriftMethods {
  const hint =
    "Use auto, one of ks, psi, wasserstein, chi2, jensen_shannon, or a map such as {numeric: ks, categorical: chi2}";
  if (value === undefined) return {};
  if (typeof value === "string") {
    const v = value.trim();
    if (v === "" || v === "auto") return {};
    if (!NUMERIC_METHODS.includes(v) && !CATEGORICAL_METHODS.includes(v))
      throw new UserError(`method: unknown method (got ${shown(v)}). ${hint}.`);
    return {
      ...(NUMERIC_METHODS.includes(v) ? { numeric: v as NumericMethod } : {}),
      ...(CATEGORICAL_METHODS.includes(v) ? { categorical: v as CategoricalMethod } : {}),
    };
  }
  const out: DriftMethods = {};
  for (const [kind, m] of Object.entries(value)) {
    const allowed = kind === "numeric" ? NUMERIC_METHODS : kind === "categorical" ? CATEGORICAL_METHODS : undefined;
    if (!allowed)
      throw new UserError(
        `method: unknown feature type ${shown(kind)} (got ${shown(value)}). The types are numeric and categorical. ${hint}.`,
      );
    if (m !== "auto" && (typeof m !== "string" || !allowed.includes(m)))
      throw new UserError(
        `method: ${kind}: ${shown(m)} is not a ${kind} method (got ${shown(value)}). Use auto or one of ${allowed.join(", ")}.`,
      );
    if (m !== "auto") (out as Record<string, string>)[kind] = m as string;
  }
  return out;
}

export interface DetectDriftOptions {
  /** Reference data (a CSV/Parquet/JSON Lines path, or a table built with featureTable()). */
  reference: string | FeatureTable;
  current: string | FeatureTable;
  format?: DataFormat;
  /** Features to compare (default: every reference column except `label`). */
  features?: string[];
  /** Left out of the comparison. */
  label?: string;
  /** Columns to treat as categorical even when numeric. */
  categorical?: string[];
  /**
   * Which statistic decides per kind. "auto" (default): KS / chi-square when both sides have at most
   * 1000 values, normalised Wasserstein / Jensen-Shannon above (tests flag negligible shifts on big samples).
   */
  methods?: DriftMethods;
  thresholds?: Partial<DriftThresholds>;
  /** The dataset drifts when the share of drifted features is at least this (default 0.5). */
  driftShare?: number;
  /**
   * Prediction drift: score both tables with the model (e.g. onnxScorer()) and compare the score
   * distributions like a numeric feature. Reported separately; not counted in the drift share.
   */
  predict?: (table: FeatureTable) => Promise<Float64Array>;
  /** Columns the model reads that are not among `features` (loaded for `predict`, not compared), e.g. scorer.features. */
  predictColumns?: string[];
  /** Heading of the reports. */
  title?: string;
  logger?: Logger;
}

export interface SideSummary {
  count: number;
  missing: number;
  /** Present but not a number in a numeric feature (current data only). */
  invalid?: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  /** Categorical: distinct values. */
  distinct?: number;
}

export interface FeatureDrift {
  feature: string;
  kind: "numeric" | "categorical";
  /** The method that decided (see DriftThresholds). */
  method: "ks" | "psi" | "wasserstein" | "chi2" | "jensen_shannon";
  /** That method's score: a p-value for ks/chi2, a distance otherwise. */
  score: number;
  threshold: number;
  drifted: boolean;
  statistics: {
    ks?: KsResult;
    wasserstein?: number;
    /** Wasserstein divided by the reference standard deviation (ddof 0), floored at 1e-3. */
    wassersteinNormed?: number;
    psi?: number;
    chi2?: { statistic: number; pvalue: number; dof: number };
    jensenShannon?: number;
  };
  reference: SideSummary;
  current: SideSummary;
  /** Shares per bin (numeric, edges has bins + 1 entries) or per category (labels). */
  histogram: { edges?: number[]; labels?: string[]; reference: number[]; current: number[] };
}

export interface DriftResult {
  drifted: boolean;
  /** Columns left out of the default feature list, and why (identifiers unique per row). */
  leftOut: { column: string; why: string }[];
  /** Share of compared features that drifted. */
  driftShare: number;
  /** The driftShare threshold used. */
  driftShareThreshold: number;
  features: FeatureDrift[];
  prediction?: FeatureDrift;
  /** Self-contained HTML page (inline CSS and SVG, no scripts, no network). */
  reportHtml: string;
  /** Markdown summary for the job summary. */
  reportMarkdown: string;
}

/**
 * Compare current data with the reference feature by feature and decide dataset drift.
 * Numeric features: exact statistics on sorted float64 copies (KS, Wasserstein, PSI), so memory is
 * 8 bytes × rows × numeric features per side, plus one sorted copy of the feature being compared.
 */
export async function detectDrift(options: DetectDriftOptions): Promise<DriftResult> {
  const logger = options.logger ?? silentLogger;
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const shareThreshold = options.driftShare ?? 0.5;
  if (!(shareThreshold >= 0 && shareThreshold <= 1)) {
    throw new UserError(
      `drift-share: must be between 0 and 1 (got ${shown(shareThreshold)}). Set e.g. drift-share: 0.5.`,
    );
  }
  const categoricalList = options.categorical ?? [];
  // With a model and no features, the features are what the model reads.
  const requested =
    options.features ?? (options.predict && options.predictColumns?.length ? options.predictColumns : undefined);
  const reference =
    typeof options.reference === "string"
      ? await loadFeatureTable(options.reference, {
          format: options.format,
          input: "reference",
          logger,
          kinds: Object.fromEntries(categoricalList.map((c) => [c, "categorical" as const])),
          columns: requested ? [...new Set([...requested, ...(options.predictColumns ?? [])])] : undefined,
        })
      : options.reference;
  if (requested === undefined) {
    // Every column is compared, so a typo here would silently compare the label or misread a kind.
    const named: [string, string[]][] = [
      ["categorical", categoricalList],
      ["label", options.label ? [options.label] : []],
    ];
    for (const [input, names] of named) {
      const unknown = names.find((n) => !reference.data.has(n));
      if (unknown !== undefined) {
        throw new UserError(
          `${input}: column ${shown(unknown)} not found in the reference (columns: ${reference.columns.join(", ")}). Use one of them.`,
        );
      }
    }
  }
  let features = requested ?? reference.columns.filter((c) => c !== options.label);
  // Row identifiers (UDI, Product ID) differ between any two samples: compared, they always "drift".
  // Candidates are unique per row in the reference; the current data confirms them (below).
  const identifiers =
    requested === undefined ? features.filter((c) => c !== options.label && uniquePerRow(reference.data.get(c))) : [];
  for (const f of features) {
    if (!reference.data.has(f)) {
      throw new UserError(
        `features: column ${shown(f)} not found in the reference (columns: ${reference.columns.join(", ")}). Use one of them.`,
      );
    }
  }
  features = features.filter((f) => f !== options.label);
  if (features.length === 0) {
    throw new UserError(
      `features: nothing to compare (got ${shown(options.features ?? [])}). List at least one feature column.`,
    );
  }
  // The reference decides each feature's kind; the current data is read with the same kinds.
  const kinds: Record<string, "numeric" | "categorical"> = {};
  const loaded = [...new Set([...features, ...(options.predict ? (options.predictColumns ?? []) : [])])];
  for (const f of loaded) {
    const col = reference.data.get(f);
    kinds[f] = categoricalList.includes(f) || col?.kind === "categorical" ? "categorical" : "numeric";
  }
  const current =
    typeof options.current === "string"
      ? await loadFeatureTable(options.current, {
          format: options.format,
          input: "current",
          logger,
          kinds,
          columns: loaded,
        })
      : options.current;
  for (const f of features) {
    if (!current.data.has(f)) {
      throw new UserError(
        `current: column ${shown(f)} not found (columns: ${current.columns.join(", ")}). The current data needs the reference's feature columns.`,
      );
    }
  }
  const leftOut: DriftResult["leftOut"] = identifiers
    .filter((c) => disjoint(reference.data.get(c)!, current.data.get(c)!))
    .map((column) => ({ column, why: "unique per row, no value shared with the current data" }));
  if (leftOut.length > 0) {
    features = features.filter((c) => !leftOut.some((l) => l.column === c));
    logger.info(
      `detect-drift: left out ${leftOut.map((l) => l.column).join(", ")} (unique per row: row identifiers); list features: to compare them anyway.`,
    );
    if (features.length === 0)
      throw new UserError(
        `features: every column is unique per row (got ${leftOut.map((l) => l.column).join(", ")}). List the features to compare.`,
      );
  }

  const results: FeatureDrift[] = [];
  for (const [i, f] of features.entries()) {
    const kind = kinds[f] as "numeric" | "categorical";
    const r = reference.data.get(f);
    const c = current.data.get(f);
    if (!r || !c) continue;
    const result =
      kind === "numeric"
        ? compareNumeric(f, asNumeric(r), asNumeric(c), options.methods?.numeric ?? "auto", thresholds)
        : compareCategorical(f, asCategorical(r), asCategorical(c), options.methods?.categorical ?? "auto", thresholds);
    if (result) results.push(result);
    else logger.warning(`detect-drift: ${f} has no values in the reference or the current data; left out`);
    logger.progress({
      task: "compare features",
      done: i + 1,
      total: features.length,
      unit: "features",
      finished: i + 1 === features.length,
    });
  }
  if (results.length === 0) {
    throw new UserError(
      `features: every feature is empty in the reference or the current data (got ${features.join(", ")}). Check the files.`,
    );
  }

  let prediction: FeatureDrift | undefined;
  if (options.predict) {
    const [rs, cs] = [await options.predict(reference), await options.predict(current)];
    prediction =
      compareNumeric(
        "prediction",
        numericColumn(rs),
        numericColumn(cs),
        options.methods?.numeric ?? "auto",
        thresholds,
      ) ?? undefined;
  }

  checkThresholdsUsed(options.thresholds, [...results, ...(prediction ? [prediction] : [])], options.methods);

  const drifted = results.filter((r) => r.drifted).length;
  const share = drifted / results.length;
  const base = {
    drifted: share >= shareThreshold && drifted > 0,
    leftOut,
    driftShare: share,
    driftShareThreshold: shareThreshold,
    features: results,
    ...(prediction ? { prediction } : {}),
  };
  const title = options.title ?? "Data drift report";
  const meta = { title, referenceRows: reference.rows, currentRows: current.rows, thresholds };
  logger.info(
    `detect-drift: ${drifted} of ${results.length} features drifted (share ${share.toFixed(3)}, threshold ${shareThreshold}): ${base.drifted ? "dataset drift" : "no dataset drift"}`,
  );
  return { ...base, reportHtml: renderDriftHtml(base, meta), reportMarkdown: renderDriftMarkdown(base, meta) };
}

/**
 * Every present value differs from the others, in text (a serial id such as Product ID) or whole numbers
 * (a row number such as UDI); measurements with decimals never count. At least 20 values.
 */
function uniquePerRow(col: FeatureColumn | undefined): boolean {
  const MIN_ROWS = 20;
  if (!col) return false;
  if (col.kind === "categorical") {
    let present = 0;
    for (const c of col.codes) if (c >= 0) present++;
    return present >= MIN_ROWS && col.categories.length === present;
  }
  const values = presentSorted(col.values);
  if (values.length < MIN_ROWS) return false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || (i > 0 && v === values[i - 1])) return false;
  }
  return true;
}

/** No value of the current data is in the reference: what two sets of rows identified by their ids look like. */
function disjoint(ref: FeatureColumn, cur: FeatureColumn): boolean {
  const seen = new Set<string | number>();
  if (ref.kind === "categorical") {
    for (const c of ref.codes) if (c >= 0) seen.add(ref.categories[c] as string);
  } else {
    for (const v of ref.values) if (!Number.isNaN(v)) seen.add(v);
  }
  let present = 0;
  if (cur.kind === "categorical") {
    for (const c of cur.codes) {
      if (c < 0) continue;
      present++;
      const t = cur.categories[c] as string;
      if (seen.has(t) || (ref.kind === "numeric" && seen.has(Number(t)))) return false;
    }
  } else {
    for (const v of cur.values) {
      if (Number.isNaN(v)) continue;
      present++;
      if (seen.has(v) || seen.has(String(v))) return false;
    }
  }
  return present > 0;
}

/** A threshold for a method no feature was decided by would silently do nothing: that is an error. */
function checkThresholdsUsed(
  given: Partial<DriftThresholds> | undefined,
  results: FeatureDrift[],
  methods: DriftMethods | undefined,
): void {
  const used = new Map<string, number>();
  for (const r of results) used.set(r.method, (used.get(r.method) ?? 0) + 1);
  for (const key of Object.keys(given ?? {}) as (keyof DriftThresholds)[]) {
    const method = THRESHOLD_METHOD[key];
    if (method === undefined || used.has(method)) continue;
    const decided = [...used].map(([m, n]) => `${m} for ${n} feature${n === 1 ? "" : "s"}`).join(", ");
    const auto =
      !methods?.numeric || !methods?.categorical
        ? ` (method auto takes the tests up to ${AUTO_TEST_MAX_N} values per side, the distances above)`
        : "";
    const kind = method === "psi" ? "" : NUMERIC_METHODS.includes(method) ? "{numeric: " : "{categorical: ";
    throw new UserError(
      `thresholds: ${key} is set but no feature was decided by ${method} (got ${decided}${auto}). Set method: ${kind ? `${kind}${method}}` : method} to use it, or remove ${key}.`,
    );
  }
}

export interface ReportMeta {
  title: string;
  referenceRows: number;
  currentRows: number;
  thresholds: DriftThresholds;
}

function numericColumn(values: Float64Array): NumericColumn {
  return { kind: "numeric", values, invalid: 0 };
}

function asNumeric(col: NumericColumn | CategoricalColumn): NumericColumn {
  if (col.kind === "numeric") return col;
  // A categorical current column against a numeric reference: numbers kept, the rest invalid.
  const values = new Float64Array(col.codes.length);
  let invalid = 0;
  col.codes.forEach((code, i) => {
    const v = code < 0 ? Number.NaN : Number(col.categories[code]);
    if (code >= 0 && Number.isNaN(v)) invalid++;
    values[i] = v;
  });
  return { kind: "numeric", values, invalid };
}

function asCategorical(col: NumericColumn | CategoricalColumn): CategoricalColumn {
  if (col.kind === "categorical") return col;
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(col.values.length);
  col.values.forEach((v, i) => {
    if (Number.isNaN(v)) {
      codes[i] = -1;
      return;
    }
    const t = String(v);
    let code = index.get(t);
    if (code === undefined) {
      code = categories.length;
      categories.push(t);
      index.set(t, code);
    }
    codes[i] = code;
  });
  return { kind: "categorical", codes, categories };
}

/** Present values, sorted ascending, in a new array. */
function presentSorted(values: Float64Array): Float64Array {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (const v of values) if (!Number.isNaN(v)) out[k++] = v;
  return out.sort();
}

function summarize(sorted: Float64Array, total: number, invalid: number): SideSummary {
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    missing: total - sorted.length - invalid,
    ...(invalid > 0 ? { invalid } : {}),
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    std: std(sorted),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

const HISTOGRAM_BINS = 24;

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] as number;
}

function histogram(a: Float64Array, b: Float64Array): { edges: number[]; reference: number[]; current: number[] } {
  // Shared equal-width bins over the 0.5%-99.5% range of both samples; values outside go to the end bins.
  let lo = Math.min(quantile(a, 0.005), quantile(b, 0.005));
  let hi = Math.max(quantile(a, 0.995), quantile(b, 0.995));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / HISTOGRAM_BINS;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => lo + i * width);
  const shares = (s: Float64Array) => {
    const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
    for (const v of s) {
      const k = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((v - lo) / width)));
      counts[k] = (counts[k] as number) + 1;
    }
    return counts.map((c) => c / s.length);
  };
  return { edges, reference: shares(a), current: shares(b) };
}

function compareNumeric(
  feature: string,
  ref: NumericColumn,
  cur: NumericColumn,
  method: NumericMethod | "auto",
  t: DriftThresholds,
): FeatureDrift | undefined {
  const a = presentSorted(ref.values);
  const b = presentSorted(cur.values);
  if (a.length === 0 || b.length === 0) return undefined;
  const ks = ksTwoSample(a, b);
  const wasserstein = wassersteinSorted(a, b);
  const refStd = std(a);
  const wassersteinNormed = wasserstein / Math.max(refStd, 1e-3);
  const psi = psiSorted(a, b).psi;
  const chosen: NumericMethod =
    method === "auto" ? (Math.max(a.length, b.length) <= AUTO_TEST_MAX_N ? "ks" : "wasserstein") : method;
  const [score, threshold, drifted] =
    chosen === "ks"
      ? [ks.pvalue, t.ks_p_value, ks.pvalue < t.ks_p_value]
      : chosen === "psi"
        ? [psi, t.psi, psi >= t.psi]
        : [wassersteinNormed, t.wasserstein, wassersteinNormed >= t.wasserstein];
  return {
    feature,
    kind: "numeric",
    method: chosen,
    score,
    threshold,
    drifted,
    statistics: { ks, wasserstein, wassersteinNormed, psi },
    reference: summarize(a, ref.values.length, 0),
    current: summarize(b, cur.values.length, cur.invalid),
    histogram: histogram(a, b),
  };
}

const MAX_CATEGORIES_SHOWN = 12;

function compareCategorical(
  feature: string,
  ref: CategoricalColumn,
  cur: CategoricalColumn,
  method: CategoricalMethod | "auto",
  t: DriftThresholds,
): FeatureDrift | undefined {
  // Count both sides over the union of categories.
  const labels = [...ref.categories];
  const index = new Map(labels.map((l, i) => [l, i]));
  for (const c of cur.categories) {
    if (!index.has(c)) {
      index.set(c, labels.length);
      labels.push(c);
    }
  }
  const rc = new Array<number>(labels.length).fill(0);
  const cc = new Array<number>(labels.length).fill(0);
  let rMissing = 0;
  let cMissing = 0;
  for (const code of ref.codes) {
    if (code < 0) rMissing++;
    else rc[code] = (rc[code] as number) + 1;
  }
  const curToUnion = cur.categories.map((c) => index.get(c) as number);
  for (const code of cur.codes) {
    if (code < 0) cMissing++;
    else {
      const u = curToUnion[code] as number;
      cc[u] = (cc[u] as number) + 1;
    }
  }
  const rn = ref.codes.length - rMissing;
  const cn = cur.codes.length - cMissing;
  if (rn === 0 || cn === 0) return undefined;
  const chi2 = chiSquareHomogeneity(rc, cc);
  const jensenShannon = jensenShannonDistance(rc, cc);
  const psi = psiFromCounts(rc, cc);
  const chosen: CategoricalMethod =
    method === "auto" ? (Math.max(rn, cn) <= AUTO_TEST_MAX_N ? "chi2" : "jensen_shannon") : method;
  const [score, threshold, drifted] =
    chosen === "chi2"
      ? [chi2.pvalue, t.chi2_p_value, chi2.pvalue < t.chi2_p_value]
      : chosen === "psi"
        ? [psi, t.psi, psi >= t.psi]
        : [jensenShannon, t.jensen_shannon, jensenShannon >= t.jensen_shannon];
  // Histogram: the most frequent categories (by both sides), the rest as "(other)".
  const order = labels
    .map((_, i) => i)
    .sort(
      (x, y) => (rc[y] as number) / rn + (cc[y] as number) / cn - ((rc[x] as number) / rn + (cc[x] as number) / cn),
    );
  const top = order.slice(0, MAX_CATEGORIES_SHOWN);
  const rest = order.slice(MAX_CATEGORIES_SHOWN);
  const hist = {
    labels: top.map((i) => labels[i] as string),
    reference: top.map((i) => (rc[i] as number) / rn),
    current: top.map((i) => (cc[i] as number) / cn),
  };
  if (rest.length > 0) {
    hist.labels.push(`(${rest.length} other)`);
    hist.reference.push(rest.reduce((s, i) => s + (rc[i] as number), 0) / rn);
    hist.current.push(rest.reduce((s, i) => s + (cc[i] as number), 0) / cn);
  }
  return {
    feature,
    kind: "categorical",
    method: chosen,
    score,
    threshold,
    drifted,
    statistics: { chi2, jensenShannon, psi },
    reference: { count: rn, missing: rMissing, distinct: rc.filter((x) => x > 0).length },
    current: { count: cn, missing: cMissing, distinct: cc.filter((x) => x > 0).length },
    histogram: hist,
  };
}
