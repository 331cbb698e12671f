/**
 * Whether a workflow runs for an event, by its `on:` filters, as GitHub decides it
 * (https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#onpushbranchestagsbranches-ignoretags-ignore
 * and the filter pattern cheat sheet below it):
 * - push: `branches`/`branches-ignore` for a branch, `tags`/`tags-ignore` for a tag; a push event that
 *   filters only branches does not run for tags and the reverse; `paths`/`paths-ignore` apply to branch
 *   pushes only ("Path filters are not evaluated for pushes of tags");
 * - pull_request: `branches` filter the base branch, `types` the activity (default opened, synchronize,
 *   reopened), `paths` the files the pull request changes;
 * - repository_dispatch: `types` filter the event's action.
 * Patterns: `*` any characters but `/`, `**` any characters, `?` zero or one of the preceding character, `+`
 * one or more of it, `[]` one character of a set or range, a leading `!` negates; the last pattern that
 * matches decides. Paths are evaluated only when the caller says which files changed.
 */
import type { WorkflowTemplate } from "./workflow-model";

export interface TriggerEvent {
  name: string;
  /** github.ref of the run (refs/heads/<branch> or refs/tags/<tag>). */
  ref: string;
  payload: Record<string, unknown>;
  /** Files the push or pull request changes; undefined leaves path filters unevaluated. */
  changedFiles?: string[];
}

/** A filter pattern as a regular expression over the whole value. */
export function filterPattern(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        re += ".*";
        i++;
      } else re += "[^/]*";
    } else if (c === "?" || c === "+") re += c;
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) throw new Error(`filter pattern ${pattern}: unclosed [`);
      re += pattern.slice(i, end + 1);
      i = end;
    } else re += c.replace(/[.^$(){}|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The last pattern of `patterns` that matches `value` decides; a `!` pattern excludes. */
export function matchesFilters(patterns: string[], value: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (filterPattern(negated ? p.slice(1) : p).test(value)) matched = !negated;
  }
  return matched;
}

interface Filters {
  branches?: string[];
  "branches-ignore"?: string[];
  tags?: string[];
  "tags-ignore"?: string[];
  paths?: string[];
  "paths-ignore"?: string[];
  types?: string[];
}

function refFilter(include: string[] | undefined, ignore: string[] | undefined, name: string): boolean {
  if (include) return matchesFilters(include, name);
  if (ignore) return !matchesFilters(ignore, name);
  return true;
}

function pathFilter(f: Filters, files: string[] | undefined): boolean {
  if (files === undefined) return true;
  if (f.paths) return files.some((file) => matchesFilters(f.paths!, file));
  if (f["paths-ignore"]) return files.some((file) => !matchesFilters(f["paths-ignore"]!, file));
  return true;
}

/** Whether the workflow whose `on:` is `events` runs for `event`, and if not, why. */
export function triggers(events: WorkflowTemplate["events"], event: TriggerEvent): { runs: boolean; why: string } {
  if (!(event.name in events)) return { runs: false, why: `on: has no ${event.name}` };
  const f = (events[event.name] ?? {}) as Filters;
  const no = (why: string) => ({ runs: false, why });
  if (event.name === "push") {
    const tag = /^refs\/tags\/(.+)$/.exec(event.ref)?.[1];
    const branch = /^refs\/heads\/(.+)$/.exec(event.ref)?.[1];
    const filtersBranches = Boolean(f.branches || f["branches-ignore"]);
    const filtersTags = Boolean(f.tags || f["tags-ignore"]);
    if (tag !== undefined) {
      if (filtersBranches && !filtersTags) return no(`push filters branches only; ${tag} is a tag`);
      if (!refFilter(f.tags, f["tags-ignore"], tag)) return no(`tag ${tag} does not match the tag filters`);
      return { runs: true, why: `tag ${tag}` };
    }
    if (branch === undefined) return no(`ref ${event.ref} is neither a branch nor a tag`);
    if (filtersTags && !filtersBranches) return no(`push filters tags only; ${branch} is a branch`);
    if (!refFilter(f.branches, f["branches-ignore"], branch))
      return no(`branch ${branch} does not match the branch filters`);
    if (!pathFilter(f, event.changedFiles))
      return no(`no changed file matches the path filters (${event.changedFiles!.join(", ")})`);
    return { runs: true, why: `branch ${branch}` };
  }
  if (event.name === "pull_request" || event.name === "pull_request_target") {
    const action = String(event.payload.action ?? "opened");
    if (!(f.types ?? ["opened", "synchronize", "reopened"]).includes(action))
      return no(`activity ${action} is not in types`);
    const pr = (event.payload.pull_request ?? {}) as { base?: { ref?: string } };
    const base = pr.base?.ref ?? "main";
    if (!refFilter(f.branches, f["branches-ignore"], base))
      return no(`base branch ${base} does not match the branch filters`);
    if (!pathFilter(f, event.changedFiles))
      return no(`no changed file matches the path filters (${event.changedFiles!.join(", ")})`);
    return { runs: true, why: `pull request ${action}` };
  }
  if (f.types && event.payload.action !== undefined && !f.types.includes(String(event.payload.action))) {
    return no(`activity ${String(event.payload.action)} is not in types`);
  }
  return { runs: true, why: event.name };
}
