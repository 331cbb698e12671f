/**
 * The compare-models use case: resolve the candidate and the champion, evaluate both over the same data in
 * one streaming pass, compute their metrics, apply the rules, compare their contracts, and write the report.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import {
  type BootstrapResult,
  bootstrapResult,
  checkMetricName,
  type Decision,
  decide,
  formatMetric,
  parseThresholds,
  type RuleResult,
  type Rules,
} from "../decide";
import { prewarmParseWorker } from "../data";
import { isUserError, UserError } from "../errors";
import {
  type EvaluateOptions,
  type EvaluationMeta,
  EvaluationState,
  evaluateModels,
  type FinishedEvaluation,
  type ModelToEvaluate,
  type ParityReport,
  type ShardSpec,
} from "../evaluate";
import { type Logger, silentLogger } from "../log";
import { defaultPrimaryMetric, METRICS, type MetricValues, type ModelCurves, type Task } from "../metrics";
import { type ResolvedModel, resolveModel } from "../models";
import { ensureOutputDir } from "../user-files";
import { type ContractReport, compareContracts } from "./contract";
import { interfaceYaml, loadInterface } from "./interface";
import { type Provenance, renderCompareMarkdown } from "./report";
import { renderCompareHtml } from "./report-html";
import { compareSlices, type SliceComparison } from "./slices";
import { type TrainingLineage, trainingLineage } from "./training-lineage";

export interface CompareOptions {
  candidate: string;
  /**
   * Default `<model name>@champion` in `registry`; it must exist. `none` says in so many words that this
   * is the model's first release: the candidate is judged on its own.
   */
  champion?: string;
  /** Model name for the default champion when the candidate is a file. */
  modelName?: string;
  registry?: string;
  data: string;
  label: string;
  features?: string[];
  task?: Task | "auto";
  positiveLabel?: string;
  threshold?: number;
  primaryMetric?: string;
  minImprovement?: number;
  minRelativeImprovement?: number;
  maxRegression?: Record<string, number>;
  /** Lines such as `f1 >= 0.8`. */
  thresholds?: string[];
  significance?: { confidence: number; samples: number; seed: number };
  sliceBy?: string;
  maxSliceGap?: number;
  /** Largest allowed worsening of the primary metric on a slice against the champion's same slice. */
  maxSliceRegression?: number;
  parityReference?: string;
  parityTolerance?: number;
  /** A consumer interface file (interface.ts) every candidate is checked against. */
  interface?: string;
  /** A breaking contract passes the contract rule (and the decision says promote-breaking). */
  allowBreakingContract?: boolean;
  batchSize?: number;
  /** Evaluate one shard of the data (evaluateShard). */
  shard?: ShardSpec;
  /** Merge mode: folders holding every shard's state; the data is not read again. */
  states?: string[];
  /** Columns whose values name a row (bootstrap weights, shard-by rows); default file and row number. */
  idColumns?: string[];
  /** Bytes of scores kept in memory before spilling sorted runs to disk. */
  memoryBudget?: number;
  /** Where spilled runs go. */
  spillDir?: string;
  /** Where report.md, report.json and report.html go. */
  reportDir: string;
  /** The commit and run the report describes, shown at its top. */
  provenance?: Provenance;
  cwd?: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface ModelSummary {
  label: string;
  name?: string;
  version?: number;
  uri?: string;
  metrics: MetricValues;
  notes: Record<string, string>;
  confusion?: number[][];
  /** Where a registry model was trained, from its card (empty for a file). */
  training: TrainingLineage;
  /** ROC/PR/calibration/histograms (classification) or predicted-vs-actual and residuals (regression). */
  curves?: ModelCurves;
}

/** decide's rules plus the parity and contract checks, which compare-models adds. */
export type CompareRule = Omit<RuleResult, "rule"> & { rule: RuleResult["rule"] | "parity" | "contract" };

/**
 * promote-breaking: every rule passed, and the contract is breaking but allowed (allow-breaking-contract).
 * promote reads it and refuses it unless told the same in its own inputs.
 */
