/**
 * train with `compute: azureml`: the trainer runs as an Azure ML command job (or the pipeline job of a
 * user's `az ml job create` YAML); the model it writes to the job output `model` is downloaded from the
 * workspace's default datastore, then validated and registered exactly as a local run is (finishTrain),
 * with the Azure ML job in the lineage. A `matrix` runs one job per combination and registers the best
 * by `sweep-metric`.
 *
 * The trainer contract is the local one: the command writes model.onnx and metrics.json to
 * $MLOPS_OUTPUT_DIR. Job environment variables cannot reference outputs, so the submitted command starts
 * with `export MLOPS_OUTPUT_DIR="${{outputs.model}}" ... &&`; MLOPS_PARAMS (JSON) and MLOPS_SEED are job
 * environment variables, and each matrix value is also a literal job input `${{inputs.<name>}}`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { TokenCredential } from "@azure/identity";
import { lazyDefaultCredential } from "../azure/credential";
import { computeId, parseAssetRef, resolveAssetRef } from "../azureml/asset-refs";
import {
  ensureAnonymousComponent,
  ensureAnonymousEnvironment,
  inlineEnvironmentBody,
} from "../azureml/anonymous-assets";
import { type CodeAsset, ensureCodeAsset, snapshotCode } from "../azureml/code-asset";
import {
  datastoreUri,
  downloadPrefix,
  getDatastore,
  type OpenedDatastore,
  openDatastore,
  parseDatastoreUri,
} from "../azureml/datastore";
import {
  type CommandJobYaml,
  type EnvironmentYaml,
  inlineComponentSpec,
  type JobYaml,
  jobYamlToRest,
  parseJobYaml,
  restInput,
  type YamlInput,
} from "../azureml/job-yaml";
import { jobDiagnostics } from "../azureml/job-diagnostics";
import {
  cancelJob,
  JobEndedError,
  type JobProperties,
  type JobResource,
  jobName as makeJobName,
  jobPath,
  jobStudioUrl,
  submitJob,
  waitForJob,
} from "../azureml/jobs";
import {
  type Combination,
  expandMatrix,
  parseMatrix,
  parseSweepMetric,
  pickBest,
  runBounded,
  type SweepMetric,
} from "../azureml/sweep";
import type { ArmClient } from "../azure/arm";
import {
  armClient,
  type AzureMLConnection,
  type WorkspaceRef,
  workspacePath,
  workspaceRef,
} from "../azureml/workspace";
import { workspaceModelName } from "../azureml/workspace-models";
import { shown, UserError } from "../errors";
import { ensureOutputDir } from "../user-files";
import { type Logger, silentLogger } from "../log";
import { type DataHash, hashData } from "./data-hash";
import { redactCommandLine } from "../secrets";
import { type AzureMLLineage, type AzureMLTrialLineage, lineageFromEnv } from "./lineage";
import { parseParams, type TrainParams } from "./params";
import { checkRegistration, finishTrain, type RegistrationOptions, type TrainResult } from "./train";
import { readMetricsOutput } from "./trainer-outputs";
import { publishWorkspaceModel } from "./workspace-model";

export interface AzureMLTrainOptions extends RegistrationOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  workspace?: string;
  /** Resource Manager endpoint (default https://management.azure.com). */
  endpoint?: string;
  credential?: TokenCredential;
  /** The trainer command (required unless jobFile gives one). */
  command?: string;
  /** Path of an `az ml job create` YAML (type: command or pipeline), relative to workingDirectory. */
  jobFile?: string;
  /** Directory uploaded as the code asset (default: the job file's code:, else workingDirectory). */
  code?: string;
  workingDirectory: string;
  environment?: string;
  computeTarget?: string;
  experimentName?: string;
  params?: string | TrainParams;
  matrix?: string | Record<string, unknown>;
  sweepMetric?: string;
  maxParallel?: number;
  /** The pipeline job output that holds the model (default model). */
  modelOutput?: string;
  /** Also register the model in the workspace under this name, as a version pointing at the job's output. */
  workspaceModel?: string;
  data?: string[];
  seed?: number;
  /** How long to wait for the job(s); then they are cancelled. */
  timeoutMs: number;
  /** Where the outputs are downloaded (one folder per job). */
  outputDir: string;
  env?: Record<string, string | undefined>;
  /** The workflow was cancelled: cancel the job(s). */
  signal?: AbortSignal;
  logger?: Logger;
  /** Secret values found on the way (the datastore's key): the caller masks them. */
  onSecret?: (value: string) => void;
  /** Longest interval between job status polls (default 15 s) and ARM retry base (tests use less). */
  pollIntervalMs?: number;
  baseDelayMs?: number;
  /** How waits are slept (Retry-After, job polls); tests pass a scaled clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface TrialResult {
  index: number;
  jobName: string;
  jobId: string;
  studioUrl: string;
  params: Combination;
  status: string;
  metrics?: Record<string, number>;
  error?: string;
  dir: string;
}

export interface AzureMLTrainResult extends TrainResult {
  azureml: AzureMLLineage;
  trials: TrialResult[];
  /** Index of the registered trial in `trials`. */
  winner: number;
  sweep?: SweepMetric;
}

