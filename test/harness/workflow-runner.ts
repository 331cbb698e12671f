/**
 * Runs a workflow file for one event, as GitHub would, on this machine: when its `on:` filters let the event
 * start it (triggers.ts). Reading the file (schema, jobs,
 * steps, `if:` wrapping, called workflows and their inputs) is GitHub's parser's; evaluating `${{ }}` is
 * GitHub's evaluator's (see expressions.ts). What is ours is running things:
 * - jobs in `needs` order (jobs that do not need each other at the same time, as on GitHub), each on a fresh runner (its own empty workspace and RUNNER_TEMP), with job
 *   `if:`, `strategy.matrix` (include/exclude as GitHub expands them), `needs.<job>.result/outputs`, job
 *   outputs (skipped when they hold a secret, as GitHub skips them) and `continue-on-error`;
 * - `uses: ./.github/workflows/<file>` jobs (reusable workflows): `with:` inputs with their declared defaults
 *   and types, `secrets:` (or `inherit`), the called jobs (reported as `<caller>/<job>`) and the outputs the
 *   called workflow declares;
 * - environments: a job bound to an environment with required reviewers waits for one approval (recorded;
 *   the test says approve or reject), and presents the `environment:<name>` OIDC subject, as on GitHub;
 * - steps: `run:` scripts with bash exactly as written (GitHub's default `bash -e {0}`, or `shell: bash` as
 *   `bash --noprofile --norc -eo pipefail {0}`), with GITHUB_ENV / GITHUB_PATH / GITHUB_OUTPUT /
 *   GITHUB_STEP_SUMMARY; this suite's actions from dist/ through the runner harness (run-action.ts), with
 *   the Actions artifact service when the test gives one; and the stand-ins of stand-ins.ts for third-party
 *   actions (and of test/harness/bin for the runner image's CLIs: az, gh).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { isReusableWorkflowJob } from "@actions/workflow-parser/model/type-guards";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  type Contexts,
  condition,
  evaluate,
  evaluateStrings,
  evaluateToken,
  type Status,
  toText,
  type Value,
} from "./expressions";
import { parseCommands, parseFileCommands, type RunResult, repoRoot, runAction } from "./run-action";
import { type AzureIdentity, runStandIn } from "./stand-ins";
import { triggers } from "./triggers";
import { SUITE_USES } from "./workflow-check";
import {
  type ActionStep,
  type Job,
  type LoadedWorkflow,
  loadWorkflow,
  type ReusableWorkflowJob,
  type RunStep,
  type WorkflowJob,
} from "./workflow-model";
import { parse as parseYaml } from "yaml";

export interface StepRecord {
  id: string;
  name?: string;
  uses?: string;
  run?: string;
  /** Suite action name, when the step used one. */
  action?: string;
  status: "success" | "failure" | "skipped";
  inputs?: Record<string, string>;
  outputs: Record<string, string>;
  /** The bundled action's run (suite actions only). */
  result?: RunResult;
  stdout: string;
  stderr: string;
  /** The `::error::` messages and the stand-in's failure, in order. */
  errors: string[];
  /** Wall time of the step, in milliseconds (skipped steps: none). */
  ms?: number;
}

export interface JobRecord {
  /** Job id; `<caller>/<job>` for a job of a called workflow. */
  id: string;
  matrix: Record<string, Value>;
  result: "success" | "failure" | "skipped";
  outputs: Record<string, string>;
  /** Job outputs GitHub would skip because their value contains a secret (later jobs see them empty). */
  skippedOutputs: string[];
  environment?: string;
  /** The OIDC subject this job's ID token carries. */
  oidcSubject?: string;
  steps: StepRecord[];
}

export interface Approval {
  job: string;
  environment: string;
  decision: "approve" | "reject";
}

export interface WorkflowRun {
  /** Whether the workflow's `on:` filters let the event start it (when not, no job ran). */
  triggered: boolean;
  /** Why it did or did not start. */
  trigger: string;
  jobs: Record<string, JobRecord[]>;
  /** Every wait at an environment with required reviewers, in order. */
  approvals: Approval[];
  artifacts: Map<string, string>;
  conclusion: "success" | "failure";
}

