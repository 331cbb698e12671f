/**
 * Azure ML jobs through Resource Manager: create (PUT .../jobs/<name>), poll (GET), cancel
 * (POST .../jobs/<name>/cancel), api-version 2024-10-01.
 *
 * Shapes (azure-rest-api-specs, machinelearningservices stable/2024-10-01):
 * - examples/Job/CommandJob/createOrUpdate.json: `properties.jobType: "Command"`, command, codeId,
 *   environmentId, computeId, inputs `{ jobInputType: "literal", value }`, outputs
 *   `{ jobOutputType: "uri_folder", mode: "ReadWriteMount", uri }`, environmentVariables, experimentName,
 *   displayName, tags; the answer carries `status: "NotStarted"` and `services`.
 * - examples/Job/PipelineJob/createOrUpdate.json: `jobType: "Pipeline"`, inputs, outputs, settings, jobs.
 * - examples/Job/CommandJob/get.json: `properties.status` (JobStatus: NotStarted, Starting,
 *   Provisioning, Preparing, Queued, Running, Finalizing, CancelRequested, Completed, Failed, Canceled,
 *   NotResponding, Paused, Unknown; only Completed, Failed and Canceled are final) and
 *   `properties.services.Studio.endpoint`.
 * - examples/Job/cancel.json: 202 with a Location header (long-running).
 */
import { randomUUID } from "node:crypto";
import { type ArmClient, ArmError } from "../azure/arm";
import { shown, UserError } from "../errors";
import { realSleep } from "../http";
import { type Logger, silentLogger } from "../log";
import type { JobDiagnostics } from "./job-diagnostics";
import { studioJobUrl, type WorkspaceRef, workspacePath } from "./workspace";

export type JobInput =
  | { jobInputType: "literal"; value: string; description?: string }
  | { jobInputType: string; uri: string; mode?: string; description?: string };

export interface JobOutput {
  jobOutputType: string;
  uri?: string;
  mode?: string;
  description?: string;
}

export interface JobService {
  jobServiceType?: string;
  endpoint?: string;
  status?: string;
  errorMessage?: string;
}