interface Plan {
  ws: WorkspaceRef;
  wsPath: string;
  yaml?: JobYaml;
  yamlDir: string;
  command?: string;
  params: TrainParams;
  combos: Combination[];
  sweep?: SweepMetric;
  experiment: string;
  /** The job output that holds model.onnx. */
  modelOutput: string;
  workspaceModel?: string;
}

function plan(o: AzureMLTrainOptions, yaml: JobYaml | undefined, yamlDir: string): Plan {
  const ws = workspaceRef({ subscriptionId: o.subscriptionId, resourceGroup: o.resourceGroup, workspace: o.workspace });
  const params = parseParams(o.params);
  const matrix = parseMatrix(o.matrix);
  const combos = expandMatrix(matrix);
  let sweep: SweepMetric | undefined;
  if (o.sweepMetric?.trim()) sweep = parseSweepMetric(o.sweepMetric);
  else if (combos.length > 1)
    throw new UserError(
      `sweep-metric: required with a matrix of ${combos.length} combinations (got nothing). Set sweep-metric: to max:<metric> or min:<metric> from your metrics.json, e.g. max:roc_auc.`,
    );
  if (yaml?.type === "pipeline" && combos.length > 1)
    throw new UserError(
      `matrix: not supported with a pipeline job-file (got ${combos.length} combinations). Use a command job-file or command: for sweeps.`,
    );
  const command = o.command?.trim() || (yaml?.type === "command" ? yaml.command : undefined);
  if (yaml?.type !== "pipeline" && !command)
    throw new UserError(
      "command: missing (got nothing) with compute: azureml. Set command: to the line that trains, or job-file: to an az ml job YAML with a command.",
    );
  const workspaceModel = o.workspaceModel?.trim() ? workspaceModelName(o.workspaceModel) : undefined;
  const modelOutput = yaml?.type === "pipeline" ? o.modelOutput?.trim() || "model" : "model";
  const repo = (o.env ?? process.env).GITHUB_REPOSITORY?.split("/").at(-1);
  const experiment = (o.experimentName?.trim() || yaml?.experimentName || repo || "mlops-actions")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .slice(0, 255);
  return {
    ws,
    wsPath: workspacePath(ws),
    yaml,
    yamlDir,
    command,
    params,
    combos,
    sweep,
    experiment,
    modelOutput,
    workspaceModel,
  };
}

/** A trial that failed once it had a job name: the error as it happened, and the trial as far as it got. */
export class TrialFailed extends Error {
  constructor(
    readonly trial: TrialResult,
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
    this.name = "TrialFailed";
  }
}

/** What the phases of a training share once the inputs are resolved. */
interface Training {
  o: AzureMLTrainOptions;
  p: Plan;
  logger: Logger;
  env: Record<string, string | undefined>;
  credential: TokenCredential;
  arm: ArmClient;
  data: DataHash | undefined;
  ds: { name: string };
  store: OpenedDatastore;
  computeIdValue: string | undefined;
  environmentId: string | undefined;
  /** The job body for one trial. */
  build: (name: string, combo: Combination, outUri: string) => JobProperties;
  at: (p: string, base?: string) => string;
}

