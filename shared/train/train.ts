import { mkdir, writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { ModelSignature } from "../onnx";
import { maskKnown, redactCommandLine } from "../secrets";
import { type DataHash, hashData } from "./data-hash";
import { type DatasetLineage, prepareDataset } from "./dataset-input";
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
  /** MLOPS_OUTPUT_DIR: created before the run. */
  outputDir: string;
  /** Default `<outputDir>/model.onnx`. */
  modelPath?: string;
  /** Default `<outputDir>/metrics.json`. */
  metricsPath?: string;
  /** YAML/JSON text or an already parsed map; passed as MLOPS_PARAMS (JSON) and MLOPS_PARAMS_FILE. */
  params?: string | TrainParams;
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
 * Run the user's trainer and turn what it wrote into a (registered) model version:
 * hash the data, run the command with MLOPS_OUTPUT_DIR / MLOPS_PARAMS / MLOPS_PARAMS_FILE / MLOPS_SEED,
 * validate the ONNX model and the metrics, build the card, register. Any failure is thrown before
 * anything is registered.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const logger = opts.logger ?? silentLogger;
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.workingDirectory);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const outputDir = at(opts.outputDir);
  const modelPath = at(opts.modelPath || resolve(outputDir, "model.onnx"));
  const metricsPath = at(opts.metricsPath || resolve(outputDir, "metrics.json"));
  if (opts.registry && !opts.name) {
    throw new UserError(
      "model-name: missing (got nothing) while register is on. Set model-name: e.g. failure-predictor.",
    );
  }
  if (!opts.command.trim()) {
    throw new UserError(
      `command: empty (got ${shown(opts.command)}). Set command: to the line that trains, e.g. python train.py.`,
    );
  }
  const params = parseParams(opts.params);

  let data: DataHash | undefined;
  if (opts.data?.some((d) => d.trim() !== "")) {
    data = await hashData(opts.data, { cwd, logger, env });
    logger.info(`data: ${data.files.length} file(s), ${data.bytes} bytes, ${data.hash}`);
  }

  await mkdir(outputDir, { recursive: true });
  const dataset = opts.dataset?.trim()
    ? await prepareDataset(opts.dataset, { registry: opts.registryUri, dir: `${outputDir}.dataset`, env, logger })
    : undefined;
  const paramsFile = resolve(outputDir, "params.json");
  const paramsJson = JSON.stringify(params);
  await writeFile(paramsFile, `${JSON.stringify(params, null, 2)}\n`);
  const beforeModel = await stampOf(modelPath);
  const beforeMetrics = await stampOf(metricsPath);

  const trainerEnv: Record<string, string | undefined> = {
    ...env,
    MLOPS_OUTPUT_DIR: outputDir,
    MLOPS_PARAMS: paramsJson,
    MLOPS_PARAMS_FILE: paramsFile,
    MLOPS_MODEL_PATH: modelPath,
    MLOPS_METRICS_PATH: metricsPath,
    ...dataset?.env,
    ...(opts.seed !== undefined ? { MLOPS_SEED: String(opts.seed) } : {}),
  };
  const secrets = opts.secrets ?? [];
  const redact = (text: string) => maskKnown(text, secrets);
  // The command is stored in the card (and from there in images): secrets written into it inline go too.
  const command = redactCommandLine(opts.command, secrets);
  const onLine = opts.onLine ?? ((line: string) => logger.info(line));
  logger.info(`train: running ${shown(command, 200)} in ${cwd}`);
  const run = await runTrainer({
    command: opts.command,
    cwd,
    env: trainerEnv,
    timeoutMs: opts.timeoutMs,
    logger,
    onLine: (line, stream) => onLine(redact(line), stream),
  }).catch((e: unknown) => {
    if (e instanceof Error) e.message = redact(e.message);
    if (e instanceof TrainerError) e.stderrTail.splice(0, e.stderrTail.length, ...e.stderrTail.map(redact));
    throw e;
  });
  logger.info(`train: trainer finished in ${(run.durationMs / 1000).toFixed(1)} s`);

  return finishTrain({
    modelPath,
    metricsPath,
    beforeModel,
    beforeMetrics,
    params,
    data,
    name: opts.name,
    tags: opts.tags,
    lineage: {
      ...lineageFromEnv(env),
      ...(data ? { dataHash: data.hash, dataFiles: data.files.length, dataBytes: data.bytes } : {}),
      ...(dataset ? { dataset: dataset.lineage } : {}),
      command,
      durationSeconds: Math.round(run.durationMs) / 1000,
    },
    registry: opts.registry,
    alias: opts.alias,
    aliasReason: opts.aliasReason,
    logger,
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
  beforeRegister?: (card: TrainCard, model: { modelPath: string; metricsPath: string }) => Promise<{ undo?: () => Promise<void> } | void>;
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
        await published?.undo?.().catch((u: unknown) => logger.warning(`train: could not take back what was published before registering: ${(u as Error).message}`));
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
