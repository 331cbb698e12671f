/**
 * Rolling a model out to an Azure ML managed online endpoint, the way the safe-rollout guide does it
 * (https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints):
 *
 * - blue-green: create the new deployment next to the current one, smoke-test it directly (header
 *   `azureml-model-deployment`) before it takes traffic, move traffic step by step with a health check after
 *   each step, and at 100% make it the champion. The previous deployment stays at 0% for an instant rollback
 *   unless it is retired.
 * - ab: the new deployment is the challenger and gets a fixed share; the champion keeps the rest. A former
 *   challenger is replaced (deleted once the traffic has moved off it).
 *
 * Roles live in deployment tags (`mlops-role`, `mlops-model`). Any failure after traffic moved, and a
 * cancelled workflow, put the traffic map back as it was (one PUT); a failed deployment is left at 0% so
 * its logs can be read.
 *
 * What serves the model: with `image`, the suite's own inference server (the image package-edge builds for the
 * plants) as a custom container (inference-server.ts): the same server and protocol in the cloud as at the
 * plant. The model is then either an Azure ML model, mounted into the container, or `<name>@<version>`: the
 * model package-edge baked into the image, for a candidate that is not in Azure ML's registry yet (staging).
 * A deployment without a model is what Azure ML documents for custom containers ("This field is optional for
 * custom container deployment scenarios", model in
 * https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online; OnlineDeployment.model
 * is not required in mfe.json 2024-10-01). Otherwise the user's environment and scoring script, or nothing for an MLflow/Triton model. A model
 * that is neither needs one of the two; Azure ML refuses it otherwise.
 */
import type { TokenCredential } from "@azure/identity";
import type { ArmClient } from "../azure/arm";
import { lazyDefaultCredential } from "../azure/credential";
import { shown, UserError } from "../errors";
import { realSleep } from "../http";
import { type Logger, silentLogger } from "../log";
import {
  deleteDeployment,
  deploymentLogs,
  deploymentNameFor,
  getEndpoint,
  getEndpointToken,
  listDeployments,
  listKeys,
  modelAssetId,
  newEndpointBody,
  ONLINE_NAME,
  type OnlineDeployment,
  type OnlineEndpoint,
  putDeployment,
  putEndpoint,
  restoreTraffic,
  setDeploymentTags,
  setTraffic,
  workspaceLocation,
} from "../azureml/online-endpoints";
import { ensureCodeAsset, snapshotCode } from "../azureml/code-asset";
import { getDatastore, openDatastore } from "../azureml/datastore";
import { armClient, type WorkspaceRef, workspacePath } from "../azureml/workspace";
import { type CheckResult, checkDeployment } from "./health-check";
import {
  ensureServerEnvironment,
  requireOipRequest,
  serverEnvironment,
  serverEnvironmentVariables,
} from "./inference-server";
import { renderDeployMarkdown } from "./summary";
import { abSplit, blueGreenPlan, formatTraffic, sameTraffic, type TrafficMap } from "./traffic-plan";

export const ROLE_TAG = "mlops-role";
export const MODEL_TAG = "mlops-model";