/** Run the training on Azure ML and register the (best) model: resolve → submit → wait → collect → register. */
export async function trainOnAzureML(o: AzureMLTrainOptions): Promise<AzureMLTrainResult> {
  const t = await resolveTraining(o);
  const started = Date.now();
  const results = await runTrials(t);
  const durationSeconds = Math.round(Date.now() - started) / 1000;
  const { trials, winner } = collect(t, results);
  return register(t, trials, winner, durationSeconds);
}

/** The job file, the plan, the clients, the data hash, the datastore, and how a trial's job body is built. */
async function resolveTraining(o: AzureMLTrainOptions): Promise<Training> {
  const logger = o.logger ?? silentLogger;
  const env = o.env ?? process.env;
  const cwd = resolve(o.workingDirectory);
  const at = (p: string, base = cwd) => (isAbsolute(p) ? p : resolve(base, p));

  let yaml: JobYaml | undefined;
  let yamlDir = cwd;
  if (o.jobFile?.trim()) {
    const file = at(o.jobFile.trim());
    const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new UserError(
        `job-file: cannot read ${shown(o.jobFile)} (got ${e.code ?? e.message}). Give the path of the YAML, relative to working-directory.`,
      );
    });
    yaml = parseJobYaml(text);
    yamlDir = dirname(file);
  }
  const p = plan(o, yaml, yamlDir);
  // Before any compute is spent: the model name, and that the registry takes the model with these credentials.
  await checkRegistration(o, logger);
  await ensureOutputDir(at(o.outputDir), "output-dir");
  const credential = o.credential ?? lazyDefaultCredential();
  const conn: AzureMLConnection = {
    endpoint: o.endpoint,
    credential,
    logger,
    pollIntervalMs: o.pollIntervalMs,
    baseDelayMs: o.baseDelayMs,
    sleep: o.sleep,
  };
  // No step signal on the client: a cancelled workflow must still be able to send the cancel.
  const arm = armClient(conn);

  let data: DataHash | undefined;
  if (o.data?.some((d) => d.trim() !== "")) {
    data = await hashData(o.data, { cwd, logger });
    logger.info(`data: ${data.files.length} file(s), ${data.bytes} bytes, ${data.hash}`);
  }

  const ds = await getDatastore(arm, p.wsPath);
  const store = await openDatastore(arm, p.wsPath, ds, credential);
  if (store.secret) o.onSecret?.(store.secret);

  const compute =
    o.computeTarget?.trim() ||
    yaml?.compute ||
    (yaml?.type === "pipeline" ? strOf(yaml.settings.default_compute) : undefined);
  const computeIdValue = compute
    ? computeId(compute, p.wsPath, o.computeTarget?.trim() ? "compute-target" : "job-file: compute")
    : undefined;
  const baseTags: Record<string, string> = {
    ...(yaml?.tags ?? {}),
    ...(env.GITHUB_REPOSITORY ? { "mlops-actions/repository": env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_SHA ? { "mlops-actions/sha": env.GITHUB_SHA } : {}),
    ...(lineageFromEnv(env).runUrl ? { "mlops-actions/run-url": lineageFromEnv(env).runUrl as string } : {}),
    ...(o.name ? { "mlops-actions/model": o.name } : {}),
  };
  /** An environment reference → its id; an inline environment → the id of its anonymous version. */
  const resolveEnvironment = async (ref: EnvironmentYaml, what: string, where: string): Promise<string> =>
    typeof ref === "string"
      ? resolveAssetRef(arm, p.wsPath, parseAssetRef("environments", ref, p.wsPath, what), what)
      : (await ensureAnonymousEnvironment(arm, p.wsPath, await inlineEnvironmentBody(ref, p.yamlDir, where), logger))
          .id;
  /** Each code folder is hashed and uploaded once per run, however many steps use it. */
  const codeAssets = new Map<string, Promise<CodeAsset>>();
  const codeAsset = (dir: string): Promise<CodeAsset> => {
    let c = codeAssets.get(dir);
    if (!c) {
      c = snapshotCode(dir).then((snapshot) => ensureCodeAsset(arm, p.wsPath, store, snapshot, logger));
      codeAssets.set(dir, c);
    }
    return c;
  };

  let build: (name: string, combo: Combination, outUri: string) => JobProperties;
  let environmentId: string | undefined;
  if (yaml?.type === "pipeline") {
    if (!computeIdValue && yaml.jobs.some((s) => !s.compute))
      throw new UserError(
        "compute-target: missing (got nothing, and the pipeline has no settings.default_compute). Set compute-target: to a cluster name.",
      );
    // Inline steps are checked before anything is uploaded or registered.
    for (const s of yaml.jobs) {
      if (!s.inline) continue;
      if (s.inline.environment === undefined && !o.environment?.trim())
        throw new UserError(
          `job-file: jobs.${s.name}.environment: missing in an inline step (got nothing, and no environment input). Add environment: azureml:<name>:<version> or { image: ..., conda_file: ... } to the step, or set the environment input.`,
        );
      inlineComponentSpec(yaml, s, { environmentId: "unresolved" });
    }
    const componentIds: Record<string, string> = {};
    const stepComputeIds: Record<string, string> = {};
    for (const s of yaml.jobs) {
      const what = `job-file: jobs.${s.name}`;
      if (s.inline) {
        const stepEnv = s.inline.environment;
        const envId =
          stepEnv !== undefined
            ? await resolveEnvironment(stepEnv, `${what}.environment`, `jobs.${s.name}.environment`)
            : await resolveEnvironment(o.environment?.trim() ?? "", "environment", "environment");
        const codeId = s.inline.code ? (await codeAsset(at(s.inline.code, p.yamlDir))).id : undefined;
        const spec = inlineComponentSpec(yaml, s, { codeId, environmentId: envId });
        componentIds[s.name] = (await ensureAnonymousComponent(arm, p.wsPath, spec, s.name, logger)).id;
      } else {
        componentIds[s.name] = await resolveAssetRef(
          arm,
          p.wsPath,
          parseAssetRef("components", s.component ?? "", p.wsPath, `${what}.component`),
          `${what}.component`,
        );
      }
      if (s.compute) stepComputeIds[s.name] = computeId(s.compute, p.wsPath, `${what}.compute`);
    }
    const outName = p.modelOutput;
    build = (name, _combo, outUri) => {
      const body = jobYamlToRest(yaml, { computeId: computeIdValue, componentIds, stepComputeIds });
      if (
        !body.outputs?.[outName] &&
        !yaml.jobs.some((s) => JSON.stringify(s.outputs).includes(`parent.outputs.${outName}`))
      )
        throw new UserError(
          `model-output: the pipeline has no output ${shown(outName)} (got outputs ${shown(Object.keys(yaml.outputs))}). Add outputs: { ${outName}: { type: uri_folder } } bound to the step that writes model.onnx, or set model-output:.`,
        );
      body.outputs = {
        ...body.outputs,
        [outName]: {
          ...(body.outputs?.[outName] ?? { jobOutputType: "uri_folder" }),
          uri: outUri,
          mode: body.outputs?.[outName]?.mode ?? "ReadWriteMount",
        },
      };
      body.inputs = { ...body.inputs, ...paramInputs(p.params, yaml.inputs, false) };
      return finishBody(body, name);
    };
  } else {
    if (!computeIdValue)
      throw new UserError(
        "compute-target: missing (got nothing). Set compute-target: to the name of an Azure ML compute cluster, e.g. cpu-cluster.",
      );
    const envRef: EnvironmentYaml | undefined =
      o.environment?.trim() || (yaml as CommandJobYaml | undefined)?.environment;
    if (!envRef)
      throw new UserError(
        "environment: missing (got nothing). Set environment: to an Azure ML environment, e.g. azureml:sklearn-env@latest or azureml://registries/azureml/environments/sklearn-1.5/labels/latest.",
      );
    const envWhat = o.environment?.trim() ? "environment" : "job-file: environment";
    environmentId = await resolveEnvironment(envRef, envWhat, "environment");
    const codeDir = o.code?.trim()
      ? at(o.code.trim())
      : yaml?.type === "command" && yaml.code
        ? at(yaml.code, p.yamlDir)
        : cwd;
    const code = await codeAsset(codeDir);
    const y: CommandJobYaml =
      yaml?.type === "command"
        ? yaml
        : { type: "command", command: p.command ?? "", inputs: {}, outputs: {}, environmentVariables: {} };
    build = (name, combo, outUri) => {
      const trialParams = { ...p.params, ...combo };
      const body = jobYamlToRest(
        { ...y, command: p.command ?? y.command },
        { computeId: computeIdValue, environmentId, codeId: code.id },
      );
      body.command = `export MLOPS_OUTPUT_DIR="\${{outputs.model}}" MLOPS_MODEL_PATH="\${{outputs.model}}/model.onnx" MLOPS_METRICS_PATH="\${{outputs.model}}/metrics.json" && ${body.command}`;
      body.inputs = {
        ...body.inputs,
        ...paramInputs(p.params, y.inputs, false),
        ...paramInputs(combo, y.inputs, true),
      };
      body.outputs = { ...body.outputs, model: { jobOutputType: "uri_folder", mode: "ReadWriteMount", uri: outUri } };
      body.environmentVariables = {
        ...body.environmentVariables,
        MLOPS_PARAMS: JSON.stringify(trialParams),
        ...(o.seed !== undefined ? { MLOPS_SEED: String(o.seed) } : {}),
      };
      return finishBody(body, name);
    };
  }

  function finishBody(body: JobProperties, name: string): JobProperties {
    body.experimentName = p.experiment;
    body.displayName = yaml?.displayName ?? name;
    body.tags = { ...baseTags, ...(body.tags ?? {}) };
    return body;
  }

  return { o, p, logger, env, credential, arm, data, ds, store, computeIdValue, environmentId, build, at };
}