export type CompareDecision = Decision["decision"] | "promote-breaking";

/** `champion: none`: the workflow says this is the model's first release. */
export const NO_CHAMPION = "none";

export interface CompareResult {
  decision: CompareDecision;
  isBetter: boolean;
  reason: string;
  task: Task;
  rows: number;
  classes?: string[];
  primaryMetric: string;
  /** What decided, in one sentence for the report: the primary metric, the margins, significance on or off. */
  decidedBy: string;
  candidate: ModelSummary;
  champion?: ModelSummary;
  deltas: Record<string, number | null>;
  rules: CompareRule[];
  contract: ContractReport;
  /** The candidate's signature written as an interface file, when the contract is breaking or unchecked. */
  candidateInterface?: string;
  /** Per-slice metrics of both models, the worst slice (on the primary metric) first. */
  slices?: { column: string; metric: string; slices: SliceComparison[] };
  parity?: ParityReport;
  seconds: number;
  provenance?: Provenance;
  reportPath: string;
  jsonPath: string;
  htmlPath: string;
  markdown: string;
}

/** `name@champion` for the default champion: from the candidate's registry reference, else model-name. */
export function defaultChampion(
  candidate: ResolvedModel,
  modelName: string | undefined,
  candidateSpec: string,
): string | undefined {
  const hash = candidateSpec.lastIndexOf("#");
  const registryPrefix = hash > 0 ? candidateSpec.slice(0, hash + 1) : "";
  const name = candidate.name ?? modelName;
  return name ? `${registryPrefix}${name}@champion` : undefined;
}

function summary(
  model: ResolvedModel,
  computed: { values: MetricValues; notes: Record<string, string>; curves?: ModelCurves },
  confusion?: number[][],
): ModelSummary {
  return {
    label: model.label,
    ...(model.name ? { name: model.name } : {}),
    ...(model.version !== undefined ? { version: model.version } : {}),
    ...(model.uri ? { uri: model.uri } : {}),
    metrics: computed.values,
    notes: computed.notes,
    ...(confusion ? { confusion } : {}),
    training: trainingLineage(model.card?.lineage),
    ...(computed.curves ? { curves: computed.curves } : {}),
  };
}

interface ResolvedPair {
  candidate: ResolvedModel;
  champion: ResolvedModel | undefined;
  models: ModelToEvaluate[];
}

/**
 * The candidate and the champion, with their bytes. The champion must exist, unless `champion: none` says
 * this is the model's first release.
 */
async function resolveModels(opts: CompareOptions, logger: Logger): Promise<ResolvedPair> {
  const resolveOpts = { registry: opts.registry, cwd: opts.cwd, env: opts.env, logger };
  const candidate = (await resolveModel(opts.candidate, { ...resolveOpts, what: "candidate" }))!;
  const firstRelease = isFirstRelease(opts);
  const champion = firstRelease ? undefined : await resolveChampion(opts, candidate, resolveOpts);
  if (firstRelease) logger.info("champion: none (first release): the candidate is judged on its own.");
  const models = [{ name: "candidate", bytes: await readFile(candidate.path) }];
  if (champion) models.push({ name: "champion", bytes: await readFile(champion.path) });
  return { candidate, champion, models };
}

