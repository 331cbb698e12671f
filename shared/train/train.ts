import { mkdir, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import {
  type Combination,
  expandMatrix,
  parseMatrix,
  parseSweepMetric,
  pickBest,
  runBounded,
  type SweepMetric,
} from "../azureml/sweep";
import { isUserError, shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { ModelSignature } from "../onnx";
import { assertAlias, assertModelName } from "../registry";
import { checkOutputFile, ensureOutputDir, fileError } from "../user-files";
import { maskKnown, redactCommandLine } from "../secrets";
import { type DataHash, hashData } from "./data-hash";
import { type DatasetLineage, type PreparedDataset, prepareDataset } from "./dataset-input";
import { type AzureMLLineage, lineageFromEnv, type RunLineage } from "./lineage";
import { type FlatParams, flattenParams, parseParams, type TrainParams } from "./params";
import { runTrainer, TrainerError } from "./run-trainer";
import { type FileStamp, readMetricsOutput, readModelOutput, stampOf } from "./trainer-outputs";

/** One tensor of the signature as the model card stores it. Non-tensor values (ZipMap) carry their type string as dtype. */
export interface CardTensor {
  name: string;
  dtype: string;
  shape: (number | string | null)[];
}

/** Lineage recorded in the model card. */
export type TrainLineage = RunLineage & {
  /** `sha256:<hex>`, see hashData. */
  dataHash?: string;
  dataFiles?: number;
  dataBytes?: number;
  /** The dataset snapshot the trainer read (train's dataset input). */
  dataset?: DatasetLineage;
  /** The trainer command line as given. */
  command: string;
  /** Wall time of the trainer alone (on Azure ML: of waiting for the job). */
  durationSeconds: number;
  /** Set when the trainer ran as an Azure ML job. */
  azureml?: AzureMLLineage;
  /** Set for a matrix sweep run here. */
  sweep?: SweepLineage;
};

/** Everything train registers besides the files: shaped like shared/registry's RegisterInput. */
export interface TrainCard {
  name: string;
  signature: { inputs: CardTensor[]; outputs: CardTensor[]; opset?: number };
  metrics: Record<string, number>;
  params: FlatParams;
  tags: Record<string, string>;
  lineage: TrainLineage;
}

/** What train needs of a registry. shared/registry's `Registry` (openRegistry(uri)) satisfies it. */
export interface ModelRegistrar {
  register(
    input: Omit<TrainCard, "lineage"> & {
      files: { path: string; source: string }[];
      lineage: TrainLineage;
    },
  ): Promise<{ version: number }>;
  /** Point an alias at the new version (needed only with TrainOptions.alias). */
  setAlias?(name: string, alias: string, version: number, info: { reason?: string }): Promise<unknown>;
  /** Fail now when registering would fail later for want of access (checkRegistration calls it first). */
  checkWritable?(): Promise<void>;
}

/** Where and how a trained model is registered: the same for a local trainer and an Azure ML job. */
export interface RegistrationOptions {
  /** Model name; required with `registry`. */
  name?: string;
  tags?: Record<string, string>;
  /** When given, the validated model is registered there. */
  registry?: ModelRegistrar;
  /** After registering, point this alias (e.g. "challenger") at the new version. */
  alias?: string;
  /** Why the alias moved, for the registry's audit log (e.g. the run URL). */
  aliasReason?: string;
}

export interface TrainOptions extends RegistrationOptions {
  /** Shell command line of the trainer. */
  command: string;
  /** Where the command runs; relative paths below resolve against it. */
  workingDirectory: string;
  /** MLOPS_OUTPUT_DIR: created before the run (a sweep gives each trial its own trial-<n> folder in it). */
  outputDir: string;
  /** Default `<outputDir>/model.onnx`. */
  modelPath?: string;
  /** Default `<outputDir>/metrics.json`. */
  metricsPath?: string;
  /** YAML/JSON text or an already parsed map; passed as MLOPS_PARAMS (JSON) and MLOPS_PARAMS_FILE. */
  params?: string | TrainParams;
  /**
   * A sweep: a YAML/JSON map of parameter lists, one trainer run per combination (its values merged over
   * `params`), at most `maxParallel` at once; the best by `sweepMetric` is registered.
   */
  matrix?: string | Record<string, unknown>;
  /** `max:<metric>` or `min:<metric>` from metrics.json; required with more than one combination. */
  sweepMetric?: string;
  /** Trials at once (default 4). */
  maxParallel?: number;
  /** Data files, directories or globs hashed into the lineage (before the trainer runs). */
  data?: string[];
  /**
   * A dataset snapshot (name@3, name@alias, <registry>#name@3, or model:<ref> for a model's own) downloaded and
   * verified for the trainer (MLOPS_DATASET_DIR, MLOPS_DATASET_FILES) and recorded in the card.
   */
  dataset?: string;
  /** The registry URI dataset references resolve in (the train action's registry). */
  registryUri?: string;
  /** Exported as MLOPS_SEED. */
  seed?: number;
  /** For the whole run (a sweep's trials share it). */
  timeoutMs?: number;
  /** Base environment of the trainer and source of the lineage (GITHUB_*). Default process.env. */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Each trainer output line (default: logger.info). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /**
   * Secret values (tokens, keys, every value the action masked) to show as *** in the card, the log lines train
   * writes and its errors; the stored command line is also cleaned of anything shaped like a secret.
   */
  secrets?: readonly string[];
}

/** One trial of a sweep run here, as the lineage records it. */
export type TrialLineage = {
  /** The trial's folder under output-dir, e.g. trial-2. */
  name: string;
  status: "Completed" | "Failed" | "TimedOut";
  params: Record<string, string | number | boolean>;
  /** The sweep metric's value (absent when the trial failed or did not write it). */
  metric?: number;
};

/** A sweep run here: every trial and the metric that chose the winner (`max:roc_auc`). */
export type SweepLineage = { metric: string; winner: string; trials: TrialLineage[] };

export interface TrainResult {
  modelPath: string;
  metricsPath: string;
  metrics: Record<string, number>;
  signature: ModelSignature;
  params: TrainParams;
  data?: DataHash;
  card: TrainCard;
  /** Set when registered. */
  version?: number;
}

/**
 * What can be checked before a trainer spends compute: the model name and alias, and that the registry
 * can be listed and written with the credentials at hand (a failed sign-in says it is one). Both the
 * local and the Azure ML path call it first.
 */
export async function checkRegistration(o: RegistrationOptions, logger: Logger = silentLogger): Promise<void> {
  if (!o.registry) return;
  if (!o.name)
    throw new UserError(
      "model-name: missing (got nothing) while register is on. Set model-name: e.g. failure-predictor.",
    );
  assertModelName(o.name, "model-name");
  if (o.alias) assertAlias(o.alias, "alias");
  if (o.registry.checkWritable) {
    await o.registry.checkWritable();
    logger.info("train: the registry can be written with these credentials");
  }
}

interface TrainPlan {
  cwd: string;
  outputDir: string;
  modelPath: string;
  metricsPath: string;
  params: TrainParams;
  combos: Combination[];
  sweep?: SweepMetric;
  data?: DataHash;
  /** The dataset snapshot, downloaded and verified for the trainer. */
  dataset?: PreparedDataset;
  secrets: string[];
}

/** Every check that can run before the trainer does: inputs, paths, the registry; then the data hash. */
async function planTrain(opts: TrainOptions, logger: Logger): Promise<TrainPlan> {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.workingDirectory);
  const cwdInfo = await stat(cwd).catch((e: unknown) => {
    throw fileError(e, "working-directory", cwd, "Set working-directory: to a folder of the checked-out repository.");
  });
  if (!cwdInfo.isDirectory())
    throw new UserError(
      `working-directory: not a directory (got ${shown(opts.workingDirectory)}). Set working-directory: to a folder of the checked-out repository.`,
    );
  const at = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const outputDir = at(opts.outputDir);
  if (!opts.command.trim()) {
    throw new UserError(
      `command: empty (got ${shown(opts.command)}). Set command: to the line that trains, e.g. python train.py.`,
    );
  }
  const params = parseParams(opts.params);
  const combos = expandMatrix(parseMatrix(opts.matrix));
  let sweep: SweepMetric | undefined;
  if (opts.sweepMetric?.trim()) sweep = parseSweepMetric(opts.sweepMetric);
  else if (combos.length > 1)
    throw new UserError(
      `sweep-metric: required with a matrix of ${combos.length} combinations (got nothing). Set sweep-metric: to max:<metric> or min:<metric> from your metrics.json, e.g. max:roc_auc.`,
    );
  if (combos.length > 1 && (opts.modelPath || opts.metricsPath))
    throw new UserError(
      `${opts.modelPath ? "model-path" : "metrics-path"}: not with a matrix of ${combos.length} combinations (got ${shown(opts.modelPath || opts.metricsPath)}): the trials would write the same file. Leave it empty; each trial writes to its own $MLOPS_OUTPUT_DIR.`,
    );
  await checkRegistration(opts, logger);
  await ensureOutputDir(outputDir, "output-dir");
  const modelPath = at(opts.modelPath || resolve(outputDir, "model.onnx"));
  const metricsPath = at(opts.metricsPath || resolve(outputDir, "metrics.json"));
  if (opts.modelPath) await checkOutputFile(modelPath, "model-path");
  if (opts.metricsPath) await checkOutputFile(metricsPath, "metrics-path");

  let data: DataHash | undefined;
  if (opts.data?.some((d) => d.trim() !== "")) {
    data = await hashData(opts.data, { cwd, logger, env });
    logger.info(`data: ${data.files.length} file(s), ${data.bytes} bytes, ${data.hash}`);
  }
  const dataset = opts.dataset?.trim()
    ? await prepareDataset(opts.dataset, { registry: opts.registryUri, dir: `${outputDir}.dataset`, env, logger })
    : undefined;
  const secrets = [...(opts.secrets ?? [])];
  return {
    cwd,
    outputDir,
    modelPath,
    metricsPath,
    params,
    combos,
    ...(sweep ? { sweep } : {}),
    ...(data ? { data } : {}),
    ...(dataset ? { dataset } : {}),
    secrets,
  };
}

interface TrainerPass {
  outputDir: string;
  modelPath: string;
  metricsPath: string;
  params: TrainParams;
  beforeModel?: FileStamp;
  beforeMetrics?: FileStamp;
  durationMs: number;
}

/** One run of the trainer with MLOPS_OUTPUT_DIR / MLOPS_PARAMS / MLOPS_PARAMS_FILE / MLOPS_SEED. */
async function runPass(
  opts: TrainOptions,
  plan: TrainPlan,
  pass: {
    outputDir: string;
    modelPath: string;
    metricsPath: string;
    params: TrainParams;
    timeoutMs?: number;
    prefix?: string;
  },
  logger: Logger,
): Promise<TrainerPass> {
  const env = opts.env ?? process.env;
  await mkdir(pass.outputDir, { recursive: true });
  const paramsFile = resolve(pass.outputDir, "params.json");
  await writeFile(paramsFile, `${JSON.stringify(pass.params, null, 2)}\n`);
  const beforeModel = await stampOf(pass.modelPath);
  const beforeMetrics = await stampOf(pass.metricsPath);
  const trainerEnv: Record<string, string | undefined> = {
    ...env,
    MLOPS_OUTPUT_DIR: pass.outputDir,
    MLOPS_PARAMS: JSON.stringify(pass.params),
    MLOPS_PARAMS_FILE: paramsFile,
    MLOPS_MODEL_PATH: pass.modelPath,
    MLOPS_METRICS_PATH: pass.metricsPath,
    ...plan.dataset?.env,
    ...(opts.seed !== undefined ? { MLOPS_SEED: String(opts.seed) } : {}),
  };
  const redact = (text: string) => maskKnown(text, plan.secrets);
  const onLine = opts.onLine ?? ((line: string) => logger.info(line));
  const run = await runTrainer({
    command: opts.command,
    cwd: plan.cwd,
    env: trainerEnv,
    timeoutMs: pass.timeoutMs,
    logger,
    onLine: (line, stream) => onLine(`${pass.prefix ?? ""}${redact(line)}`, stream),
  }).catch((e: unknown) => {
    if (e instanceof Error) e.message = redact(e.message);
    if (e instanceof TrainerError) e.stderrTail.splice(0, e.stderrTail.length, ...e.stderrTail.map(redact));
    throw e;
  });
  return { ...pass, beforeModel, beforeMetrics, durationMs: run.durationMs };
}

/**
 * Run the user's trainer and turn what it wrote into a (registered) model version: check everything that
 * can be checked first (inputs, paths, the registry), hash the data, run the command (once, or once per
 * combination of a matrix, the best chosen by sweep-metric), validate the ONNX model and the metrics,
 * build the card, register. Any failure is thrown before anything is registered.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const logger = opts.logger ?? silentLogger;
  const env = opts.env ?? process.env;
  const plan = await planTrain(opts, logger);
  // The command is stored in the card (and from there in images): secrets written into it inline go too.
  const command = redactCommandLine(opts.command, plan.secrets);
  const lineage = (durationMs: number) => ({
    ...lineageFromEnv(env),
    ...(plan.data ? { dataHash: plan.data.hash, dataFiles: plan.data.files.length, dataBytes: plan.data.bytes } : {}),
    ...(plan.dataset ? { dataset: plan.dataset.lineage } : {}),
    command,
    durationSeconds: Math.round(durationMs) / 1000,
  });
  const register = {
    name: opts.name,
    tags: opts.tags,
    registry: opts.registry,
    alias: opts.alias,
    aliasReason: opts.aliasReason,
    logger,
  };

  if (plan.combos.length > 1) return sweepHere(opts, plan, lineage, register, logger);
  const params = { ...plan.params, ...(plan.combos[0] ?? {}) };
  logger.info(`train: running ${shown(command, 200)} in ${plan.cwd}`);
  const pass = await runPass(
    opts,
    plan,
    {
      outputDir: plan.outputDir,
      modelPath: plan.modelPath,
      metricsPath: plan.metricsPath,
      params,
      timeoutMs: opts.timeoutMs,
    },
    logger,
  );
  logger.info(`train: trainer finished in ${(pass.durationMs / 1000).toFixed(1)} s`);
  return finishTrain({ ...pass, data: plan.data, lineage: lineage(pass.durationMs), ...register });
}

/**
 * A matrix run here: one trainer per combination, each in its own trial-<n> folder, at most max-parallel at
 * once and all within timeout-minutes. As on Azure ML: a failed trial is a warning, all failed is an error,
 * a timeout fails the step; the best by sweep-metric is validated and registered.
 */
async function sweepHere(
  opts: TrainOptions,
  plan: TrainPlan,
  lineage: (durationMs: number) => TrainLineage,
  register: Pick<FinishTrainOptions, "name" | "tags" | "registry" | "alias" | "aliasReason" | "logger">,
  logger: Logger,
): Promise<TrainResult> {
  const sweep = plan.sweep as SweepMetric;
  const n = plan.combos.length;
  const parallel = Math.max(1, opts.maxParallel ?? 4);
  const deadline = opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs;
  logger.info(
    `train: sweep of ${n} combinations, ${Math.min(parallel, n)} at a time, best by ${sweep.goal}:${sweep.metric}`,
  );
  const started = Date.now();
  const trials: (TrialLineage & { pass?: TrainerPass; error?: string })[] = plan.combos.map((combo, i) => ({
    name: `trial-${i + 1}`,
    status: "Failed",
    params: combo,
  }));
  const settled = await runBounded(plan.combos, parallel, async (combo, i) => {
    const trial = trials[i]!;
    const dir = join(plan.outputDir, trial.name);
    logger.info(`train: ${trial.name} of ${n}: ${shown(combo)}`);
    try {
      trial.pass = await runPass(
        opts,
        plan,
        {
          outputDir: dir,
          modelPath: join(dir, "model.onnx"),
          metricsPath: join(dir, "metrics.json"),
          params: { ...plan.params, ...combo },
          timeoutMs: deadline === undefined ? undefined : Math.max(1, deadline - Date.now()),
          prefix: `[${trial.name}] `,
        },
        logger,
      );
    } catch (e) {
      trial.status = e instanceof TrainerError && e.code === "timeout" ? "TimedOut" : "Failed";
      trial.error = e instanceof Error ? e.message : String(e);
      throw e;
    }
    trial.status = "Completed";
    const metrics = await readMetricsOutput(trial.pass.metricsPath, trial.pass.beforeMetrics).catch(() => undefined);
    const value = metrics?.[sweep.metric];
    if (value !== undefined) trial.metric = value;
    return trial;
  });
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  // Out of time, or a bug: the whole step fails, whatever the other trials did.
  const fatal =
    failures.find((f) => f.reason instanceof TrainerError && f.reason.code === "timeout") ??
    failures.find((f) => !isUserError(f.reason));
  if (fatal) throw fatal.reason;
  if (failures.length === n)
    throw new UserError(
      `command: all ${n} trials of the sweep failed (got ${trials.map((t) => `${t.name}: ${t.status}`).join("; ")}). Fix the trainer; the first failure: ${trials[0]?.error ?? "unknown"}`,
      { code: "trainer-failed" },
    );
  for (const t of trials)
    if (t.error) logger.warning(`train: ${t.name} failed, the sweep goes on without it: ${t.error}`);
  const best = pickBest(
    trials.map((t, index) => ({ index, ...(t.metric !== undefined ? { metrics: { [sweep.metric]: t.metric } } : {}) })),
    sweep,
  );
  if (best === undefined)
    throw new UserError(
      `sweep-metric: no completed trial wrote metric ${shown(sweep.metric)} to metrics.json (got ${trials.filter((t) => t.status === "Completed").length} completed trials). Use a metric your trainer writes, e.g. max:roc_auc.`,
    );
  const winner = trials[best]!;
  logger.info(`train: best trial by ${sweep.goal}:${sweep.metric}: ${winner.name} (${winner.metric})`);
  const sweepLineage: SweepLineage = {
    metric: `${sweep.goal}:${sweep.metric}`,
    winner: winner.name,
    trials: trials.map((t) => ({
      name: t.name,
      status: t.status,
      params: t.params,
      ...(t.metric !== undefined ? { metric: t.metric } : {}),
    })),
  };
  const pass = winner.pass as TrainerPass;
  return finishTrain({
    ...pass,
    data: plan.data,
    lineage: { ...lineage(Date.now() - started), sweep: sweepLineage },
    ...register,
  });
}

export interface FinishTrainOptions {
  modelPath: string;
  metricsPath: string;
  /** State of the files before the trainer ran (a file left unchanged is refused). */
  beforeModel?: FileStamp;
  beforeMetrics?: FileStamp;
  params: TrainParams;
  data?: DataHash;
  name?: string;
  tags?: Record<string, string>;
  lineage: TrainLineage;
  registry?: ModelRegistrar;
  alias?: string;
  aliasReason?: string;
  logger: Logger;
  /**
   * Runs once the model and metrics are validated, before anything is registered (e.g. the Azure ML workspace
   * version); it may add to the card's lineage. Its `undo` runs when registering fails afterwards.
   */
  beforeRegister?: (
    card: TrainCard,
    model: { modelPath: string; metricsPath: string },
  ) => Promise<{ undo?: () => Promise<void> } | void>;
}

/**
 * What every trainer run ends with, wherever the trainer ran (here or on Azure ML): validate the ONNX
 * model and the metrics, build the card, register, move the alias.
 */
export async function finishTrain(o: FinishTrainOptions): Promise<TrainResult> {
  const { modelPath, metricsPath, params, data, logger } = o;
  const model = await readModelOutput(modelPath, o.beforeModel);
  const metrics = await readMetricsOutput(metricsPath, o.beforeMetrics);
  const sig = model.signature;
  const tensor = (v: ModelSignature["inputs"][number]): CardTensor => ({
    name: v.name,
    dtype: v.kind === "tensor" ? v.dtype : v.type,
    shape: v.shape ?? [],
  });
  const opset = sig.opsets.find((s) => s.domain === "" || s.domain === "ai.onnx")?.version;
  const card: TrainCard = {
    name: o.name ?? "",
    signature: { inputs: sig.inputs.map(tensor), outputs: sig.outputs.map(tensor), ...(opset ? { opset } : {}) },
    metrics,
    params: flattenParams(params),
    tags: { ...(o.tags ?? {}) },
    lineage: o.lineage,
  };
  const result: TrainResult = { modelPath, metricsPath, metrics, signature: sig, params, card };
  if (data) result.data = data;

  const published = await o.beforeRegister?.(card, { modelPath, metricsPath });
  if (o.registry) {
    const { version } = await o.registry
      .register({
        ...card,
        files: [
          { path: "model.onnx", source: modelPath },
          { path: "metrics.json", source: metricsPath },
        ],
      })
      .catch(async (e: unknown) => {
        await published
          ?.undo?.()
          .catch((u: unknown) =>
            logger.warning(`train: could not take back what was published before registering: ${(u as Error).message}`),
          );
        throw e;
      });
    result.version = version;
    logger.info(`train: registered ${card.name}@${version}`);
    if (o.alias) {
      if (!o.registry.setAlias) throw new Error("train: the registry given cannot set aliases");
      await o.registry.setAlias(card.name, o.alias, version, { reason: o.aliasReason });
      logger.info(`train: ${card.name}@${o.alias} -> ${version}`);
    }
  }
  return result;
}

/** `<registry>#<name>@<version>`, the model-uri output. */
export function modelUri(registry: string, name: string, version: number): string {
  return `${registry}#${name}@${version}`;
}