/** Submit every trial (at most max-parallel at once), wait for each and download its outputs. */
async function runTrials(t: Training): Promise<PromiseSettledResult<TrialResult>[]> {
  const { o, p } = t;
  const runTag = t.env.GITHUB_RUN_ID
    ? [t.env.GITHUB_RUN_ID, t.env.GITHUB_RUN_ATTEMPT || "1"]
    : [Date.now().toString(36)];
  const suffix = randomBytes(3).toString("hex");
  const deadline = Date.now() + o.timeoutMs;
  const sweeping = p.combos.length > 1;
  return runBounded(p.combos, Math.max(1, o.maxParallel ?? 4), async (combo, index): Promise<TrialResult> => {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error("cancelled");
    const name = makeJobName([o.name || "model", ...runTag, sweeping ? String(index) : undefined, suffix]);
    const outUri = outUriOf(t.ds.name, name);
    const body = t.build(name, combo, outUri);
    const trial: TrialResult = {
      index,
      jobName: name,
      jobId: jobPath(p.ws, name),
      studioUrl: jobStudioUrl(undefined, p.ws, name),
      params: combo,
      status: "NotStarted",
      dir: join(t.at(o.outputDir), name),
    };
    const created = await submit(t, trial, body);
    t.logger.info(
      `azureml: submitted ${body.jobType.toLowerCase()} job ${name}${sweeping ? ` (trial ${index + 1}/${p.combos.length}: ${shown(combo)})` : ""}: ${trial.studioUrl}`,
    );
    await wait(t, trial, created, deadline);
    await download(t.store, outUri, trial.dir);
    trial.metrics = await readMetricsOutput(join(trial.dir, "metrics.json")).catch(() => undefined);
    return trial;
  });
}