export interface EnvironmentRule {
  /** Required reviewers are configured: a job bound to it waits for an approval. */
  reviewers?: boolean;
  /**
   * Environment variables: a job bound to the environment sees them in `vars`, over the repository's of the
   * same name (https://docs.github.com/actions/reference/workflows-and-actions/variables#configuration-variable-precedence).
   */
  vars?: Record<string, string>;
  /** What the reviewers answer (default approve). */
  decision?: "approve" | "reject";
}

export interface WorkflowRunOptions {
  /** The repository, laid out like its root (`.github/workflows/`, code, data): what checkout checks out. */
  repository: string;
  /** The bundled actions (bundleRoot()). */
  root: string;
  eventName: string;
  event?: Record<string, Value>;
  /** github.ref (default refs/heads/main). */
  ref?: string;
  /** Files the push or pull request changes, for `paths:` filters (undefined: not evaluated). */
  changedFiles?: string[];
  inputs?: Record<string, string | boolean | number>;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Federated credentials: what azure/login gives a job, by the OIDC subject it trusts. */
  identities?: Record<string, AzureIdentity>;
  /** Environment protection rules by environment name. */
  environments?: Record<string, EnvironmentRule>;
  /** github.token (default a fixed fake token); a GitHub API stand-in checks it. */
  githubToken?: string;
  /** Extra environment for every step (e.g. GITHUB_API_URL of a local GitHub API stand-in). */
  env?: Record<string, string>;
  /**
   * Extra environment for the steps of one of this suite's actions, by action name: e.g. the scaled clock
   * (test/services/azureml/time-scale.ts) for deploy-online polling the Resource Manager stand-in, which would
   * cut the other actions' own timeouts short.
   */
  actionEnv?: Record<string, Record<string, string>>;
  /**
   * The Actions artifact (results) service the runner hands this suite's actions, for @actions/artifact:
   * ACTIONS_RUNTIME_TOKEN (scoped to this run and job) and ACTIONS_RESULTS_URL, which GitHub gives JavaScript
   * actions and not `run:` scripts (test/services/artifact-service.ts). Without it, an action that uploads an
   * artifact fails as it would outside Actions.
   */
  artifactService?: { jobEnv(run: string, job: string): Record<string, string> };
  /** Timeout of one step (default 5 minutes). */
  stepTimeoutMs?: number;
  log?: (line: string) => void;
}

export const REPOSITORY = "acme/plant-models";
const SHA = "0123456789abcdef0123456789abcdef01234567";

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

/**
 * A matrix as GitHub expands it: the product of the list-valued keys, minus combinations an `exclude` entry
 * matches (partially), then each `include` entry added to every combination whose original values it does
 * not overwrite, or appended as a combination of its own when it fits none.
 * https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow
 */
