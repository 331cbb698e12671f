/**
 * What an action adapter sees of the world, the same on the Actions runner and in the CLI.
 * `runner.ts` implements it with @actions/core; `cli/` implements it for a terminal.
 */
import { readFileSync } from "node:fs";
import { runIdentity } from "../shared/github";
import type { Logger } from "../shared/log";

export interface Annotation {
  title?: string;
  file?: string;
  startLine?: number;
}

/** `O`: the output names the action declares (see `defineAction`); any other name is a type error. */
export interface ActionContext<O extends string = string> {
  logger: Logger;
  /** Objects are written as JSON, booleans and numbers as strings. */
  setOutput(name: O, value: OutputValue): void;
  /** Append Markdown to the job summary. */
  summary(markdown: string): void;
  /** Mask a value in every later log line, in its URL-encoded and URL-decoded forms too. */
  setSecret(value: string): void;
  /** Every value masked so far (for redacting what is stored: model cards, images). */
  maskedValues(): readonly string[];
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  annotate(level: "error" | "warning" | "notice", message: string, where?: Annotation): void;
  github: GitHubContext;
  env: NodeJS.ProcessEnv;
}

/** A value an output takes: objects are written as JSON, booleans and numbers as strings. */
export type OutputValue = string | number | boolean | object | undefined;

/**
 * Set the outputs a use case returns, keyed by their names in action.yml. As with `setOutput`, a name the
 * action does not declare is a type error.
 */
export function setOutputs<O extends string, T extends { [K in keyof T]: K extends O ? OutputValue : never }>(
  ctx: Pick<ActionContext<O>, "setOutput">,
  values: T,
): void {
  for (const [name, value] of Object.entries(values)) ctx.setOutput(name as O, value as OutputValue);
}

export interface GitHubContext {
  serverUrl: string;
  repository?: string;
  sha?: string;
  ref?: string;
  actor?: string;
  workflow?: string;
  runId?: string;
  runAttempt?: string;
  runUrl?: string;
  eventName?: string;
  /** The parsed webhook event payload (GITHUB_EVENT_PATH), `{}` when absent. */
  event: Record<string, unknown>;
  /** Pull request number when the event has one. */
  pullRequest?: number;
  workspace: string;
  tempDir: string;
}

/** Read the run's context from the environment the runner sets (the CLI fills what it can). */
export function githubContext(env: NodeJS.ProcessEnv, cwd = process.cwd()): GitHubContext {
  const run = runIdentity(env);
  let event: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8")) as Record<string, unknown>;
    } catch {
      event = {};
    }
  }
  const pr = (event.pull_request as { number?: number } | undefined)?.number ?? (event.number as number | undefined);
  return {
    serverUrl: run.serverUrl,
    repository: run.repository,
    sha: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    actor: run.actor,
    workflow: env.GITHUB_WORKFLOW || undefined,
    runId: run.runId,
    runAttempt: run.runAttempt,
    runUrl: run.runUrl,
    eventName: env.GITHUB_EVENT_NAME || undefined,
    event,
    pullRequest: typeof pr === "number" ? pr : undefined,
    workspace: env.GITHUB_WORKSPACE || cwd,
    tempDir: env.RUNNER_TEMP || `${env.TMPDIR || "/tmp"}`,
  };
}