/** Create the job; a workflow cancelled meanwhile cancels what the PUT may have created. */
async function submit(t: Training, trial: TrialResult, body: JobProperties): Promise<JobResource> {
  const { o, p, arm } = t;
  const name = trial.jobName;
  let created: JobResource;
  try {
    created = await submitJob(arm, p.ws, name, body, o.signal);
  } catch (e) {
    if (!o.signal?.aborted) throw e;
    // The PUT may have reached Azure ML before the abort: cancel what it created (404 when nothing was).
    const asked = (await cancelJob(arm, p.ws, name, t.logger))
      ? "cancel requested in Azure ML"
      : "the cancel request failed, cancel it in Studio";
    const signalName = (o.signal.reason as { signalName?: string } | undefined)?.signalName ?? "abort";
    throw new TrialFailed(
      trial,
      new JobEndedError(
        `azureml: the workflow was cancelled (got ${signalName}) while job ${name} was being submitted; ${asked}: ${trial.studioUrl}`,
        name,
        "NotStarted",
        trial.studioUrl,
        "cancelled",
      ),
    );
  }
  trial.jobId = created.id ?? trial.jobId;
  trial.studioUrl = jobStudioUrl(created, p.ws, name);
  return created;
}

/** Follow the job to its end (the trial's status as it goes); an unsuccessful end is a TrialFailed. */
async function wait(t: Training, trial: TrialResult, created: JobResource, deadline: number): Promise<void> {
  const { o, p, arm, logger } = t;
  try {
    const job = await waitForJob(arm, p.ws, trial.jobName, {
      timeoutMs: Math.max(0, deadline - Date.now()),
      pollIntervalMs: o.pollIntervalMs,
      sleep: o.sleep,
      diagnose: (job) => jobDiagnostics(arm, p.ws, job, { credential: t.credential, logger, onSecret: o.onSecret }),
      signal: o.signal,
      logger,
      created,
      onStatus: (s) => {
        trial.status = s;
      },
    });
    trial.studioUrl = jobStudioUrl(job, p.ws, trial.jobName);
  } catch (e) {
    if (e instanceof JobEndedError) trial.status = e.status || trial.status;
    throw new TrialFailed(trial, e);
  }
}