function evaluateOptions(opts: CompareOptions, logger: Logger): EvaluateOptions {
  return {
    data: opts.data,
    label: opts.label,
    ...(opts.features?.length ? { features: opts.features } : {}),
    task: opts.task ?? "auto",
    ...(opts.positiveLabel !== undefined ? { positiveLabel: opts.positiveLabel } : {}),
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    ...(opts.sliceBy ? { sliceBy: opts.sliceBy } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    // The report's curves, built from the same mergeable state as the metrics (so sharded runs agree).
    curves: {},
    ...(opts.parityReference
      ? {
          parity: {
            reference: opts.parityReference,
            ...(opts.parityTolerance !== undefined ? { tolerance: opts.parityTolerance } : {}),
          },
        }
      : {}),
    ...(opts.significance
      ? {
          significance: {
            ...(opts.primaryMetric ? { metric: opts.primaryMetric } : {}),
            samples: opts.significance.samples,
            seed: opts.significance.seed,
          },
        }
      : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
    ...(opts.idColumns?.length ? { idColumns: opts.idColumns } : {}),
    ...(opts.memoryBudget ? { memoryBudget: opts.memoryBudget } : {}),
    ...(opts.spillDir ? { spillDir: opts.spillDir } : {}),
    logger,
  };
}

/** The merge must decide on the models the shards evaluated: a moved alias between the jobs is refused. */
function checkSameModels(meta: EvaluationMeta, models: ModelToEvaluate[]): void {
  const now = models.map((m) => createHash("sha256").update(m.bytes).digest("hex"));
  const then = meta.models.map((m) => m.sha256);
  if (now.length !== then.length || now.some((h, i) => h !== then[i])) {
    const names = meta.models.map((m, i) => `${m.name} ${then[i]!.slice(0, 12)} → ${now[i]?.slice(0, 12) ?? "absent"}`);
    throw new UserError(
      `merge: the models differ from the ones the shards evaluated (got ${names.join(", ")}). Pin candidate and champion to versions (name@3) so every job of the run resolves the same models, and re-run.`,
    );
  }
}

/** The bootstrap was run by the shards: the merge must ask for the same one. */
function checkSameSignificance(meta: EvaluationMeta, opts: CompareOptions): void {
  const s = opts.significance;
  const had = meta.significance;
  const metric = opts.primaryMetric || defaultPrimaryMetric(meta.task);
  const want = s && meta.models.length > 1 ? `${metric}, ${s.samples} samples, seed ${s.seed}` : "off";
  const got = had ? `${had.metric}, ${had.samples} samples, seed ${had.seed}` : "off";
  if (want !== got) {
    throw new UserError(
      `significance: the merge asks for ${want} but the shards resampled with ${got} (got a different significance or primary-metric). Give the shard and merge jobs the same significance and primary-metric.`,
    );
  }
}

export interface ShardResult {
  shard: ShardSpec;
  rows: number;
  task: Task;
  stateDir: string;
  seconds: number;
  spill: { runs: number; bytes: number };
}

/**
 * Shard mode: evaluate this shard's rows and write the mergeable state to `stateDir` (compare-models
 * uploads it as an artifact; the merge job decides).
 */
export async function evaluateShard(
  opts: CompareOptions & { shard: ShardSpec; stateDir: string },
): Promise<ShardResult> {
  const logger = opts.logger ?? silentLogger;
  prewarmParseWorker();
  if (opts.thresholds?.length) parseThresholds(opts.thresholds);
  const { models } = await resolveModels(opts, logger);
  const evaluation = await evaluateModels(models, evaluateOptions(opts, logger));
  await evaluation.state.write(opts.stateDir);
  logger.info(
    `shard ${opts.shard.index}/${opts.shard.count}: ${evaluation.rows} rows evaluated, state in ${opts.stateDir}`,
  );
  return {
    shard: opts.shard,
    rows: evaluation.rows,
    task: evaluation.task,
    stateDir: opts.stateDir,
    seconds: evaluation.seconds,
    spill: evaluation.spill,
  };
}

export async function runCompareModels(opts: CompareOptions): Promise<CompareResult> {
  const logger = opts.logger ?? silentLogger;
  // The parse worker starts while the models are resolved.
  if (!opts.states) prewarmParseWorker();
  // Parse the rules first: a typo fails before minutes of evaluation.
  const thresholds = opts.thresholds?.length ? parseThresholds(opts.thresholds) : undefined;
  // Metric names too, against the task when it is given (decide checks again once auto has inferred it).
  const givenTask = opts.task === "auto" ? undefined : opts.task;
  const named = [
    ...(opts.primaryMetric ? [["primary-metric", opts.primaryMetric] as const] : []),
    ...Object.keys(opts.maxRegression ?? {}).map((m) => ["max-regression", m] as const),
  ];
  for (const [input, metric] of named) checkMetricName(input, metric, givenTask);
  if (opts.maxSliceGap !== undefined && !opts.sliceBy) {
    throw new UserError(
      `max-slice-gap: set without slice-by, so no slices would be compared (got max-slice-gap ${opts.maxSliceGap} and an empty slice-by). Set slice-by: to the column whose slices must stay within the gap, or remove max-slice-gap.`,
    );
  }
  if (opts.maxSliceRegression !== undefined && !opts.sliceBy) {
    throw new UserError(
      `max-slice-regression: set without slice-by, so no slices would be compared (got max-slice-regression ${opts.maxSliceRegression} and an empty slice-by). Set slice-by: to the column whose slices must not get worse than the champion's, or remove max-slice-regression.`,
    );
  }

  await ensureOutputDir(opts.reportDir, "report-dir");
  const iface = opts.interface ? await loadInterface(opts.interface) : undefined;

  const firstRelease = isFirstRelease(opts);
  const { candidate, champion, models } = await resolveModels(opts, logger);
  let meta: EvaluationMeta;
  let state: EvaluationState;
  let parityReport: ParityReport | undefined;
  let seconds: number;
  if (opts.states) {
    // Merge mode: the shards evaluated; this job merges their states and decides.
    const started = performance.now();
    state = await EvaluationState.read(opts.states);
    checkSameModels(state.meta, models);
    checkSameSignificance(state.meta, opts);
    meta = state.meta;
    seconds = (performance.now() - started) / 1000;
    logger.info(`merge: ${opts.states.length} shard states, ${meta.rows} rows`);
  } else {
    const evaluation = await evaluateModels(models, evaluateOptions(opts, logger));
    state = evaluation.state;
    meta = state.meta;
    parityReport = evaluation.parity;
    seconds = evaluation.seconds;
  }
  requireClasses(state.states[0]!, opts.label, meta.classes);
  const finished: FinishedEvaluation = state.finish(logger);
  const task = meta.task;
  const [candMetrics, champMetrics] = finished.models.map((m) => m.metrics);
  const [slices, champSlices] = finished.slices ?? [];
  const primary = opts.primaryMetric || defaultPrimaryMetric(task);
  let bootstrap: BootstrapResult | undefined;
  if (opts.significance && champion && finished.resamples) {
    const c = candMetrics!.values[primary];
    const h = champMetrics!.values[primary];
    const observed = typeof c === "number" && typeof h === "number" ? c - h : null;
    bootstrap = bootstrapResult(primary, finished.resamples[0]!, finished.resamples[1]!, observed, opts.significance);
  }

  const rules: Rules = {
    ...(opts.primaryMetric ? { primaryMetric: opts.primaryMetric } : {}),
    ...(opts.minImprovement ? { minImprovement: opts.minImprovement } : {}),
    ...(opts.minRelativeImprovement !== undefined ? { minRelativeImprovement: opts.minRelativeImprovement } : {}),
    ...(opts.maxRegression ? { maxRegression: opts.maxRegression } : {}),
    ...(thresholds ? { thresholds } : {}),
    ...(opts.significance ? { significance: opts.significance } : {}),
    ...(opts.maxSliceGap !== undefined ? { maxSliceGap: opts.maxSliceGap } : {}),
    ...(opts.maxSliceRegression !== undefined ? { maxSliceRegression: opts.maxSliceRegression } : {}),
  };
  const decision = decide({
    task,
    candidate: { metrics: candMetrics!.values },
    ...(champion && champMetrics ? { champion: { metrics: champMetrics.values } } : {}),
    rules,
    ...(slices ? { slices: slices.map((s) => ({ value: s.value, rows: s.rows, metrics: s.metrics })) } : {}),
    ...(bootstrap ? { bootstrap } : {}),
    ...(champSlices
      ? { championSlices: champSlices.map((s) => ({ value: s.value, rows: s.rows, metrics: s.metrics })) }
      : {}),
    logger,
  });
  let { decision: verdict, reason } = decision;
  const ruleResults: CompareRule[] = [...decision.rules];
  if (parityReport) {
    const p = parityReport;
    ruleResults.push({
      rule: "parity",
      metric: "parity",
      passed: p.ok,
      detail: `max |onnx - reference| ${p.maxAbsDiff.toExponential(2)} ${p.ok ? "≤" : ">"} ${p.tolerance} (${p.mismatches} of ${p.rows} rows outside)`,
    });
    if (!p.ok) {
      verdict = "reject";
      reason = `The candidate's ONNX outputs differ from the reference predictions: max |diff| ${p.maxAbsDiff.toExponential(2)} at row ${p.maxAbsDiffRow} exceeds parity-tolerance ${p.tolerance}.`;
    }
  }
  const [candInfo, champInfo] = meta.models;
  const contract = compareContracts(candInfo!.signature, champInfo?.signature, iface);
  if (contract.contract !== "unchecked") {
    const rule = contractRule(contract, opts.allowBreakingContract === true);
    ruleResults.push(rule);
    if (!rule.passed) {
      if (verdict === "promote") reason = `Reject: contract rule failed: ${rule.detail}.`;
      else
        reason = reason.replace(
          /\.$/,
          `; the contract is breaking too (${contract.differences.length} difference${contract.differences.length === 1 ? "" : "s"}).`,
        );
      verdict = "reject";
    }
  }
  const finalDecision: CompareDecision =
    verdict === "promote" && contract.contract === "breaking" ? "promote-breaking" : verdict;
  if (finalDecision === "promote-breaking")
    reason = `${reason.replace(/\.$/, "")}; the contract is breaking (${contract.differences.join("; ")}), allowed by allow-breaking-contract: true.`;

  const result: Omit<CompareResult, "markdown" | "reportPath" | "jsonPath" | "htmlPath"> = {
    decision: finalDecision,
    isBetter: decision.isBetter,
    reason,
    task,
    rows: meta.rows,
    ...(meta.classes ? { classes: meta.classes } : {}),
    primaryMetric: decision.primaryMetric,
    decidedBy: decidedBy(decision.primaryMetric, rules, { firstRelease, champion: champion !== undefined }),
    candidate: summary(candidate, candMetrics!, finished.models[0]!.confusion),
    ...(champion && champMetrics ? { champion: summary(champion, champMetrics, finished.models[1]!.confusion) } : {}),
    deltas: decision.deltas,
    rules: ruleResults,
    contract,
    ...(contract.contract !== "compatible" ? { candidateInterface: interfaceYaml(candInfo!.signature) } : {}),
    ...(slices && meta.sliceColumn
      ? {
          slices: {
            column: meta.sliceColumn,
            metric: decision.primaryMetric,
            slices: compareSlices(decision.primaryMetric, slices, champSlices),
          },
        }
      : {}),
    ...(parityReport ? { parity: parityReport } : {}),
    seconds,
    ...(opts.provenance ? { provenance: opts.provenance } : {}),
  };
  const reportPath = join(opts.reportDir, "report.md");
  const jsonPath = join(opts.reportDir, "report.json");
  const htmlPath = join(opts.reportDir, "report.html");
  const markdown = renderCompareMarkdown(result);
  await writeFile(reportPath, markdown);
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(htmlPath, renderCompareHtml(result));
  logger.info(`compare-models: ${finalDecision} — ${reason}`);
  return { ...result, reportPath, jsonPath, htmlPath, markdown };
}

/** `champion: none`: the workflow says in so many words that the model has no champion yet. */
function isFirstRelease(opts: CompareOptions): boolean {
  return opts.champion?.trim().toLowerCase() === NO_CHAMPION;
}

/**
 * The champion named by `champion:` (default `<model name>@champion`). It must exist: a typo in the
 * reference, the model name or the registry is an error naming what the registry holds, never "no champion".
 */
async function resolveChampion(
  opts: CompareOptions,
  candidate: ResolvedModel,
  resolveOpts: { registry?: string; cwd?: string; env?: Record<string, string | undefined>; logger: Logger },
): Promise<ResolvedModel> {
  const championSpec = opts.champion || defaultChampion(candidate, opts.modelName, opts.candidate);
  if (!championSpec) {
    throw new UserError(
      `champion: cannot tell which model to compare with (got a candidate file ${JSON.stringify(opts.candidate)} and no model-name). Set champion: to a reference such as my-model@champion, or model-name:; for the model's first release set champion: none.`,
    );
  }
  try {
    return (await resolveModel(championSpec, { ...resolveOpts, what: "champion" }))!;
  } catch (e) {
    if (isUserError(e) && e.code === "not-found") {
      const given = opts.champion
        ? ""
        : ` (the default champion, from ${candidate.name ? "the candidate's name" : "model-name"})`;
      throw new UserError(
        `${e.message.replace(/\.$/, "")}${given}. If this is the model's first release, set champion: none.`,
        { cause: e, code: "not-found" },
      );
    }
    throw e;
  }
}

/** The contract as a rule of the decision: breaking fails it unless allow-breaking-contract says otherwise. */
function contractRule(contract: ContractReport, allowBreaking: boolean): CompareRule {
  const against = contract.checkedAgainst
    .map((c) => (c === "champion" ? "the champion" : (contract.interfaceFile ?? "the interface")))
    .join(" and ");
  if (contract.contract === "compatible")
    return {
      rule: "contract",
      metric: "contract",
      passed: true,
      detail: `inputs and outputs match ${against} (names, types, fixed dimensions)`,
    };
  const list = contract.differences.join("; ");
  return {
    rule: "contract",
    metric: "contract",
    passed: allowBreaking,
    detail: allowBreaking
      ? `breaking against ${against}, allowed by allow-breaking-contract: true: ${list}`
      : `breaking against ${against}: ${list} (the applications that call the model would fail; set allow-breaking-contract: true only when they change with it)`,
  };
}

/**
 * A binary label needs both classes in the data: with one, ROC AUC and the other ranking metrics are not
 * defined (scikit-learn raises "Only one class present in y_true"), and no comparison means anything.
 */
function requireClasses(
  st: { task: Task; rows: number; confusionMatrix(): number[][] },
  label: string,
  classes: string[] | undefined,
): void {
  if (st.task !== "binary" && st.task !== "multiclass") return;
  // Rows of the confusion matrix are the true classes.
  const seen = st
    .confusionMatrix()
    .map((row, c) => ({ c, n: row.reduce((a, b) => a + b, 0) }))
    .filter((r) => r.n > 0);
  if (seen.length > 1) return;
  const first = seen[0]?.c;
  // Binary: classes are [negative, positive], the negative being the value seen in the data.
  const name = first === undefined ? "nothing" : JSON.stringify(classes?.[first] ?? String(first));
  throw new UserError(
    `label: only one class present in y_true (column ${JSON.stringify(label)} holds ${name} in all ${st.rows} rows). ROC AUC and the other ranking metrics are not defined in that case (scikit-learn raises); validate on data that holds ${st.task === "binary" ? "both classes" : "at least two classes"}${st.task === "binary" && first === 0 ? ", and check positive-label" : ""}.`,
  );
}

/** One sentence for the report: what decided and with which margins, significance on or off. */
function decidedBy(primary: string, rules: Rules, o: { firstRelease: boolean; champion: boolean }): string {
  if (!o.champion)
    return o.firstRelease
      ? `No champion (champion: none, a first release): decided by the candidate's own rules only.`
      : `No champion: decided by the candidate's own rules only.`;
  const better = METRICS[primary]?.greaterIsBetter === false ? "lower is better" : "higher is better";
  const parts = [`min-improvement ${formatMetric(rules.minImprovement ?? 0)}`];
  if (rules.minRelativeImprovement !== undefined)
    parts.push(`min-relative-improvement ${formatMetric(rules.minRelativeImprovement)}`);
  const s = rules.significance;
  parts.push(
    s
      ? `significance on (${formatMetric(s.confidence * 100)} % confidence, paired bootstrap, ${s.samples} resamples, seed ${s.seed})`
      : "significance off (an improvement of any size counts, noise included)",
  );
  return `Decided by ${primary} (${better}): ${parts.join(", ")}.`;
}