export function expandMatrix(matrix: Value): Record<string, Value>[] {
  if (matrix === null || typeof matrix !== "object" || Array.isArray(matrix)) {
    throw new Error(`strategy.matrix must be a mapping (got ${toText(matrix)})`);
  }
  const { include, exclude, ...axes } = matrix as Record<string, Value>;
  let combos: Record<string, Value>[] = [{}];
  for (const [k, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`strategy.matrix.${k} must be a list (got ${toText(values)})`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  const same = (a: Value | undefined, b: Value | undefined) => JSON.stringify(a) === JSON.stringify(b);
  if (Object.keys(axes).length === 0) combos = [];
  for (const ex of (exclude as Record<string, Value>[] | null) ?? []) {
    combos = combos.filter((c) => !Object.entries(ex).every(([k, v]) => same(c[k], v)));
  }
  const originals = combos.map((c) => ({ ...c }));
  for (const inc of (include as Record<string, Value>[] | null) ?? []) {
    let added = false;
    combos.forEach((c, i) => {
      const fits = Object.entries(inc).every(([k, v]) => !(k in originals[i]!) || same(originals[i]![k], v));
      if (fits) {
        Object.assign(c, inc);
        added = true;
      }
    });
    if (!added) {
      combos.push({ ...inc });
      originals.push({ ...inc });
    }
  }
  return combos.length === 0 ? [{}] : combos;
}

function order(jobs: WorkflowJob[]): WorkflowJob[] {
  const byId = new Map(jobs.map((j) => [j.id.value, j]));
  const done: WorkflowJob[] = [];
  const visit = (id: string, seen: Set<string>) => {
    const job = byId.get(id);
    if (!job) throw new Error(`needs: unknown job ${id}`);
    if (done.includes(job)) return;
    if (seen.has(id)) throw new Error(`needs cycle at ${id}`);
    seen.add(id);
    for (const n of job.needs ?? []) visit(n.value, seen);
    done.push(job);
  };
  for (const j of jobs) visit(j.id.value, new Set());
  return done;
}

/** The environment a step's process starts with: this machine's, without anything of the test runner's. */
function machineEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(GITHUB_|INPUT_|RUNNER_|AZURE_|MLOPS_|VITEST|npm_|NODE_OPTIONS$|TSX_|ACTIONS_)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

interface Scope {
  /** The file these jobs come from (relative to the repository). */
  file: string;
  prefix: string;
  github: Record<string, Value>;
  inputs: Record<string, Value>;
  secrets: Record<string, string>;
  env: TemplateToken | undefined;
}

class Runner {
  readonly run: WorkflowRun = {
    triggered: true,
    trigger: "",
    jobs: {},
    approvals: [],
    artifacts: new Map(),
    conclusion: "success",
  };
  private readonly base = mkdtempSync(join(tmpdir(), "mlops-wf-"));
  private readonly masks: string[];
  private legs = 0;

  constructor(
    private readonly wf: LoadedWorkflow,
    private readonly opts: WorkflowRunOptions,
  ) {
    this.masks = Object.values(opts.secrets ?? {}).filter(Boolean);
  }

  private log(line: string) {
    this.opts.log?.(line);
  }

  /**
   * Every job of `list` (one workflow file), each as soon as the jobs it needs have finished, the others
   * meanwhile: as on GitHub, jobs without a `needs:` path between them run at the same time.
   */
  async jobs(list: WorkflowJob[], scope: Scope): Promise<Map<string, JobRecord[]>> {
    const records = new Map<string, JobRecord[]>();
    const finished = new Map<string, Promise<void>>();
    const ancestors = (job: WorkflowJob): string[] =>
      (job.needs ?? []).flatMap((n) => [n.value, ...ancestors(list.find((j) => j.id.value === n.value)!)]);
    const runJob = async (job: WorkflowJob) => {
      await Promise.all((job.needs ?? []).flatMap((n) => finished.get(n.value) ?? []));
      const id = job.id.value;
      const needs: Record<string, Value> = {};
      for (const n of job.needs ?? []) needs[n.value] = summary(records.get(n.value) ?? []);
      const status: Status = {
        success: Object.values(needs).every((n) => (n as { result: string }).result === "success"),
        failure: ancestors(job).some((a) => summary(records.get(a) ?? []).result === "failure"),
      };
      const ctx: Contexts = {
        github: scope.github,
        inputs: scope.inputs,
        vars: this.opts.vars ?? {},
        secrets: scope.secrets,
        needs,
        env: {},
      };
      const qualified = `${scope.prefix}${id}`;
      const runs: JobRecord[] = [];
      records.set(id, runs);
      this.run.jobs[qualified] = runs;
      if (!condition(job.if, ctx, status)) {
        runs.push({ id: qualified, matrix: {}, result: "skipped", outputs: {}, skippedOutputs: [], steps: [] });
        this.log(`${qualified}: skipped`);
        return;
      }
      const strategy = evaluateToken(job.strategy, ctx) as Record<string, Value> | null;
      const combos = strategy?.matrix === undefined || strategy.matrix === null ? [{}] : expandMatrix(strategy.matrix);
      for (const [index, matrix] of combos.entries()) {
        const jobCtx: Contexts = {
          ...ctx,
          matrix,
          strategy: { "fail-fast": strategy?.["fail-fast"] ?? true, "job-index": index, "job-total": combos.length },
        };
        const record = isReusableWorkflowJob(job)
          ? await this.called(job, jobCtx, scope, qualified, matrix)
          : await this.job(job, jobCtx, scope, qualified, matrix);
        runs.push(record);
        if (record.result === "failure") this.run.conclusion = "failure";
      }
    };
    // order() puts every job after the jobs it needs, so their promises exist when it starts waiting.
    for (const job of order(list)) finished.set(job.id.value, runJob(job));
    const settled = await Promise.allSettled(finished.values());
    const broken = settled.find((r) => r.status === "rejected");
    if (broken) throw (broken as PromiseRejectedResult).reason;
    return records;
  }

  private async called(
    job: ReusableWorkflowJob,
    ctx: Contexts,
    scope: Scope,
    qualified: string,
    matrix: Record<string, Value>,
  ): Promise<JobRecord> {
    const file = job.ref.value.replace(/^\.\//, "");
    const given = (evaluateToken(job["input-values"], ctx) ?? {}) as Record<string, Value>;
    const inputs: Record<string, Value> = {};
    const definitions = (evaluateToken(job["input-definitions"], {}) ?? {}) as Record<string, Record<string, Value>>;
    for (const [name, def] of Object.entries(definitions)) {
      const type = String(def.type ?? "string");
      const v: Value =
        name in given ? given[name]! : (def.default ?? (type === "boolean" ? false : type === "number" ? 0 : ""));
      if (type === "boolean" && typeof v !== "boolean") {
        throw new Error(
          `${qualified}: input ${name} is declared boolean but got ${toText(v)} (GitHub refuses the call)`,
        );
      }
      if (type === "number" && typeof v !== "number") {
        throw new Error(
          `${qualified}: input ${name} is declared number but got ${toText(v)} (GitHub refuses the call)`,
        );
      }
      inputs[name] = v;
    }
    let secrets: Record<string, string> = {};
    if (job["inherit-secrets"]) secrets = { ...scope.secrets };
    else secrets = evaluateStrings(job["secret-values"], ctx);
    const secretDefs = (evaluateToken(job["secret-definitions"], {}) ?? {}) as Record<
      string,
      Record<string, Value> | null
    >;
    for (const [name, def] of Object.entries(secretDefs)) {
      if (def?.required === true && !secrets[name]) {
        throw new Error(`${qualified}: the called workflow requires secret ${name}, which is not passed`);
      }
    }
    this.log(`${qualified}: calls ${file}`);
    const inner = await this.jobs(job.jobs ?? [], {
      file,
      prefix: `${qualified}/`,
      github: scope.github,
      inputs,
      secrets,
      env: undefined, // a called workflow's env: is its own (the parser does not carry it; ours declare none)
    });
    const jobsCtx: Record<string, Value> = {};
    for (const [id, runs] of inner) jobsCtx[id] = summary(runs);
    const declared = (evaluateToken(job.outputs, { ...ctx, jobs: jobsCtx }) ?? {}) as Record<
      string,
      Record<string, Value>
    >;
    const values = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, toText(v?.value ?? null)]));
    const visible = jobOutputValues(values, this.masks);
    const failed = [...inner.values()].some((runs) => runs.some((r) => r.result === "failure"));
    return {
      id: qualified,
      matrix,
      result: failed ? "failure" : "success",
      outputs: visible.outputs,
      skippedOutputs: visible.skipped,
      steps: [],
    };
  }

  private async job(
    job: Job,
    ctx: Contexts,
    scope: Scope,
    qualified: string,
    matrix: Record<string, Value>,
  ): Promise<JobRecord> {
    const raw = this.wf.raw.get(`${scope.file}#${job.id.value}`);
    const permissions = this.wf.permissions.get(`${scope.file}#${job.id.value}`);
    const record: JobRecord = { id: qualified, matrix, result: "success", outputs: {}, skippedOutputs: [], steps: [] };
    const envValue = evaluateToken(job.environment, ctx);
    const environment =
      envValue === null
        ? undefined
        : typeof envValue === "object"
          ? toText((envValue as Record<string, Value>).name ?? null)
          : toText(envValue);
    if (environment) record.environment = environment;
    const rule = environment ? this.opts.environments?.[environment] : undefined;
    if (rule?.reviewers) {
      const decision = rule.decision ?? "approve";
      this.run.approvals.push({ job: qualified, environment: environment!, decision });
      this.log(`${qualified}: waiting for a review of environment ${environment}: ${decision}`);
      if (decision === "reject") {
        record.result = "failure";
        record.steps.push(
          failedStep("review", "The deployment was rejected or didn't satisfy other protection rules."),
        );
        return record;
      }
    }
    if (rule?.vars) ctx = { ...ctx, vars: { ...(ctx.vars as Record<string, Value>), ...rule.vars } };
    const event = scope.github.event_name;
    record.oidcSubject = environment
      ? `repo:${REPOSITORY}:environment:${environment}`
      : event === "pull_request"
        ? `repo:${REPOSITORY}:pull_request`
        : `repo:${REPOSITORY}:ref:${toText(scope.github.ref ?? null)}`;

    // Every job, each matrix leg too, is a job of its own to the artifact service (its token names it).
    const runtime =
      this.opts.artifactService?.jobEnv(toText(scope.github.run_id ?? null), `${qualified}-${++this.legs}`) ?? {};
    const dir = mkdtempSync(join(this.base, `${qualified.replace(/\//g, "--")}-`));
    const workspace = join(dir, "workspace");
    const runnerTemp = join(dir, "temp");
    mkdirSync(workspace);
    mkdirSync(runnerTemp);
    const github = { ...scope.github, workspace, job: job.id.value };
    const workflowEnv = evaluateStrings(scope.env, { ...ctx, github });
    const jobEnv = { ...workflowEnv, ...evaluateStrings(job.env, { ...ctx, github, env: workflowEnv }) };
    const exported: Record<string, string> = {};
    const path: string[] = [];
    const steps: Record<string, Value> = {};
    const timeoutMinutes = evaluateToken(raw?.job.get("timeout-minutes"), ctx);

    for (const [i, anyStep] of job.steps.entries()) {
      if (!("run" in anyStep) && !("uses" in anyStep))
        throw new Error(`${qualified}: step ${anyStep.id}: only run: and uses: steps are run here`);
      const step = anyStep as RunStep | ActionStep;
      const keys = raw?.steps[i] ?? new Map<string, TemplateToken>();
      const stepCtx: Contexts = {
        ...ctx,
        github,
        env: { ...jobEnv, ...exported },
        steps,
        runner: {
          temp: runnerTemp,
          os: "Linux",
          arch: "X64",
          name: "harness",
          tool_cache: join(this.base, "tool-cache"),
        },
        job: { status: record.result },
      };
      const failed = record.result === "failure";
      const name = step.name ? toText(evaluateToken(step.name, stepCtx)) : undefined;
      const id = step.id;
      const base = { id, ...(name ? { name } : {}), outputs: {}, stdout: "", stderr: "", errors: [] as string[] };
      if (!condition(step.if, stepCtx, { success: !failed, failure: failed })) {
        record.steps.push({ ...base, status: "skipped" });
        steps[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
        continue;
      }
      const stepEnv = { ...jobEnv, ...exported, ...evaluateStrings(step.env, stepCtx) };
      const env: Record<string, string> = {
        ...machineEnv(),
        ...this.runnerEnv(github, workspace, runnerTemp, qualified),
        ...this.opts.env,
        ...stepEnv,
      };
      // The runner image's tools that cannot run here have stand-ins in test/harness/bin (az).
      env.PATH = [...path, env.PATH ?? "", join(repoRoot, "test/harness/bin")].join(delimiter);
      let stepRecord: StepRecord;
      const started = performance.now();
      if ("run" in step) {
        stepRecord = await this.runScript(step, keys, stepCtx, env, workspace, runnerTemp, base);
        for (const [k, v] of Object.entries(stepRecord.result?.env ?? {})) exported[k] = v;
      } else {
        const uses = step.uses.value;
        const inputs = evaluateStrings(keys.get("with"), stepCtx);
        const suite = SUITE_USES.exec(uses);
        if (suite) {
          Object.assign(inputs, expressionDefaults(this.opts.root, suite[1]!, inputs, stepCtx));
          const result = await runAction(suite[1]!, {
            root: this.opts.root,
            workspace,
            runnerTemp,
            inputs,
            env: { ...env, ...runtime, ...this.opts.actionEnv?.[suite[1]!] },
            event: scope.github.event as Record<string, unknown>,
            eventName: String(scope.github.event_name),
            timeoutMs: this.opts.stepTimeoutMs ?? 300_000,
          });
          this.masks.push(...result.masks);
          Object.assign(exported, result.env);
          stepRecord = {
            ...base,
            uses,
            action: suite[1],
            inputs,
            status: result.exitCode === 0 ? "success" : "failure",
            outputs: result.outputs,
            result,
            stdout: result.stdout,
            stderr: result.stderr,
            errors: result.errors,
          };
        } else {
          const r = await runStandIn(uses, {
            inputs,
            workspace,
            runnerTemp,
            repository: this.opts.repository,
            permissions,
            oidcSubject: record.oidcSubject,
            identities: this.opts.identities ?? {},
            artifacts: this.run.artifacts,
            artifactRoot: join(this.base, "artifacts"),
            log: (l) => this.log(`${qualified}: ${l}`),
          });
          Object.assign(exported, r.env ?? {});
          path.unshift(...(r.path ?? []));
          stepRecord = {
            ...base,
            uses,
            inputs,
            status: r.ok ? "success" : "failure",
            outputs: r.outputs ?? {},
            errors: r.error ? [r.error] : [],
          };
        }
      }
      const continueOnError = step["continue-on-error"];
      const tolerated =
        stepRecord.status === "failure" &&
        (continueOnError === true ||
          (typeof continueOnError === "object" && toText(evaluateToken(continueOnError, stepCtx)) === "true"));
      stepRecord.ms = Math.round(performance.now() - started);
      record.steps.push(stepRecord);
      steps[id] = {
        outputs: stepRecord.outputs,
        outcome: stepRecord.status,
        conclusion: tolerated ? "success" : stepRecord.status,
      };
      this.log(
        `${qualified}: ${name ?? stepRecord.uses ?? id}: ${stepRecord.status} in ${stepRecord.ms} ms${stepRecord.errors.length ? ` (${stepRecord.errors.join(" | ")})` : ""}`,
      );
      if (stepRecord.status === "failure" && !tolerated) record.result = "failure";
    }
    void timeoutMinutes;
    const outCtx: Contexts = { ...ctx, github, steps, env: { ...jobEnv, ...exported } };
    const values = evaluateStrings(job.outputs, outCtx);
    const visible = jobOutputValues(values, this.masks);
    record.outputs = visible.outputs;
    record.skippedOutputs = visible.skipped;
    return record;
  }

  private runnerEnv(
    github: Record<string, Value>,
    workspace: string,
    runnerTemp: string,
    job: string,
  ): Record<string, string> {
    const t = (v: Value | undefined) => toText(v ?? null);
    return {
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_REPOSITORY_OWNER: REPOSITORY.split("/")[0]!,
      GITHUB_SHA: t(github.sha),
      GITHUB_REF: t(github.ref),
      GITHUB_REF_NAME: t(github.ref_name),
      GITHUB_REF_TYPE: t(github.ref_type),
      GITHUB_EVENT_NAME: t(github.event_name),
      GITHUB_RUN_ID: t(github.run_id),
      GITHUB_RUN_NUMBER: t(github.run_number),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_ACTOR: t(github.actor),
      GITHUB_WORKFLOW: t(github.workflow),
      GITHUB_JOB: job,
      GITHUB_SERVER_URL: "https://github.com",
      // Nothing leaves the machine: the discard port refuses connections unless a test starts a stand-in.
      GITHUB_API_URL: "http://127.0.0.1:9",
      // After azure/login, DefaultAzureCredential on a GitHub-hosted runner ends at AzureCliCredential: no
      // environment secret, no workload identity file, and no managed identity (its IMDS probe fails). Here
      // that probe would leave the machine, so the chain is narrowed to the CLI's session with @azure/identity's
      // documented AZURE_TOKEN_CREDENTIALS (https://learn.microsoft.com/javascript/api/@azure/identity/defaultazurecredential).
      AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      MLOPS_HARNESS_NODE_MODULES: repoRoot,
    };
  }

  private async runScript(
    step: { run: TemplateToken },
    keys: Map<string, TemplateToken>,
    ctx: Contexts,
    env: Record<string, string>,
    workspace: string,
    runnerTemp: string,
    base: Omit<StepRecord, "status">,
  ): Promise<StepRecord> {
    const script = toText(evaluateToken(step.run, ctx));
    const shell = keys.has("shell") ? toText(evaluateToken(keys.get("shell"), ctx)) : "";
    // https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#defaultsrunshell
    const argv = shell === "" ? ["-e"] : shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail"] : null;
    if (!argv)
      return { ...base, run: script, status: "failure", errors: [`shell: ${shell} is not run here (bash only)`] };
    const wd = keys.has("working-directory") ? toText(evaluateToken(keys.get("working-directory"), ctx)) : ".";
    const dir = mkdtempSync(join(runnerTemp, "_step-"));
    const files = {
      GITHUB_OUTPUT: join(dir, "output"),
      GITHUB_ENV: join(dir, "env"),
      GITHUB_PATH: join(dir, "path"),
      GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
      GITHUB_STATE: join(dir, "state"),
    };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const file = join(dir, "script.sh");
    writeFileSync(file, script);
    const child = spawn("bash", [...argv, file], {
      cwd: resolve(workspace, wd),
      env: { ...env, ...files },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so a timeout also stops what the script started
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timeoutMs = this.opts.stepTimeoutMs ?? 300_000;
    const code = await new Promise<number | null>((done) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, timeoutMs);
      child.on("close", (c) => {
        clearTimeout(timer);
        done(c);
      });
    });
    const commands = parseCommands(stdout);
    this.masks.push(...commands.filter((c) => c.command === "add-mask").map((c) => c.message));
    const errors = commands.filter((c) => c.command === "error").map((c) => c.message);
    if (code !== 0) errors.push(`Process completed with exit code ${code}.`);
    const exportedEnv = parseFileCommands(readFileSync(files.GITHUB_ENV, "utf8"));
    const pathAdds = readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean);
    if (pathAdds.length) env.PATH = [...pathAdds.reverse(), env.PATH].join(delimiter);
    return {
      ...base,
      run: script,
      status: code === 0 ? "success" : "failure",
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, "utf8")),
      stdout,
      stderr,
      errors,
      result: {
        exitCode: code,
        signal: null,
        outputs: {},
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8"),
        env: exportedEnv,
        stdout,
        stderr,
        commands,
        errors,
        warnings: commands.filter((c) => c.command === "warning").map((c) => c.message),
        masks: [],
        workspace,
        runnerTemp,
      },
    };
  }
}