/** The trials as they ended, and the winner; a cancel, a timeout or a bug fails the step whatever the others did. */
function collect(t: Training, results: PromiseSettledResult<TrialResult>[]): { trials: TrialResult[]; winner: number } {
  const { p, logger } = t;
  const sweeping = p.combos.length > 1;
  const reasonOf = (e: unknown): Error => {
    const reason = e instanceof TrialFailed ? e.reason : e;
    return reason instanceof Error ? reason : new Error(String(reason));
  };
  const trials: TrialResult[] = results.map((r, i) => {
    if (r.status === "fulfilled") return r.value;
    const error = reasonOf(r.reason).message;
    return r.reason instanceof TrialFailed
      ? { ...r.reason.trial, error }
      : {
          index: i,
          jobName: "",
          jobId: "",
          studioUrl: "",
          params: p.combos[i] ?? {},
          status: "NotSubmitted",
          dir: "",
          error,
        };
  });
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === "rejected")
    .map((r) => reasonOf(r.reason));
  // Cancelled or timed out: the whole step fails, whatever the other trials did.
  const fatal =
    failures.find((f) => f instanceof JobEndedError && (f.code === "cancelled" || f.code === "timeout")) ??
    failures.find((f) => !(f instanceof JobEndedError) && !(f instanceof UserError));
  if (fatal) throw fatal;
  if (!sweeping && failures[0]) throw failures[0];
  if (failures.length === trials.length) {
    const list = trials.map((x) => `${x.jobName || `trial ${x.index}`}: ${x.status}`).join("; ");
    throw new UserError(
      `azureml: all ${trials.length} trials failed (got ${list}). Fix the trainer; each trial's logs are in Studio: ${trials
        .map((x) => x.studioUrl)
        .filter(Boolean)
        .join(" ")}`,
      { code: "job-failed" },
    );
  }
  for (const f of failures) logger.warning(f.message);

  let winner = 0;
  if (sweeping && p.sweep) {
    const best = pickBest(
      trials.filter((x) => !x.error),
      p.sweep,
    );
    if (best === undefined)
      throw new UserError(
        `sweep-metric: no completed trial wrote metric ${shown(p.sweep.metric)} (got metrics ${shown(trials.find((x) => x.metrics)?.metrics ? Object.keys(trials.find((x) => x.metrics)?.metrics ?? {}) : "none")}). Use a metric your trainer writes to metrics.json.`,
      );
    winner = best;
    logger.info(
      `azureml: best trial by ${p.sweep.goal}:${p.sweep.metric}: ${trials[winner]?.jobName} (${trials[winner]?.metrics?.[p.sweep.metric]})`,
    );
  }
  return { trials, winner };
}

