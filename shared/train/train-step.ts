/**
 * The train action's use case: run the trainer here (`compute: local`) or as Azure ML jobs
 * (`compute: azureml`), register the model, and name the result as a model URI later steps can use.
 * A job that did not complete still leaves a summary with its status and Studio link (renderTrainFailureMarkdown).
 */
import { join } from "node:path";
import { JobEndedError } from "../azureml/jobs";
import { dataSecrets } from "../data";
import type { Logger } from "../log";
import { modelUriOf, openRegistryFor } from "../models";
import { registrySecrets } from "../registry";
import type { AzureMLTrainOptions, AzureMLTrainResult } from "./azureml-train";
import type { TrainParams } from "./params";
import { renderJobEndedMarkdown, renderTrainMarkdown } from "./summary";
import { type TrainOptions, type TrainResult, train } from "./train";

export type TrainStepOptions = ({ compute: "local" } & TrainOptions) | ({ compute: "azureml" } & AzureMLTrainOptions);

/** The train step as the action asks for it: its inputs, before this run's defaults are filled in. */
export interface TrainStepRequest {
  compute: "local" | "azureml";
  /** The trainer command (an Azure ML job file may give it instead). */
  command?: string;
  workingDirectory: string;
  params?: TrainParams;
  data?: string[];
  dataset?: string;
  /** Empty: a new folder in the run's temporary directory. */
  outputDir?: string;
  modelPath?: string;
  metricsPath?: string;
  name: string;
  registry: string;
  /** Register the model in `registry` (else only trained and validated). */
  register: boolean;
  /** Empty: no alias moves. */
  alias?: string;
  tags?: Record<string, string>;
  seed?: number;
  timeoutMinutes: number;
  matrix?: Record<string, unknown>;
  sweepMetric?: string;
  maxParallel: number;
  azureml: {
    subscriptionId?: string;
    resourceGroup?: string;
    workspace?: string;
    endpoint: string;
    computeTarget?: string;
    environment?: string;
    code?: string;
    jobFile?: string;
    experimentName?: string;
    modelOutput: string;
    workspaceModel?: string;
  };
}

/** What the run around the step provides. */
export interface TrainStepRun {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Where a default output folder is made. */
  tempDir: string;
  /** The workflow run, recorded as the reason an alias moved. */
  runUrl?: string;
  /** Values masked so far (kept out of what the trainer writes to the card). */
  secrets: readonly string[];
  /** A secret found on the way (an Azure ML datastore key): the caller masks it. */
  onSecret: (value: string) => void;
  /** The workflow was cancelled: Azure ML jobs are cancelled too (a local trainer gets the signal itself). */
  signal?: AbortSignal;
  /** The summary a failed step still writes (an Azure ML job that did not complete). */
  summary: (markdown: string) => void;
}

/** The secrets in the step's inputs (registry and data URIs), to mask before anything is logged. */
export function trainSecrets(req: Pick<TrainStepRequest, "registry" | "data">, env: TrainStepRun["env"]): string[] {
  return [...registrySecrets(req.registry, { env }), ...dataSecrets(req.data ?? [], env)];
}

/** The train action's use case: train here or on Azure ML, register, and summarise (also when a job fails). */
export async function runTrain(req: TrainStepRequest, run: TrainStepRun): Promise<TrainStepResult> {
  const registry = req.register ? openRegistryFor(req.registry, { env: run.env, logger: run.logger }) : undefined;
  const common = {
    registryUri: req.registry,
    workingDirectory: req.workingDirectory,
    outputDir: req.outputDir || join(run.tempDir, `mlops-train-${Date.now()}`),
    params: req.params,
    data: req.data,
    seed: req.seed,
    timeoutMs: req.timeoutMinutes * 60_000,
    env: run.env,
    name: req.name,
    tags: req.tags,
    registry,
    alias: req.alias || undefined,
    aliasReason: `trained in ${run.runUrl ?? "a local run"}`,
    matrix: req.matrix,
    sweepMetric: req.sweepMetric,
    maxParallel: req.maxParallel,
    logger: run.logger,
  };
  const { azureml: az } = req;
  try {
    return req.compute === "azureml"
      ? await trainAndName({
          ...common,
          compute: "azureml",
          subscriptionId: az.subscriptionId,
          resourceGroup: az.resourceGroup,
          workspace: az.workspace,
          endpoint: az.endpoint,
          command: req.command,
          jobFile: az.jobFile,
          code: az.code,
          environment: az.environment,
          computeTarget: az.computeTarget,
          experimentName: az.experimentName,
          modelOutput: az.modelOutput,
          workspaceModel: az.workspaceModel,
          signal: run.signal,
          onSecret: run.onSecret,
        })
      : await trainAndName({
          ...common,
          compute: "local",
          command: req.command ?? "",
          dataset: req.dataset,
          modelPath: req.modelPath,
          metricsPath: req.metricsPath,
          secrets: run.secrets,
        });
  } catch (e) {
    const md = renderTrainFailureMarkdown(e);
    if (md) run.summary(md);
    throw e;
  }
}

/** The step's outputs, by their names in action.yml (empty strings where a value does not apply). */
export function trainOutputs({ result, azureml, modelUri }: TrainStepResult) {
  return {
    "model-path": result.modelPath,
    "model-version": result.version ?? "",
    "model-uri": modelUri,
    metrics: result.metrics,
    "data-hash": result.data?.hash ?? "",
    "dataset-uri": result.card.lineage.dataset?.uri ?? "",
    "azureml-job": azureml?.azureml.jobName ?? "",
    "studio-url": azureml?.azureml.studioUrl ?? "",
    "workspace-model-id": azureml?.azureml.model?.id ?? "",
  };
}

export interface TrainStepResult {
  result: TrainResult;
  /** Set for compute: azureml. */
  azureml?: AzureMLTrainResult;
  /** `<registry>#<name>@<version>`, empty when nothing was registered. */
  modelUri: string;
  summary: string;
}

/** The summary a failed train step still writes: an Azure ML job that did not complete, with its Studio link. */
export function renderTrainFailureMarkdown(e: unknown): string | undefined {
  return e instanceof JobEndedError ? renderJobEndedMarkdown(e) : undefined;
}

/** Train (here or on Azure ML) with the options resolved, and name the result as a model URI. */
async function trainAndName(opts: TrainStepOptions & { registryUri: string }): Promise<TrainStepResult> {
  let azureml: AzureMLTrainResult | undefined;
  let result: TrainResult;
  if (opts.compute === "azureml") {
    // Loaded only for Azure ML: it brings in the Azure Storage SDK (datastores).
    const { trainOnAzureML } = await import("./azureml-train");
    azureml = await trainOnAzureML(opts);
    result = azureml;
  } else {
    result = await train(opts);
  }
  const modelUri =
    result.version === undefined ? "" : modelUriOf(opts.registryUri, opts.name ?? "model", result.version);
  return { result, azureml, modelUri, summary: renderTrainMarkdown(result, { modelUri: modelUri || undefined }) };
}
