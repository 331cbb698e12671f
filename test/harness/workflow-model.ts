/**
 * Reads a workflow file with GitHub's own parser (`@actions/workflow-parser`): the schema check, the
 * conversion into jobs and steps (with `if:` already wrapped in `success() && (...)` where GitHub wraps it),
 * and the called workflows of `uses: ./.github/workflows/<file>` jobs, read from the same repository and
 * checked against their `on: workflow_call` inputs and secrets. A workflow that GitHub would refuse is
 * refused here with the parser's messages.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { parse } from "yaml";

export type {
  ActionStep,
  Job,
  ReusableWorkflowJob,
  RunStep,
  Step,
  WorkflowJob,
  WorkflowTemplate,
} from "@actions/workflow-parser/model/workflow-template";

/** Job permissions as written (the parser's model leaves them out; the runner needs them for OIDC). */
export type Permissions = Record<string, string> | "read-all" | "write-all" | undefined;

export interface LoadedWorkflow {
  file: string;
  template: WorkflowTemplate;
  /** Permissions per job id, for this file and every called workflow (keyed `<file>#<job>`). */
  permissions: Map<string, Permissions>;
  /**
   * What the parser's model leaves out, as parsed tokens: each job's mapping (`timeout-minutes`, `defaults`)
   * and each step's (`with:`, `shell:`, `working-directory:`, `timeout-minutes:`), keyed `<file>#<job>`.
   */
  raw: Map<string, { job: Map<string, TemplateToken>; steps: Map<string, TemplateToken>[] }>;
}

function entries(token: TemplateToken | undefined): Map<string, TemplateToken> {
  const out = new Map<string, TemplateToken>();
  if (token && isMapping(token)) {
    for (let i = 0; i < token.count; i++) {
      const pair = token.get(i);
      if (isString(pair.key)) out.set(pair.key.value, pair.value);
    }
  }
  return out;
}

interface RawWorkflow {
  permissions?: Permissions;
  jobs?: Record<string, { permissions?: Permissions }>;
}

/**
 * Load `file` (absolute); `repository` is the folder `./` in a `uses:` reference resolves against (the
 * repository root, which holds `.github/workflows/`).
 */
export async function loadWorkflow(file: string, repository: string): Promise<LoadedWorkflow> {
  const permissions = new Map<string, Permissions>();
  const rawJobs: LoadedWorkflow["raw"] = new Map();
  const read = (path: string) => {
    const content = readFileSync(path, "utf8");
    const raw = (parse(content) ?? {}) as RawWorkflow;
    const name = relative(repository, path);
    for (const [id, job] of Object.entries(raw.jobs ?? {})) {
      permissions.set(`${name}#${id}`, job.permissions ?? raw.permissions);
    }
    // The same parse the converter does, kept for the keys its model drops.
    const tokens = parseWorkflow({ name, content }, new NoOperationTraceWriter()).value;
    for (const [id, job] of entries(entries(tokens).get("jobs"))) {
      const keys = entries(job);
      const steps = keys.get("steps");
      const list: Map<string, TemplateToken>[] = [];
      if (steps && isSequence(steps)) for (let i = 0; i < steps.count; i++) list.push(entries(steps.get(i)));
      rawJobs.set(`${name}#${id}`, { job: keys, steps: list });
    }
    return { name, content };
  };
  const entry = read(file);
  const parsed = parseWorkflow(entry, new NoOperationTraceWriter());
  if (!parsed.value)
    throw new Error(
      `${entry.name}: not a workflow: ${parsed.context.errors
        .getErrors()
        .map((e) => e.message)
        .join("; ")}`,
    );
  const template = await convertWorkflowTemplate(
    parsed.context,
    parsed.value,
    {
      getFileContent: async (ref) => {
        if ("repository" in ref) {
          throw new Error(
            `${ref.owner}/${ref.repository}/${ref.path}@${ref.version}: only workflows of this repository (./.github/workflows/...) are run here`,
          );
        }
        return read(join(repository, ref.path));
      },
    },
    { fetchReusableWorkflowDepth: 1 },
  );
  if (template.errors?.length) {
    throw new Error(
      `${entry.name}: GitHub would refuse this workflow:\n${template.errors.map((e) => `  ${e.Message}`).join("\n")}`,
    );
  }
  return { file: entry.name, template, permissions, raw: rawJobs };
}

/**
 * What GitHub's parser says about a workflow text (schema errors, unknown keys, bad expressions), without
 * resolving called workflows. An empty list means GitHub would accept the file.
 */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, {
      fetchReusableWorkflowDepth: 0,
    });
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return [...new Set(errors)];
}
