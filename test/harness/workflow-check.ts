/**
 * Static checks of the example workflows against this suite's action.yml files: what actionlint cannot
 * know about our actions (their inputs and outputs), plus the security rules every example follows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const SUITE_USES = /^mlops-actions\/mlops-actions\/([a-z-]+)@\S+$/;

interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: string }>;
  outputs?: Record<string, unknown>;
}

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}

export interface Job {
  /** A job that calls a reusable workflow (./.github/workflows/<file>). */
  uses?: string;
  needs?: string | string[];
  "runs-on"?: string;
  "timeout-minutes"?: number;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  outputs?: Record<string, string>;
  steps?: Step[];
  if?: string;
}

export interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

export function loadWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

export function actionMeta(root: string, name: string): ActionYml {
  return parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as ActionYml;
}

const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

/** Every expression `${{ ... }}` in a string. */
export function expressions(s: string): string[] {
  return [...s.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim());
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Problems of one workflow: unknown inputs/outputs of our actions, missing required inputs, security rules. */
export function checkWorkflow(file: string, wf: Workflow, root: string): string[] {
  const problems: string[] = [];
  const say = (where: string, what: string) => problems.push(`${file}: ${where}: ${what}`);
  if (wf.permissions === undefined || (typeof wf.permissions === "object" && Object.keys(wf.permissions).length > 0)) {
    say("permissions", "the workflow must default to no permissions (permissions: {}) and grant them per job");
  }
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const where = `jobs.${jobId}`;
    if (job.uses) {
      // The called workflow's jobs carry timeouts and permissions; the caller may only narrow permissions.
      if (job.permissions === undefined) say(where, "calls a workflow without a permissions: block (it would get the workflow's {})");
      continue;
    }
    if (typeof job["timeout-minutes"] !== "number") say(where, "has no timeout-minutes");
    if (job.permissions === undefined) say(where, "has no permissions: block");
    const steps = job.steps ?? [];
    const usesAzureLogin = steps.some((s) => s.uses?.startsWith("azure/login@"));
    const perms = typeof job.permissions === "object" ? job.permissions : {};
    if (perms["id-token"] === "write" && !usesAzureLogin)
      say(where, "grants id-token: write without an OIDC login step");
    if (usesAzureLogin && perms["id-token"] !== "write") say(where, "uses azure/login (OIDC) without id-token: write");

    const stepOutputs = new Map<string, Set<string> | undefined>();
    for (const [i, step] of steps.entries()) {
      const sWhere = `${where}.steps[${step.id ?? i}]`;
      if (step.uses && !step.uses.startsWith("./")) {
        const suite = SUITE_USES.exec(step.uses);
        if (!suite && !/@[0-9a-f]{40}$/.test(step.uses)) say(sWhere, `${step.uses} is not pinned to a full commit SHA`);
        if (suite) {
          const meta = actionMeta(root, suite[1]!);
          const inputs = meta.inputs ?? {};
          for (const key of Object.keys(step.with ?? {})) {
            if (!(key in inputs))
              say(sWhere, `input "${key}" is not an input of ${suite[1]} (inputs: ${Object.keys(inputs).join(", ")})`);
          }
          for (const [key, m] of Object.entries(inputs)) {
            if (m.required && !(key in (step.with ?? {})))
              say(sWhere, `required input "${key}" of ${suite[1]} is not given`);
          }
          if (step.id) stepOutputs.set(step.id, new Set(Object.keys(meta.outputs ?? {})));
        } else if (step.id) {
          stepOutputs.set(step.id, undefined); // a third-party action: its outputs are actionlint's business
        }
      } else if (step.id) {
        stepOutputs.set(step.id, undefined);
      }
      if (step.run && expressions(step.run).length > 0) {
        say(sWhere, "uses ${{ }} inside run: (pass values through env: so untrusted input cannot inject commands)");
      }
    }
    // Every steps.<id>.outputs.<x> and needs.<job>.outputs.<x> must exist.
    const texts = [
      ...steps.flatMap((s) => stringsIn([s.with, s.env, s.if])),
      ...stringsIn(job.outputs),
      ...stringsIn(job.if),
    ];
    for (const expr of texts.flatMap(expressions)) {
      for (const m of expr.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const [, id, out] = m;
        if (!stepOutputs.has(id!)) say(where, `steps.${id} is not a step of this job`);
        else {
          const outs = stepOutputs.get(id!);
          if (outs && !outs.has(out!))
            say(where, `steps.${id}.outputs.${out} is not an output of that action (outputs: ${[...outs].join(", ")})`);
        }
      }
      for (const m of expr.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const [, need, out] = m;
        if (!needsOf(job).includes(need!)) say(where, `needs.${need} is not in this job's needs`);
        else if (!(out! in (wf.jobs[need!]?.outputs ?? {})))
          say(where, `needs.${need}.outputs.${out} is not an output of job ${need}`);
      }
    }
  }
  return problems;
}