/** The winner's model validated, registered (and published to the workspace), with its Azure ML lineage. */
async function register(
  t: Training,
  trials: TrialResult[],
  winner: number,
  durationSeconds: number,
): Promise<AzureMLTrainResult> {
  const { o, p, logger, data, env } = t;
  const yaml = p.yaml;
  const sweeping = p.combos.length > 1;
  const best = trials[winner] as TrialResult;
  await requireModel(best, outUriOf(t.ds.name, best.jobName));

  const lineage: AzureMLLineage = {
    jobName: best.jobName,
    jobId: best.jobId,
    studioUrl: best.studioUrl,
    experiment: p.experiment,
    ...(t.computeIdValue ? { compute: t.computeIdValue } : {}),
    ...(t.environmentId ? { environment: t.environmentId } : {}),
    jobType: yaml?.type === "pipeline" ? "Pipeline" : "Command",
    ...(sweeping && p.sweep
      ? {
          sweep: {
            metric: `${p.sweep.goal}:${p.sweep.metric}`,
            winner: best.jobName,
            trials: trials.map((t): AzureMLTrialLineage => ({
              jobName: t.jobName,
              status: t.status,
              params: t.params,
              ...(t.metrics?.[p.sweep?.metric ?? ""] !== undefined
                ? { metric: t.metrics?.[p.sweep?.metric ?? ""] }
                : {}),
              studioUrl: t.studioUrl,
            })),
          },
        }
      : {}),
  };
  const commandText = p.command ?? `pipeline ${yaml?.displayName ?? o.jobFile ?? ""}`.trim();
  const result = await finishTrain({
    modelPath: join(best.dir, "model.onnx"),
    metricsPath: join(best.dir, "metrics.json"),
    params: { ...p.params, ...best.params },
    data,
    name: o.name,
    tags: o.tags,
    lineage: {
      ...lineageFromEnv(env),
      ...(data ? { dataHash: data.hash, dataFiles: data.files.length, dataBytes: data.bytes } : {}),
      command: redactCommandLine(commandText),
      durationSeconds,
      azureml: lineage,
    },
    registry: o.registry,
    alias: o.alias,
    aliasReason: o.aliasReason,
    logger,
    // The workspace version is written once the model is validated and before the registry takes it, so a
    // refusal by Azure ML leaves nothing registered; the card then records the version.
    beforeRegister: p.workspaceModel
      ? async (card, files) => {
          const published = await publishWorkspaceModel(t.arm, p.ws, p.workspaceModel as string, card, {
            job: best.jobName,
            output: p.modelOutput,
            modelPath: files.modelPath,
            logger,
          });
          lineage.model = published.model; // `lineage` is the card's lineage.azureml
          return { undo: published.undo };
        }
      : undefined,
  });
  return { ...result, azureml: lineage, trials, winner, ...(p.sweep ? { sweep: p.sweep } : {}) };
}

function strOf(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v : undefined;
}

function outUriOf(datastore: string, name: string): string {
  return datastoreUri(datastore, `mlops-actions/${name}/model`);
}

/**
 * Scalar values as literal job inputs: those the YAML declares are overridden (`params` given to the
 * action win over the file); with `addNew`, the others are added (matrix values, `${{inputs.<name>}}`).
 */
function paramInputs(
  values: Record<string, unknown>,
  existing: Record<string, YamlInput>,
  addNew: boolean,
): JobProperties["inputs"] {
  const out: NonNullable<JobProperties["inputs"]> = {};
  for (const [k, v] of Object.entries(values)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (v === null || typeof v === "object") continue;
    const declared = existing[k];
    if (declared === undefined && !addNew) continue;
    if (typeof declared === "object" && declared !== null && declared.path !== undefined) continue; // a data input stays
    out[k] = restInput(v as string | number | boolean, `inputs.${k}`);
  }
  return out;
}

async function download(store: OpenedDatastore, uri: string, dir: string): Promise<string[]> {
  const parsed = parseDatastoreUri(uri);
  if (!parsed) throw new Error(`azureml: not a datastore URI: ${uri}`);
  await mkdir(dir, { recursive: true });
  return downloadPrefix(store.container, parsed.path, dir);
}

async function requireModel(t: TrialResult, uri: string): Promise<void> {
  const { readdir } = await import("node:fs/promises");
  const files = await readdir(t.dir).catch(() => [] as string[]);
  if (!files.includes("model.onnx"))
    throw new UserError(
      `azureml: job ${t.jobName} completed but its output has no model.onnx (got ${files.length ? shown(files.sort()) : "no files"} at ${uri}). Make the job's command write model.onnx and metrics.json to $MLOPS_OUTPUT_DIR (the job output \${{outputs.model}}): ${t.studioUrl}`,
      { code: "model-missing" },
    );
}