export interface DeployOnlineOptions {
  workspace: WorkspaceRef;
  /** Resource Manager endpoint; default https://management.azure.com. */
  armEndpoint?: string;
  credential?: TokenCredential;
  endpoint: string;
  /** An Azure ML model reference, or `<name>@<version>` for the model baked into `image`. */
  model: string;
  deployment?: string;
  instanceType: string;
  instanceCount: number;
  /**
   * The inference server image (package-edge's, in a registry the workspace can pull from): deployed as a
   * custom container with the model mounted, answering Open Inference Protocol v2.
   */
  image?: string;
  /** Environment asset (azureml:<name>:<version>, azureml://registries/..., or ARM id) for non-MLflow models. */
  environment?: string;
  /**
   * The scoring code, for non-MLflow models: a folder (hashed, uploaded once to the workspace's default
   * datastore and registered as a code version) or an existing code asset (azureml:<name>:<version>, ARM id).
   */
  codePath?: string;
  scoringScript?: string;
  strategy: "blue-green" | "ab";
  traffic: number[];
  challengerTraffic?: number;
  /** The body of the smoke-test and health-check requests; without it no requests are sent. */
  sampleRequest?: string;
  smokeRequests: number;
  maxErrorRate: number;
  stepWaitSeconds: number;
  retirePrevious: boolean;
  timeoutMinutes?: number;
  logger?: Logger;
  /** The workflow was cancelled: stop and put the traffic back. */
  signal?: AbortSignal;
  /** Called with each secret read from Azure (endpoint keys or token, the datastore's key or SAS), before anything could print it. */
  onSecret?: (secret: string) => void;
  /** Receives the result: of the rollout, or of a failed one that was rolled back, before its error is raised. */
  report?: (result: DeployOnlineResult) => void;
  pollIntervalMs?: number;
  baseDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface StepRecord {
  traffic: TrafficMap;
  check?: CheckResult;
}

export interface DeployOnlineResult {
  endpoint: string;
  deployment: string;
  scoringUri: string;
  strategy: "blue-green" | "ab";
  previousTraffic: TrafficMap;
  traffic: TrafficMap;
  rolledBack: boolean;
  /** Nothing to do: the deployment already serves this model with the wanted traffic. */
  noop: boolean;
  smoke?: CheckResult;
  steps: StepRecord[];
  retired: string[];
  studioUrl: string;
  summary: string;
  failure?: string;
}

/** The rollout failed; `result` says where it stopped and whether the traffic was restored. */
export class RolloutFailed extends UserError {
  constructor(
    message: string,
    readonly result: DeployOnlineResult,
    cause?: unknown,
  ) {
    super(message, { code: "rollout-failed", cause });
  }
}

export async function runDeployOnline(o: DeployOnlineOptions): Promise<DeployOnlineResult> {
  const timeout = o.timeoutMinutes ? AbortSignal.timeout(o.timeoutMinutes * 60_000) : undefined;
  const signal = o.signal && timeout ? AbortSignal.any([o.signal, timeout]) : (o.signal ?? timeout);
  let result: DeployOnlineResult;
  try {
    result = await rollout(o, signal);
  } catch (e) {
    // A failed rollout was rolled back: its outputs and summary still say where traffic went.
    if (e instanceof RolloutFailed) o.report?.(e.result);
    // Stopped before any traffic moved (reading the endpoint, the smoke test): nothing to undo.
    if (signal?.aborted && !(e instanceof UserError))
      throw new UserError(
        `endpoint ${o.endpoint}: ${describeAbort(signal, o.timeoutMinutes)} before any traffic moved; nothing was changed on the traffic map. Run the workflow again.`,
        { cause: e, code: "cancelled" },
      );
    throw e;
  }
  o.report?.(result);
  return result;
}

/** What the phases of a rollout share: the clients, the endpoint as it was, and the result being built. */
interface Rollout {
  o: DeployOnlineOptions;
  signal: AbortSignal | undefined;
  logger: Logger;
  credential: TokenCredential;
  arm: ArmClient;
  /** Putting traffic back must work after a cancel: its own client, without the cancelled signal. */
  restoreArm: ArmClient;
  ws: WorkspaceRef;
  status: ReturnType<typeof statusLogger>;
  model: DeployedModel;
  name: string;
  endpoint: OnlineEndpoint;
  previous: TrafficMap;
  existing: OnlineDeployment | undefined;
  sameModel: boolean;
  champion: string | undefined;
  /** The traffic maps to set, in order (empty: the traffic is already as wanted). */
  plan: TrafficMap[];
  role: "champion" | "challenger";
  result: DeployOnlineResult;
}

/** resolve → deploy → smoke → shift (restore on failure) → settle roles. */
async function rollout(o: DeployOnlineOptions, signal: AbortSignal | undefined): Promise<DeployOnlineResult> {
  const r = await resolve(o, signal);
  if (r.sameModel && r.plan.length === 0) {
    r.logger.info(
      `deployment ${r.name}: already serves ${r.model.label} with traffic ${formatTraffic(r.previous)}; nothing to do`,
    );
    // Roles an earlier run did not finish (it was cancelled after the traffic moved) are completed here.
    await settleRoles(r);
    r.result.noop = true;
    return finish(r);
  }
  await deploy(r);
  const key = o.sampleRequest ? await dataPlaneKey(r.arm, r.ws, o.endpoint, r.endpoint) : undefined;
  if (key) o.onSecret?.(key);
  const check = (label: string) => healthCheck(r, key, label);
  await smoke(r, check);
  await shift(r, check);
  try {
    await settleRoles(r);
  } catch (e) {
    if (!signal?.aborted) throw e;
    r.result.failure = describeAbort(signal, o.timeoutMinutes);
    throw new RolloutFailed(
      `deployment ${r.name}: ${r.result.failure} after the traffic moved (got traffic ${formatTraffic(r.result.traffic)}); the mlops-role tags may be unfinished. Run the workflow again to finish them (the traffic stays as it is)${o.retirePrevious ? `; a previous deployment left at 0% is not deleted then: az ml online-deployment delete --endpoint-name ${o.endpoint} --name <deployment>` : ""}.`,
      finish(r),
      e,
    );
  }
  return finish(r);
}

function finish(r: Rollout): DeployOnlineResult {
  r.result.summary = renderDeployMarkdown(r.result, r.model.label);
  return r.result;
}

/** The options checked, the endpoint read (created when absent), who is who and the traffic plan. */
async function resolve(o: DeployOnlineOptions, signal: AbortSignal | undefined): Promise<Rollout> {
  const logger = o.logger ?? silentLogger;
  const credential = o.credential ?? lazyDefaultCredential();
  const conn = {
    endpoint: o.armEndpoint,
    credential,
    logger,
    pollIntervalMs: o.pollIntervalMs,
    baseDelayMs: o.baseDelayMs,
    sleep: o.sleep,
  };
  const arm = armClient({ ...conn, signal });
  const restoreArm = armClient(conn);
  const ws = o.workspace;

  if (!ONLINE_NAME.test(o.endpoint))
    throw new UserError(
      `endpoint: not an online endpoint name (got ${shown(o.endpoint)}). Use 3-32 letters, digits and '-', starting with a letter.`,
    );
  const model = deployedModel(o.model, o.image, ws);
  const name = o.deployment ?? deploymentNameFor(model.name, model.version);
  if (!ONLINE_NAME.test(name))
    throw new UserError(
      `deployment: not an online deployment name (got ${shown(name)}). Use 3-32 letters, digits and '-', starting with a letter, or leave it empty to derive it from the model.`,
    );
  if (o.strategy === "ab" && (o.challengerTraffic === undefined || o.challengerTraffic < 1 || o.challengerTraffic > 99))
    throw new UserError(
      `challenger-traffic: strategy ab needs the challenger's share from 1 to 99 (got ${shown(o.challengerTraffic ?? "")}). Set e.g. challenger-traffic: 10.`,
    );
  if (o.image && (o.environment || o.codePath || o.scoringScript))
    throw new UserError(
      `image: the inference server image serves the model itself (got image ${shown(o.image)} with ${o.environment ? `environment ${shown(o.environment)}` : `code-path ${shown(o.codePath ?? o.scoringScript ?? "")}`}). Set image: alone, or environment:, code-path: and scoring-script: for your own scoring script.`,
    );
  if (o.image && o.sampleRequest) requireOipRequest(o.sampleRequest);
  if ((o.codePath && !o.scoringScript) || (!o.codePath && o.scoringScript))
    throw new UserError(
      `code-path: code-path and scoring-script go together (got code-path ${shown(o.codePath ?? "")}, scoring-script ${shown(o.scoringScript ?? "")}). Set both for a model that needs a scoring script, or neither for an MLflow model.`,
    );

  const status = statusLogger(logger);
  let endpoint = await getEndpoint(arm, ws, o.endpoint);
  if (!endpoint) {
    const location = await workspaceLocation(arm, ws);
    logger.info(`endpoint ${o.endpoint}: creating it in ${location} (key authentication)`);
    endpoint = await putEndpoint(arm, ws, o.endpoint, newEndpointBody(location), {
      onStatus: status(`endpoint ${o.endpoint}`),
    });
  }
  const previous: TrafficMap = { ...(endpoint.properties.traffic ?? {}) };
  const deployments = await listDeployments(arm, ws, o.endpoint);
  const existing = deployments.find((d) => d.name === name);
  const sameModel = Boolean(existing && servesModel(existing, model, o.image, ws));

  const result: DeployOnlineResult = {
    endpoint: o.endpoint,
    deployment: name,
    scoringUri: endpoint.properties.scoringUri ?? "",
    strategy: o.strategy,
    previousTraffic: previous,
    traffic: previous,
    rolledBack: false,
    noop: false,
    steps: [],
    retired: [],
    studioUrl: `https://ml.azure.com/endpoints/realtime/${encodeURIComponent(o.endpoint)}/detail?wsid=${workspacePath(ws)}`,
    summary: "",
  };

  if (existing && !sameModel && modelOf(existing) !== model.label && (previous[name] ?? 0) > 0)
    throw new UserError(
      `deployment: ${shown(name)} serves ${previous[name]}% of the traffic with another model (got ${shown(modelOf(existing))}). Leave deployment: empty to derive a new name from the model, or choose another name.`,
    );

  // Who is who, and what the end state is.
  let champion: string | undefined;
  let plan: TrafficMap[];
  if (o.strategy === "ab") {
    champion = findChampion(deployments, previous, name);
    if (!champion)
      throw new UserError(
        `strategy: ab needs a champion deployment serving traffic on ${shown(o.endpoint)} (got traffic ${shown(formatTraffic(previous))}). Deploy the champion with strategy: blue-green first.`,
      );
    const target = abSplit(previous, champion, name, o.challengerTraffic!);
    plan = sameTraffic(previous, target) ? [] : [target];
  } else {
    plan = blueGreenPlan(previous, name, o.traffic);
  }
  const role = o.strategy === "ab" ? "challenger" : "champion";
  return {
    o,
    signal,
    logger,
    credential,
    arm,
    restoreArm,
    ws,
    status,
    model,
    name,
    endpoint,
    previous,
    existing,
    sameModel,
    champion,
    plan,
    role,
    result,
  };
}

/** The new deployment, at 0% (an existing one with the same model is reused). */
async function deploy(r: Rollout): Promise<void> {
  const { o, arm, ws, name, model, signal, logger, previous } = r;
  if (r.sameModel) {
    logger.info(`deployment ${name}: exists with ${model.label}; reusing it`);
    return;
  }
  logger.info(
    `deployment ${name}: ${r.existing ? "updating" : "creating"} with ${model.label} on ${o.instanceCount} x ${o.instanceType}`,
  );
  try {
    const codeId = o.codePath ? await codeAssetId(arm, ws, o.codePath, r.credential, logger, o.onSecret) : undefined;
    const serverEnvironment = o.image ? await ensureServerEnvironment(arm, ws, o.image, model.name, logger) : undefined;
    const body = deploymentBody(o, r.endpoint, model, ws, codeId);
    if (serverEnvironment) {
      body.properties.environmentId = serverEnvironment;
      body.properties.environmentVariables = serverEnvironmentVariables(model);
    }
    await putDeployment(arm, ws, o.endpoint, name, body, {
      onStatus: r.status(`deployment ${name}`),
    });
  } catch (e) {
    if (signal?.aborted) {
      r.result.failure = describeAbort(signal, o.timeoutMinutes);
      throw new RolloutFailed(
        `deployment ${name}: ${r.result.failure} while the deployment was being created. No traffic was moved; the endpoint still serves ${formatTraffic(previous)}.`,
        finish(r),
        e,
      );
    }
    const logs = await tailLogs(r.restoreArm, ws, o.endpoint, name);
    const message = e instanceof Error ? e.message : String(e);
    r.result.failure = `provisioning failed: ${message}`;
    throw new RolloutFailed(
      `deployment ${name}: provisioning failed (got ${shown(message, 600)}). No traffic was moved; the endpoint still serves ${formatTraffic(previous)}. Fix the deployment (model, environment, instance type or quota) and run again.${logs}`,
      finish(r),
      e,
    );
  }
}

type Check = (label: string) => Promise<CheckResult | undefined>;

/** Requests from sample-request against the deployment alone (none without a sample request). */
async function healthCheck(r: Rollout, key: string | undefined, label: string): Promise<CheckResult | undefined> {
  const { o } = r;
  if (!o.sampleRequest || !key) return undefined;
  const c = await checkDeployment(label, {
    scoringUri: r.result.scoringUri,
    key,
    deployment: r.name,
    body: o.sampleRequest,
    requests: o.smokeRequests,
    maxErrorRate: o.maxErrorRate,
    protocol: o.image ? "oip-v2" : undefined,
    ...(r.model.inImage ? { model: { name: r.model.name, version: r.model.version } } : {}),
    signal: r.signal,
  });
  r.logger.info(
    `${label}: ${c.requests - c.errors}/${c.requests} requests answered, p50 ${c.p50Ms.toFixed(0)} ms, p95 ${c.p95Ms.toFixed(0)} ms${c.passed ? "" : ` — FAILED (${c.firstError})`}`,
  );
  return c;
}

/** The smoke test, before any traffic. */
async function smoke(r: Rollout, check: Check): Promise<void> {
  const { o, name, previous, result } = r;
  if (!o.sampleRequest)
    r.logger.warning(
      "sample-request is empty: the deployment is not smoke-tested and traffic steps have no health check.",
    );
  result.smoke = await check("smoke test");
  if (result.smoke && !result.smoke.passed) {
    const logs = await tailLogs(r.restoreArm, r.ws, o.endpoint, name);
    result.failure = `smoke test failed`;
    throw new RolloutFailed(
      `deployment ${name}: the smoke test failed (got ${result.smoke.errors} errors in ${result.smoke.requests} requests, first: ${shown(result.smoke.firstError ?? "", 300)}). No traffic was moved; the endpoint still serves ${formatTraffic(previous)}. Fix the model or the sample-request and run again.${logs}`,
      finish(r),
    );
  }
}

/** Traffic, step by step, with a health check after each; a failure puts the traffic back. */
async function shift(r: Rollout, check: Check): Promise<void> {
  const { o, name, signal, logger, result } = r;
  const sleep = o.sleep ?? realSleep;
  let moved = false;
  try {
    for (const map of r.plan) {
      logger.info(`endpoint ${o.endpoint}: traffic ${formatTraffic(map)}`);
      moved = true;
      const after = await setTraffic(r.arm, r.ws, o.endpoint, map, {
        onStatus: r.status(`endpoint ${o.endpoint} traffic`),
      });
      result.traffic = { ...(after.properties.traffic ?? map) };
      const step: StepRecord = { traffic: result.traffic };
      result.steps.push(step);
      if (o.stepWaitSeconds > 0) {
        logger.info(`waiting ${o.stepWaitSeconds} s before the health check`);
        await sleep(o.stepWaitSeconds * 1000, signal);
      }
      step.check = await check(`health check at ${map[name] ?? 0}%`);
      if (step.check && !step.check.passed)
        throw new UserError(
          `the health check at ${map[name] ?? 0}% failed (got ${step.check.errors} errors in ${step.check.requests} requests, first: ${shown(step.check.firstError ?? "", 300)})`,
        );
    }
  } catch (e) {
    const what = signal?.aborted ? describeAbort(signal, o.timeoutMinutes) : e instanceof Error ? e.message : String(e);
    result.failure = what;
    if (!moved) throw e;
    const restored = await restore(r);
    const logs = signal?.aborted ? "" : await tailLogs(r.restoreArm, r.ws, o.endpoint, name);
    throw new RolloutFailed(
      `deployment ${name}: ${what}. ${restored}; ${name} is left at 0% for diagnosis.${signal?.aborted ? "" : " Fix the model or raise max-error-rate, and run again."}${logs}`,
      finish(r),
      e,
    );
  }
}

/** The traffic map as it was before the rollout; says what happened, with the command to run by hand if it failed. */
async function restore(r: Rollout): Promise<string> {
  const { o, previous } = r;
  const sleep = o.sleep ?? realSleep;
  try {
    r.logger.warning(`endpoint ${o.endpoint}: putting traffic back to ${formatTraffic(previous)}`);
    const back = await restoreTraffic(r.restoreArm, r.ws, o.endpoint, previous, {
      onStatus: r.status(`endpoint ${o.endpoint} rollback`),
      pollMs: o.pollIntervalMs,
      sleep: (ms) => sleep(ms),
    });
    r.result.traffic = { ...(back.properties.traffic ?? previous) };
    r.result.rolledBack = true;
    return `Traffic was restored to ${formatTraffic(previous)}`;
  } catch (re) {
    return `Restoring the traffic to ${formatTraffic(previous)} FAILED (${re instanceof Error ? re.message : String(re)}); set it by hand: az ml online-endpoint update --name ${o.endpoint} --traffic "${Object.entries(
      previous,
    )
      .map(([n, v]) => `${n}=${v}`)
      .join(" ")}"`;
  }
}

/** Roles (mlops-role tags), and the previous deployments retired or replaced. */
async function settleRoles(r: Rollout): Promise<void> {
  const { o, arm, ws, name, logger, previous, result, status } = r;
  const fresh = await listDeployments(arm, ws, o.endpoint);
  const mine = fresh.find((d) => d.name === name) ?? { name, properties: { endpointComputeType: "Managed" as const } };
  await ensureTags(arm, ws, o.endpoint, mine, { [ROLE_TAG]: r.role, [MODEL_TAG]: r.model.label }, status);
  if (o.strategy === "blue-green") {
    for (const d of fresh) {
      if (d.name === name || d.tags?.[ROLE_TAG] !== "champion") continue;
      const { [ROLE_TAG]: _dropped, ...rest } = d.tags ?? {};
      logger.info(`deployment ${d.name}: no longer the champion${o.retirePrevious ? "" : ", kept at 0% for rollback"}`);
      await setDeploymentTags(arm, ws, o.endpoint, d.name, rest, { onStatus: status(`deployment ${d.name} tags`) });
    }
    if (o.retirePrevious)
      for (const d of fresh)
        if (d.name !== name && (previous[d.name] ?? 0) > 0 && (result.traffic[d.name] ?? 0) === 0) {
          logger.info(`deployment ${d.name}: deleting (retire-previous)`);
          await deleteDeployment(arm, ws, o.endpoint, d.name, { onStatus: status(`deployment ${d.name} delete`) });
          result.retired.push(d.name);
        }
  } else {
    await ensureTags(
      arm,
      ws,
      o.endpoint,
      fresh.find((d) => d.name === r.champion)!,
      { [ROLE_TAG]: "champion" },
      status,
    );
    for (const d of fresh)
      if (
        d.name !== name &&
        d.name !== r.champion &&
        d.tags?.[ROLE_TAG] === "challenger" &&
        (result.traffic[d.name] ?? 0) === 0
      ) {
        logger.info(`deployment ${d.name}: replaced as challenger by ${name}; deleting`);
        await deleteDeployment(arm, ws, o.endpoint, d.name, { onStatus: status(`deployment ${d.name} delete`) });
        result.retired.push(d.name);
      }
  }
}

function findChampion(deployments: OnlineDeployment[], traffic: TrafficMap, exclude: string): string | undefined {
  const serving = deployments.filter((d) => d.name !== exclude && (traffic[d.name] ?? 0) > 0);
  const tagged = serving.filter((d) => d.tags?.[ROLE_TAG] === "champion");
  const pool = tagged.length > 0 ? tagged : serving.filter((d) => d.tags?.[ROLE_TAG] !== "challenger");
  return pool.sort((a, b) => (traffic[b.name] ?? 0) - (traffic[a.name] ?? 0))[0]?.name;
}

function deploymentBody(
  o: DeployOnlineOptions,
  endpoint: OnlineEndpoint,
  model: DeployedModel,
  ws: WorkspaceRef,
  codeId: string | undefined,
): Omit<OnlineDeployment, "name"> {
  return {
    location: endpoint.location,
    kind: "Managed",
    // Blue/green makes it the champion only once it holds 100%.
    tags: { [ROLE_TAG]: "challenger", [MODEL_TAG]: model.label },
    sku: { name: "Default", capacity: o.instanceCount },
    properties: {
      endpointComputeType: "Managed",
      // A model baked into the image is not mounted: the deployment names none (the container has it).
      ...(model.id ? { model: model.id } : {}),
      instanceType: o.instanceType,
      scaleSettings: { scaleType: "Default" },
      ...(o.environment ? { environmentId: assetId(o.environment, "environments", ws, "environment") } : {}),
      ...(codeId && o.scoringScript ? { codeConfiguration: { codeId, scoringScript: o.scoringScript } } : {}),
    },
  };
}

/**
 * What a deployment serves: an Azure ML model (`id`, mounted into the container), or with `image` the model
 * package-edge baked into it, named `<name>@<version>` as the suite's registries name models (no `id`: Azure ML
 * mounts nothing). `label` is what tags, logs and the summary show.
 */
export interface DeployedModel {
  id?: string;
  name: string;
  version: string;
  label: string;
  inImage?: boolean;
}

const IN_IMAGE = /^([A-Za-z0-9][\w.-]*)@([\w.-]+)$/;

export function deployedModel(model: string, image: string | undefined, ws: WorkspaceRef): DeployedModel {
  const inImage = IN_IMAGE.exec(model.trim());
  if (!inImage) {
    try {
      const m = modelAssetId(model, ws);
      return { ...m, label: m.id };
    } catch (e) {
      if (!image || !(e instanceof UserError)) throw e;
      throw new UserError(
        `${e.message.replace(/\.$/, "")}; with image, <name>@<version> names the model baked into it.`,
        {
          cause: e,
        },
      );
    }
  }
  if (!image)
    throw new UserError(
      `model: ${shown(model.trim())} names the model inside an inference server image (<name>@<version>), but image is empty. Set image: to the image package-edge built from that model, or give an Azure ML model (azureml://registries/<registry>/models/<name>/versions/<version>, azureml:<name>:<version> or its ARM id).`,
    );
  return { name: inImage[1]!, version: inImage[2]!, label: `${inImage[1]}@${inImage[2]}`, inImage: true };
}

/** What an existing deployment serves, as a label: its Azure ML model, or the model its tag names when it mounts none. */
function modelOf(d: OnlineDeployment): string {
  return d.properties.model ?? d.tags?.[MODEL_TAG] ?? "";
}

/** The deployment exists, succeeded and serves this model (a baked one: from the same image). */
function servesModel(d: OnlineDeployment, model: DeployedModel, image: string | undefined, ws: WorkspaceRef): boolean {
  if (!/^succeeded$/i.test(d.properties.provisioningState ?? "")) return false;
  if (model.id) return d.properties.model === model.id;
  return (
    !d.properties.model &&
    d.tags?.[MODEL_TAG] === model.label &&
    d.properties.environmentId === serverEnvironment(ws, image!.trim(), model.name).id
  );
}

/** azureml:<name>:<version> → the workspace asset's ARM id; registry URIs and ARM ids as given. */
export function assetId(ref: string, kind: "environments" | "codes", ws: WorkspaceRef, input: string): string {
  const r = ref.trim();
  if (/^azureml:\/\/registries\/[^/]+\/(environments|codes)\/[^/]+\/versions\/[^/]+$/i.test(r)) return r;
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\//i.test(r))
    return r;
  const short = /^azureml:([^:/@]+):([^:/]+)$/.exec(r);
  if (short) return `${workspacePath(ws)}/${kind}/${short[1]}/versions/${short[2]}`;
  throw new UserError(
    `${input}: not an Azure ML ${kind === "codes" ? "code" : "environment"} asset (got ${shown(r)}). Use azureml:<name>:<version>, azureml://registries/<registry>/${kind}/<name>/versions/<version> or the asset version's ARM id.`,
  );
}

/** A code asset reference as given, or a folder uploaded as a code version (shared/azureml/code-asset.ts). */
async function codeAssetId(
  arm: ArmClient,
  ws: WorkspaceRef,
  codePath: string,
  credential: TokenCredential,
  logger: Logger,
  onSecret: ((secret: string) => void) | undefined,
): Promise<string> {
  if (/^azureml:/i.test(codePath.trim()) || codePath.trim().startsWith("/subscriptions/"))
    return assetId(codePath, "codes", ws, "code-path");
  const snapshot = await snapshotCode(codePath);
  const store = await openDatastore(arm, workspacePath(ws), await getDatastore(arm, workspacePath(ws)), credential);
  // The datastore's account key or SAS: masked before a storage error could print it.
  if (store.secret) onSecret?.(store.secret);
  const asset = await ensureCodeAsset(arm, workspacePath(ws), store, snapshot, logger);
  return asset.id;
}

async function dataPlaneKey(arm: ArmClient, ws: WorkspaceRef, name: string, endpoint: OnlineEndpoint): Promise<string> {
  const mode = endpoint.properties.authMode;
  if (mode === "Key") {
    const k = await listKeys(arm, ws, name);
    if (k.primaryKey) return k.primaryKey;
  } else if (mode === "AMLToken") {
    const t = await getEndpointToken(arm, ws, name);
    if (t) return t;
  }
  throw new UserError(
    `endpoint: cannot get a credential for the scoring URI of ${shown(name)} (got authMode ${shown(mode ?? "")}). Use an endpoint with key or AML token authentication, or leave sample-request empty to skip the checks.`,
  );
}

async function ensureTags(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  d: OnlineDeployment,
  wanted: Record<string, string>,
  status: (what: string) => (s: string) => void,
): Promise<void> {
  const current = d.tags ?? {};
  if (Object.entries(wanted).every(([k, v]) => current[k] === v)) return;
  await setDeploymentTags(
    arm,
    ws,
    endpoint,
    d.name,
    { ...current, ...wanted },
    { onStatus: status(`deployment ${d.name} tags`) },
  );
}

async function tailLogs(arm: ArmClient, ws: WorkspaceRef, endpoint: string, deployment: string): Promise<string> {
  try {
    const text = (await deploymentLogs(arm, ws, endpoint, deployment, 20)).trim();
    if (!text) return "";
    return `\nLast lines of the ${deployment} log:\n${text.split("\n").slice(-20).join("\n").slice(-2000)}`;
  } catch {
    return "";
  }
}

function statusLogger(logger: Logger) {
  return (what: string) => {
    let last = "";
    return (s: string) => {
      if (s !== last) logger.info(`${what}: ${s}`);
      last = s;
    };
  };
}

function describeAbort(signal: AbortSignal, timeoutMinutes: number | undefined): string {
  const reason = signal.reason as Error | undefined;
  if (reason?.name === "TimeoutError") return `the rollout did not finish within timeout-minutes (${timeoutMinutes})`;
  return `the workflow was ${reason?.message ?? "cancelled"}`;
}
