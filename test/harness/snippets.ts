/**
 * The YAML snippets of the Markdown files (```yaml fences), as a reader copies them: each must parse, and
 * each that is workflow text (a workflow, its `jobs:`, one job, or a list of steps) must be accepted by
 * GitHub's workflow parser once placed in a workflow, and pass the step checks of workflow-check.ts (inputs
 * our actions declare, required inputs given, third-party actions pinned, no `${{ }}` inside `run:`).
 * A complete workflow (it has `on:`) also passes the whole-workflow checks and actionlint.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { globSync } from "tinyglobby";
import { parseDocument, stringify } from "yaml";
import { checkStep, checkWorkflow, type Step, type Workflow } from "./workflow-check";
import { workflowErrors } from "./workflow-model";

export interface Snippet {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** Line of the opening fence (1-based). */
  line: number;
  /** The nearest Markdown heading above it. */
  heading: string;
  text: string;
}

export type SnippetKind = "workflow" | "jobs" | "job" | "steps" | "other";

/** Every ```yaml / ```yml fence of the Markdown files under `root` (dependencies and build output excluded). */
export function markdownSnippets(root: string): Snippet[] {
  const files = globSync("**/*.md", {
    cwd: root,
    absolute: true,
    ignore: ["**/node_modules/**", "dist/**", ".git/**", "test-output/**", ".mlops/**"],
  }).sort();
  return files.flatMap((f) => snippetsOf(relative(root, f), readFileSync(f, "utf8")));
}

export function snippetsOf(file: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split("\n");
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i]!);
    if (h) heading = h[1]!.trim();
    const open = /^(\s*)(`{3,}|~{3,})\s*ya?ml\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    }
    out.push({ file, line: i + 1, heading, text: body.join("\n") + "\n" });
    i = j;
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function snippetKind(value: unknown): SnippetKind {
  if (isMap(value) && "jobs" in value) return "on" in value ? "workflow" : "jobs";
  if (isMap(value) && "steps" in value) return "job";
  if (Array.isArray(value) && value.length > 0 && value.every((s) => isMap(s) && ("uses" in s || "run" in s)))
    return "steps";
  return "other";
}

/**
 * The snippet placed in a workflow, the smallest that GitHub would run. A fragment's `needs:` names jobs of
 * the workflow it goes into: they are added as one-step jobs.
 */
export function asWorkflow(kind: SnippetKind, value: unknown): Workflow | undefined {
  const job = (j: Record<string, unknown>) => ({ "runs-on": "ubuntu-latest", ...j });
  const withNeeded = (jobs: Record<string, Record<string, unknown>>) => {
    const out = { ...jobs };
    for (const j of Object.values(jobs)) {
      const needs = j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs];
      for (const n of needs) if (typeof n === "string" && !(n in out)) out[n] = job({ steps: [{ run: "true" }] });
    }
    return out;
  };
  switch (kind) {
    case "workflow":
      return value as Workflow;
    case "jobs":
      return {
        on: "workflow_dispatch",
        ...(value as Workflow),
        jobs: withNeeded((value as Workflow).jobs as never),
      } as Workflow;
    case "job":
      return {
        on: "workflow_dispatch",
        jobs: withNeeded({ snippet: job(value as Record<string, unknown>) }),
      } as Workflow;
    case "steps":
      return { on: "workflow_dispatch", jobs: { snippet: job({ steps: value }) } } as Workflow;
    default:
      return undefined;
  }
}

/** Problems of one snippet, each prefixed with where it is (file:line). */
export async function checkSnippet(s: Snippet, root: string): Promise<{ kind: SnippetKind; problems: string[] }> {
  const where = `${s.file}:${s.line}`;
  const doc = parseDocument(s.text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { kind: "other", problems: doc.errors.map((e) => `${where}: ${e.message}`) };
  const value = doc.toJS() as unknown;
  const kind = snippetKind(value);
  const wf = asWorkflow(kind, value);
  if (!wf) return { kind, problems: [] };
  const problems = (await workflowErrors(`${s.file}.yml`, stringify(wf))).map((m) => `${where}: GitHub's parser: ${m}`);
  if (kind === "workflow") {
    problems.push(...checkWorkflow(where, wf, root));
  } else {
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const [i, step] of (job.steps ?? []).entries()) {
        problems.push(...checkStep(`${where}: jobs.${id}.steps[${(step as Step).id ?? i}]`, step as Step, root));
      }
    }
  }
  return { kind, problems };
}
