/**
 * Static checks of the example workflows against this suite's action.yml files: what actionlint cannot
 * know about our actions (their inputs and outputs), plus the security rules every example follows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { THIRD_PARTY_INPUTS } from "./stand-ins";

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

/**
 * Problems of one step, wherever it is written (a workflow, a README snippet): an input our action does not
 * declare, a required input left out, a third-party action not pinned to a commit, an input a pinned
 * third-party action does not declare (the harness's table of their action.yml inputs), and `${{ }}` inside
 * `run:`.
 */
export function checkStep(where: string, step: Step, root: string): string[] {
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${where}: ${what}`);
  if (step.uses && !step.uses.startsWith("./")) {
    const suite = SUITE_USES.exec(step.uses);
    if (suite) {
      const meta = actionMeta(root, suite[1]!);
      const inputs = meta.inputs ?? {};
      for (const key of Object.keys(step.with ?? {})) {
        if (!(key in inputs))
          say(`input "${key}" is not an input of ${suite[1]} (inputs: ${Object.keys(inputs).join(", ")})`);
      }
      for (const [key, m] of Object.entries(inputs)) {
        if (m.required && !(key in (step.with ?? {}))) say(`required input "${key}" of ${suite[1]} is not given`);
      }
    } else {
      if (!/@[0-9a-f]{40}$/.test(step.uses)) say(`${step.uses} is not pinned to a full commit SHA`);
      const known = THIRD_PARTY_INPUTS[step.uses.split("@")[0]!];
      for (const key of Object.keys(step.with ?? {})) {
        if (known && !known.includes(key))
          say(`input "${key}" is not an input of ${step.uses.split("@")[0]} (inputs: ${known.join(", ")})`);
      }
    }
  }
  if (typeof step.run === "string" && expressions(step.run).length > 0) {
    say("uses ${{ }} inside run: (pass values through env: so untrusted input cannot inject commands)");
  }
  return problems;
}

/** The variable that holds the plants' (production) registry host. */
export const PLANT_REGISTRY_VAR = "EDGE_REGISTRY_HOST";

/** A value in a target that cannot carry a registry host: an input, a job output, a variable other than the plants'. */
const PLAIN_ARG = String.raw`(?:inputs\.[\w-]+|needs\.[\w-]+\.outputs\.[\w-]+|vars\.(?!${PLANT_REGISTRY_VAR}\b)\w+|'[\w.:-]*')`;
/** `${{ vars.NAME }}/<repository>:<tag>`, the repository and tag literal or from inputs and job outputs. */
const VAR_HOST_TARGET = new RegExp(
  String.raw`^\$\{\{\s*vars\.(?!${PLANT_REGISTRY_VAR}\b)\w+\s*\}\}\/(?:[\w./:-]|\$\{\{\s*${PLAIN_ARG}\s*\}\})+$`,
);
/** `${{ <condition> && format('{0}/...', vars.NAME, ...) || '' }}`: the same target, pushed only when the condition holds. */
const FORMAT_TARGET = new RegExp(
  String.raw`^\$\{\{\s*(?:vars\.(?!${PLANT_REGISTRY_VAR}\b)\w+\s*&&\s*)?format\('\{0\}\/[\w{}./:-]*',\s*vars\.(?!${PLANT_REGISTRY_VAR}\b)\w+(?:\s*,\s*${PLAIN_ARG})*\s*\)(?:\s*\|\|\s*'')?\s*\}\}$`,
);

/**
 * Whether package-edge's `targets` may push to the plants' registries. Fail closed: only targets whose registry
 * host is written in the step as a variable other than EDGE_REGISTRY_HOST (a staging registry) are not; anything
 * else (EDGE_REGISTRY_HOST, a step output, a literal host, an env value) may be a plant and counts as one.
 */
export function pushesToPlants(targets: string): boolean {
  const lines = targets
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return !lines.every((l) => VAR_HOST_TARGET.test(l) || FORMAT_TARGET.test(l));
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
      if (job.permissions === undefined)
        say(where, "calls a workflow without a permissions: block (it would get the workflow's {})");
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

    const environment = typeof job.environment === "object" ? job.environment.name : job.environment;
    const stepOutputs = new Map<string, Set<string> | undefined>();
    for (const [i, step] of steps.entries()) {
      problems.push(...checkStep(`${file}: ${where}.steps[${step.id ?? i}]`, step, root));
      const action = step.uses ? SUITE_USES.exec(step.uses)?.[1] : undefined;
      const writesProd =
        action === "promote" || (action === "package-edge" && pushesToPlants(String(step.with?.targets ?? "")));
      if (writesProd && environment !== "production") {
        say(
          `${where}.steps[${step.id ?? i}]`,
          `${action} writes the prod registry or pushes to the plants: only a job with environment: production may (got ${environment ? `environment: ${environment}` : "no environment"}), so the approval cannot be bypassed`,
        );
      }
      const suite = step.uses ? SUITE_USES.exec(step.uses) : null;
      if (step.id)
        stepOutputs.set(step.id, suite ? new Set(Object.keys(actionMeta(root, suite[1]!).outputs ?? {})) : undefined);
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
