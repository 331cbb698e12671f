/**
 * The step runner and expression evaluator the loop, scoring and sharded-comparison tests were written
 * against; the example workflows run through workflow-runner.ts (GitHub's parser and evaluator). These
 * tests move there next, and these two files go.
 */
/**
 * Runs a workflow file's jobs in dependency order, as GitHub would for one event: job and step `if:`,
 * `needs`, matrix expansion, job outputs, and `${{ }}` in `with:` and `env:`. Steps that use this suite's
 * actions run from dist/ through the runner harness; other steps (checkout, azure/login, upload-artifact,
 * run: scripts) are recorded as not run here, since they need GitHub or Azure.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Contexts, condition, interpolate, type Value } from "./legacy-expressions";
import { type RunResult, runAction } from "./run-action";
import { type Job, loadWorkflow, SUITE_USES, type Workflow } from "./workflow-check";

export interface StepRecord {
  id?: string;
  uses?: string;
  action?: string;
  status: "success" | "failure" | "skipped" | "not-run-here";
  inputs?: Record<string, string>;
  result?: RunResult;
}

export interface JobRecord {
  id: string;
  matrix?: Record<string, Value>;
  result: "success" | "failure" | "skipped";
  outputs: Record<string, string>;
  /** Job outputs GitHub would skip because their value contains a secret (later jobs see them empty). */
  skippedOutputs: string[];
  steps: StepRecord[];
}

/**
 * Job outputs as later jobs see them: GitHub skips an output whose value contains a secret (a `secrets.*`
 * value or one a step masked with ::add-mask::), logging "Skip output 'x' since it may contain secret".
 */
export function jobOutputValues(
  values: Record<string, string>,
  secrets: readonly string[],
): { outputs: Record<string, string>; skipped: string[] } {
  const outputs: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (secrets.some((s) => s !== "" && v.includes(s))) {
      outputs[k] = "";
      skipped.push(k);
    } else {
      outputs[k] = v;
    }
  }
  return { outputs, skipped };
}

export interface WorkflowRunOptions {
  root: string;
  workspace: string;
  eventName: string;
  event?: Record<string, Value>;
  inputs?: Record<string, string>;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Extra environment for every action (e.g. registry connection strings an OIDC login would provide). */
  env?: Record<string, string>;
}

function order(wf: Workflow): string[] {
  const done: string[] = [];
  const visit = (id: string, seen: Set<string>) => {
    if (done.includes(id)) return;
    if (seen.has(id)) throw new Error(`needs cycle at ${id}`);
    seen.add(id);
    const job = wf.jobs[id];
    if (!job) throw new Error(`unknown job ${id}`);
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    for (const n of needs) visit(n, seen);
    done.push(id);
  };
  for (const id of Object.keys(wf.jobs)) visit(id, new Set());
  return done;
}

function matrixOf(job: Job): Record<string, Value>[] {
  const m = (job as { strategy?: { matrix?: Record<string, Value[]> } }).strategy?.matrix;
  if (!m) return [{}];
  let combos: Record<string, Value>[] = [{}];
  for (const [k, values] of Object.entries(m)) {
    if (!Array.isArray(values)) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  return combos;
}

export async function runWorkflow(file: string, opts: WorkflowRunOptions): Promise<Record<string, JobRecord[]>> {
  const wf = loadWorkflow(readFileSync(file, "utf8"));
  const env = Object.fromEntries(
    Object.entries((wf as { env?: Record<string, string> }).env ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const github: Record<string, Value> = {
    event_name: opts.eventName,
    event: opts.event ?? {},
    repository: "acme/plant-models",
    run_id: "4242",
    sha: "0123456789abcdef0123456789abcdef01234567",
    ref: "refs/heads/main",
    actor: "octocat",
    token: "ghs_harnesstoken",
    workspace: opts.workspace,
  };
  const jobs: Record<string, JobRecord[]> = {};
  for (const id of order(wf)) {
    const job = wf.jobs[id]!;
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    const needsCtx: Record<string, Value> = {};
    for (const n of needs) {
      const runs = jobs[n] ?? [];
      const result = runs.every((r) => r.result === "success")
        ? "success"
        : runs.some((r) => r.result === "failure")
          ? "failure"
          : "skipped";
      needsCtx[n] = { result, outputs: Object.assign({}, ...runs.map((r) => r.outputs)) };
    }
    jobs[id] = [];
    for (const matrix of matrixOf(job)) {
      const runnerTemp = mkdtempSync(join(tmpdir(), `mlops-wf-${id}-`));
      const ctx: Contexts = {
        github,
        inputs: opts.inputs ?? {},
        vars: opts.vars ?? {},
        secrets: opts.secrets ?? {},
        env,
        needs: needsCtx,
        matrix,
        runner: { temp: runnerTemp, os: "Linux", arch: "X64" },
        steps: {},
      };
      const record: JobRecord = { id, matrix, result: "success", outputs: {}, skippedOutputs: [], steps: [] };
      const masked: string[] = Object.values(opts.secrets ?? {});
      jobs[id].push(record);
      const needsOk = needs.every((n) => (needsCtx[n] as { result: string }).result === "success");
      if (!needsOk || !condition(job.if, ctx)) {
        record.result = "skipped";
        continue;
      }
      const steps = ctx.steps as Record<string, Value>;
      for (const step of job.steps ?? []) {
        if (record.result === "failure" || !condition(step.if, ctx)) {
          record.steps.push({ id: step.id, uses: step.uses, status: "skipped" });
          continue;
        }
        const suite = step.uses ? SUITE_USES.exec(step.uses) : null;
        if (!suite) {
          record.steps.push({ id: step.id, uses: step.uses, status: "not-run-here" });
          if (step.id) steps[step.id] = { outputs: {}, outcome: "success" };
          continue;
        }
        const inputs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = interpolate(String(v), ctx);
        const stepEnv: Record<string, string> = { ...env, ...opts.env };
        for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
        const result = await runAction(suite[1]!, {
          root: opts.root,
          workspace: opts.workspace,
          runnerTemp,
          inputs,
          env: stepEnv,
        });
        const ok = result.exitCode === 0;
        record.steps.push({
          id: step.id,
          uses: step.uses,
          action: suite[1],
          status: ok ? "success" : "failure",
          inputs,
          result,
        });
        masked.push(...result.masks);
        if (step.id) steps[step.id] = { outputs: result.outputs, outcome: ok ? "success" : "failure" };
        if (!ok) record.result = "failure";
      }
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(job.outputs ?? {})) values[k] = interpolate(v, ctx);
      const visible = jobOutputValues(values, masked);
      record.outputs = visible.outputs;
      record.skippedOutputs = visible.skipped;
    }
  }
  return jobs;
}