/**
 * The inputs a step leaves out whose action.yml default is an expression (`${{ github.token }}`): the runner
 * evaluates those defaults in the step's context (github, runner, env, ...) before the action starts.
 * https://docs.github.com/actions/reference/workflows-and-actions/metadata-syntax#inputsinput_iddefault
 */
function expressionDefaults(
  root: string,
  action: string,
  given: Record<string, string>,
  ctx: Contexts,
): Record<string, string> {
  const dir = existsSync(join(root, action, "action.yml")) ? join(root, action) : join(root, "actions", action);
  const meta = parseYaml(readFileSync(join(dir, "action.yml"), "utf8")) as {
    inputs?: Record<string, { default?: string }>;
  };
  const out: Record<string, string> = {};
  for (const [name, m] of Object.entries(meta.inputs ?? {})) {
    if (name in given || !m.default?.includes("${{")) continue;
    out[name] = m.default.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toText(evaluate(expr.trim(), ctx)));
  }
  return out;
}

function failedStep(id: string, error: string): StepRecord {
  return { id, status: "failure", outputs: {}, stdout: "", stderr: "", errors: [error] };
}

/** `needs.<job>` as a later job sees it (matrix runs folded into one result, their outputs merged). */
function summary(runs: JobRecord[]): { result: string; outputs: Record<string, Value> } {
  const result =
    runs.length > 0 && runs.every((r) => r.result === "success")
      ? "success"
      : runs.some((r) => r.result === "failure")
        ? "failure"
        : "skipped";
  return { result, outputs: Object.assign({}, ...runs.map((r) => r.outputs)) };
}