export interface JobProperties {
  jobType: "Command" | "Pipeline" | string;
  displayName?: string;
  description?: string;
  experimentName?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  computeId?: string;
  status?: string;
  services?: Record<string, JobService>;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  // Command
  command?: string;
  codeId?: string;
  environmentId?: string;
  environmentVariables?: Record<string, string>;
  resources?: { instanceCount?: number; instanceType?: string };
  limits?: { jobLimitsType: "Command"; timeout?: string };
  // Pipeline
  jobs?: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

export interface JobResource {
  id?: string;
  name?: string;
  type?: string;
  properties: JobProperties;
}

/**
 * JobStatus values after which a job does not change any more. NotResponding is not one: the JobStatus
 * enum (mfe.json, definitions/JobStatus) says a run can go from NotResponding back to any earlier state,
 * so it is waited out like Running (and cancelled at the timeout, never left running unobserved).
 */
export const FINAL_STATUSES = new Set(["Completed", "Failed", "Canceled"]);

/** `<workspace>/jobs/<name>`: the job's ARM id. */
export function jobPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/jobs/${encodeURIComponent(name)}`;
}

/** A job name Azure ML accepts (letters, digits, '_' and '-', at most 255), readable and unique per run. */
export function jobName(parts: (string | number | undefined)[]): string {
  const s = parts
    .filter((p) => p !== undefined && p !== "")
    .map((p) =>
      String(p)
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-"),
    )
    .join("-")
    .replace(/-+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
  return (/^[a-z]/.test(s) ? s : `job-${s}`).slice(0, 255);
}

/** The Studio page: the service's own link when the job has one, else the documented URL form. */
export function jobStudioUrl(job: JobResource | undefined, ws: WorkspaceRef, name: string): string {
  return job?.properties?.services?.Studio?.endpoint || studioJobUrl(ws, name);
}

/** Tag that marks a job as created by this submission, so a retried PUT can recognise its own job. */
export const SUBMISSION_TAG = "mlops-actions.submission";

/**
 * Create the job. Jobs_CreateOrUpdate is not long-running: the job exists once Azure ML has the request.
 * When the answer is lost (a dropped connection, a 5xx after the write) the client retries the PUT, and the
 * service may then refuse it because the name is taken; a job that carries this submission's tag is ours.
 */
export async function submitJob(
  arm: ArmClient,
  ws: WorkspaceRef,
  name: string,
  properties: JobProperties,
  signal?: AbortSignal,
): Promise<JobResource> {
  const submission = randomUUID();
  const body = { properties: { ...properties, tags: { ...properties.tags, [SUBMISSION_TAG]: submission } } };
  try {
    const r = await arm.request<JobResource>("PUT", jobPath(ws, name), { body, signal });
    return r.body ?? { name, properties: body.properties };
  } catch (e) {
    if (!(e instanceof ArmError) || (e.status !== 409 && e.status !== 400)) throw e;
    const existing = await arm.getIfExists<JobResource>(jobPath(ws, name), { signal }).catch(() => undefined);
    if (existing?.properties?.tags?.[SUBMISSION_TAG] === submission) return existing;
    throw e;
  }
}

/** Ask Azure ML to cancel the job (202 + Location, examples/Job/cancel.json); does not wait for Canceled. */
export async function cancelJob(
  arm: ArmClient,
  ws: WorkspaceRef,
  name: string,
  logger: Logger = silentLogger,
): Promise<boolean> {
  try {
    // A fresh signal: the step's own signal is already aborted when the workflow was cancelled.
    await arm.request("POST", `${jobPath(ws, name)}/cancel`, { signal: AbortSignal.timeout(20_000), allow: [404] });
    logger.info(`azureml: cancel requested for job ${name}`);
    return true;
  } catch (e) {
    logger.warning(
      `azureml: could not cancel job ${name} (${(e as Error).message.split("\n")[0]}); cancel it in Studio.`,
    );
    return false;
  }
}

export interface WaitOptions {
  /** Give up (and cancel the job) after this long. */
  timeoutMs: number;
  /** Longest delay between polls (default 15 s). Polls start 1 s apart after each status change and back off by 1.5×. */
  pollIntervalMs?: number;
  /** The workflow was cancelled: cancel the job and stop. */
  signal?: AbortSignal;
  logger?: Logger;
  /** The job as created (its status is logged first). */
  created?: JobResource;
  /** Called on each status change. */
  onStatus?: (status: string, job: JobResource) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Reads a failed job's error and log tail (job-diagnostics.ts); without it only the job record is used. */
  diagnose?: (job: JobResource) => Promise<JobDiagnostics>;
}

/** Why waiting ended without the job completing. */
export class JobEndedError extends UserError {
  constructor(
    message: string,
    readonly jobName: string,
    readonly status: string,
    readonly studioUrl: string,
    code: "job-failed" | "timeout" | "cancelled",
    readonly diagnostics?: JobDiagnostics,
  ) {
    super(message, { code });
  }
}

/**
 * Poll the job until it reaches a final status; stream changes. Completed → the job; Failed or
 * Canceled → JobEndedError naming the job, its error and the Studio link. On timeout or
 * when `signal` aborts, cancel the job first.
 */
export async function waitForJob(arm: ArmClient, ws: WorkspaceRef, name: string, o: WaitOptions): Promise<JobResource> {
  const logger = o.logger ?? silentLogger;
  const sleep = o.sleep ?? realSleep;
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const poll = o.pollIntervalMs ?? 15_000;
  let delay = Math.min(1000, poll);
  let last = "";
  let job: JobResource | undefined = o.created;
  const first = o.created?.properties?.status;
  if (first) {
    last = first;
    logger.info(`azureml: job ${name}: ${first}`);
    o.onStatus?.(first, o.created as JobResource);
  }
  const stop = async (why: "timeout" | "cancelled"): Promise<never> => {
    const url = jobStudioUrl(job, ws, name);
    const cancelled = await cancelJob(arm, ws, name, logger);
    const asked = cancelled ? "cancel requested in Azure ML" : "the cancel request failed, cancel it in Studio";
    if (why === "timeout")
      throw new JobEndedError(
        `timeout-minutes: Azure ML job ${name} was still ${last || "running"} after ${o.timeoutMs >= 60_000 ? `${+(o.timeoutMs / 60_000).toFixed(2)} min` : `${+(o.timeoutMs / 1000).toFixed(1)} s`} (got status ${shown(last || "unknown")}); ${asked}. Raise timeout-minutes or make the job faster: ${url}`,
        name,
        last,
        url,
        "timeout",
      );
    const reason = o.signal?.reason as { signalName?: string } | undefined;
    throw new JobEndedError(
      `azureml: the workflow was cancelled (got ${reason?.signalName ?? "abort"}) while job ${name} was ${last || "starting"}; the job was cancelled (${asked}): ${url}`,
      name,
      last,
      url,
      "cancelled",
    );
  };
  for (;;) {
    if (o.signal?.aborted) return stop("cancelled");
    try {
      job = await arm.get<JobResource>(jobPath(ws, name), { signal: o.signal });
    } catch (e) {
      if (o.signal?.aborted) return stop("cancelled");
      throw e;
    }
    const status = job.properties?.status ?? "Unknown";
    if (status !== last) {
      delay = Math.min(1000, poll);
      last = status;
      logger.info(`azureml: job ${name}: ${status}`);
      if (status === "NotResponding")
        logger.warning(
          `azureml: job ${name} sends no heartbeat (NotResponding); still waiting, it is cancelled if it does not recover before the timeout.`,
        );
      o.onStatus?.(status, job);
    }
    if (status === "Completed") return job;
    if (FINAL_STATUSES.has(status)) {
      const url = jobStudioUrl(job, ws, name);
      const diagnostics = status === "Failed" && o.diagnose ? await o.diagnose(job).catch(() => undefined) : undefined;
      const detail = diagnostics?.error ?? jobError(job);
      const tail = diagnostics?.logTail
        ? `\nLast lines of ${diagnostics.logFile}:\n${diagnostics.logTail.slice(-3000)}`
        : "";
      throw new JobEndedError(
        `azureml: job ${name} ended ${status} (got ${shown(detail, 400)}). Fix what the job's error names; its logs are in Studio (Outputs + logs): ${url}${tail}`,
        name,
        status,
        url,
        status === "Canceled" ? "cancelled" : "job-failed",
        diagnostics,
      );
    }
    if (now() >= deadline) return stop("timeout");
    try {
      await sleep(Math.min(delay, Math.max(0, deadline - now())), o.signal);
      delay = Math.min(poll, delay * 1.5);
    } catch {
      if (o.signal?.aborted) return stop("cancelled");
      throw new Error("azureml: wait interrupted");
    }
  }
}

/**
 * What the job record says went wrong (the run history has the real error, job-diagnostics.ts): a service's
 * errorMessage ("Any error in the service", JobService in mfe.json), else its status.
 */
export function jobError(job: JobResource): string {
  const p = job.properties ?? {};
  const fromServices = Object.entries(p.services ?? {})
    .filter(([, s]) => s.errorMessage)
    .map(([k, s]) => `${k}: ${s.errorMessage}`);
  return fromServices.join("; ") || `status ${p.status ?? "unknown"}, no error detail in the job record`;
}