function workflowName(path: string): string | undefined {
  const name = (parseYaml(readFileSync(path, "utf8")) as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** Run `file` (a path inside `opts.repository`, usually `.github/workflows/<name>.yml`) for one event. */
export async function runWorkflow(file: string, opts: WorkflowRunOptions): Promise<WorkflowRun> {
  const wf = await loadWorkflow(resolve(opts.repository, file), opts.repository);
  const ref = opts.ref ?? "refs/heads/main";
  const github: Record<string, Value> = {
    event_name: opts.eventName,
    event: opts.event ?? {},
    repository: REPOSITORY,
    repository_owner: REPOSITORY.split("/")[0]!,
    run_id: "4242",
    run_number: "7",
    sha: SHA,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ""),
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    actor: "octocat",
    triggering_actor: "octocat",
    // GITHUB_WORKFLOW: the workflow's name, or its file's path when it has none; in a called workflow, the
    // caller's (https://docs.github.com/actions/reference/variables-reference#default-environment-variables).
    workflow: workflowName(resolve(opts.repository, file)) ?? wf.file,
    token: opts.githubToken ?? "ghs_harnesstoken",
    server_url: "https://github.com",
    api_url: "http://127.0.0.1:9",
  };
  const runner = new Runner(wf, opts);
  const trigger = triggers(wf.template.events, {
    name: opts.eventName,
    ref,
    payload: opts.event ?? {},
    ...(opts.changedFiles ? { changedFiles: opts.changedFiles } : {}),
  });
  runner.run.trigger = trigger.why;
  if (!trigger.runs) {
    runner.run.triggered = false;
    return runner.run;
  }
  // workflow_dispatch inputs not given take their declared defaults (booleans as booleans).
  const inputs: Record<string, Value> = {};
  const declared = opts.eventName === "workflow_dispatch" ? (wf.template.events.workflow_dispatch?.inputs ?? {}) : {};
  for (const [name, def] of Object.entries(declared)) {
    inputs[name] = def.default ?? (def.type === "boolean" ? false : "");
  }
  for (const name of Object.keys(opts.inputs ?? {})) {
    if (opts.eventName === "workflow_dispatch" && !(name in declared)) {
      throw new Error(
        `${wf.file}: workflow_dispatch has no input ${name} (inputs: ${Object.keys(declared).join(", ")})`,
      );
    }
    const given = opts.inputs![name]!;
    // The form sends text; GitHub gives a `type: boolean` input as a boolean.
    inputs[name] = typeof given === "string" && declared[name]?.type === "boolean" ? given === "true" : given;
  }
  for (const [name, def] of Object.entries(declared)) {
    if (def.required && (inputs[name] === "" || inputs[name] === undefined)) {
      throw new Error(`${wf.file}: workflow_dispatch input ${name} is required`);
    }
  }
  await runner.jobs(wf.template.jobs, {
    file: wf.file,
    prefix: "",
    github,
    inputs,
    secrets: opts.secrets ?? {},
    env: wf.template.env,
  });
  return runner.run;
}

/**
 * One step's `with:` of a workflow file, as the runner would hand it to the action: read by GitHub's parser,
 * evaluated by GitHub's evaluator in `ctx` (the contexts the test gives: vars, runner, steps, ...). For tests
 * that run one step of a workflow on its own; `file` is relative to `repository`.
 */
export async function stepWith(
  file: string,
  repository: string,
  jobId: string,
  uses: RegExp,
  ctx: Contexts,
): Promise<Record<string, string>> {
  const wf = await loadWorkflow(resolve(repository, file), repository);
  const job = wf.template.jobs.find((j) => j.id.value === jobId);
  if (!job || isReusableWorkflowJob(job)) throw new Error(`${wf.file}: no job ${jobId} with steps`);
  const index = job.steps.findIndex((s) => "uses" in s && uses.test(s.uses.value));
  if (index < 0) throw new Error(`${wf.file}: job ${jobId} has no step that uses ${uses}`);
  return evaluateStrings(wf.raw.get(`${wf.file}#${jobId}`)?.steps[index]?.get("with"), ctx);
}
