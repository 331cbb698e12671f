/**
 * Runs a bundled action exactly as the GitHub runner does: `node <runs.main>` resolved from the action's
 * folder, inputs as INPUT_<NAME> variables (upper-cased, spaces to underscores, defaults from action.yml
 * filled in as the runner fills them), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_PATH /
 * GITHUB_STATE files, GITHUB_WORKSPACE, RUNNER_TEMP and an event payload file. Returns the exit code,
 * the outputs parsed from GITHUB_OUTPUT (both `name=value` and the heredoc form), the summary Markdown and
 * the workflow commands (`::error::` ...) the action printed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { testNode } from "./node-binary";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunOptions {
  inputs?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  /** Event payload written to GITHUB_EVENT_PATH (default: a push event). */
  event?: Record<string, unknown>;
  eventName?: string;
  workspace?: string;
  /** RUNNER_TEMP (default: a new folder per run). */
  runnerTemp?: string;
  timeoutMs?: number;
  /** Root of the action tree (default: this repository; e2e tests may point at a copy without node_modules). */
  root?: string;
  /** Each line the action prints, as it prints it (the demo shows them live). */
  onLine?: (line: string) => void;
  /** Send a signal to the action once it prints a line matching `after` (how the runner cancels a step). */
  signalOn?: { after: RegExp; signal: NodeJS.Signals };
}

export interface Command {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outputs: Record<string, string>;
  summary: string;
  env: Record<string, string>;
  stdout: string;
  stderr: string;
  commands: Command[];
  errors: string[];
  warnings: string[];
  masks: string[];
  workspace: string;
  runnerTemp: string;
}

/** Parse the GITHUB_OUTPUT / GITHUB_ENV file format: `name=value` or `name<<DELIM\n...\nDELIM`. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`unterminated heredoc for ${name} (delimiter ${delim})`);
      out[name!] = body.join("\n");
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`malformed file command line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}

/** Parse `::command key=value,key=value::message` lines. */
export function parseCommands(stdout: string): Command[] {
  const cmds: Command[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const kv of (m[2] ?? "").split(",").filter(Boolean)) {
      const eq = kv.indexOf("=");
      properties[kv.slice(0, eq)] = unescapeData(kv.slice(eq + 1));
    }
    cmds.push({ command: m[1]!, properties, message: unescapeData(m[3]!) });
  }
  return cmds;
}

/** The env name the runner uses for an input (hyphens stay). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

export async function runAction(action: string, opts: RunOptions = {}): Promise<RunResult> {
  const root = opts.root ?? repoRoot;
  // What `uses: <org>/mlops-actions/<action>@v1` resolves to: the root <action>/action.yml generated from
  // actions/<action>/action.yml (a tree without it, e.g. an older copy, falls back to the source folder).
  const actionDir = existsSync(join(root, action, "action.yml")) ? join(root, action) : join(root, "actions", action);
  const meta = parse(readFileSync(join(actionDir, "action.yml"), "utf8")) as {
    inputs?: Record<string, { default?: string }>;
    runs: { using: string; main: string };
  };
  const base = mkdtempSync(join(tmpdir(), `mlops-run-${action}-`));
  const workspace = opts.workspace ?? join(base, "workspace");
  const runnerTemp = opts.runnerTemp ?? join(base, "runner-temp");
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const files = {
    GITHUB_OUTPUT: join(base, "output"),
    GITHUB_STEP_SUMMARY: join(base, "summary.md"),
    GITHUB_ENV: join(base, "env"),
    GITHUB_PATH: join(base, "path"),
    GITHUB_STATE: join(base, "state"),
    GITHUB_EVENT_PATH: join(base, "event.json"),
  };
  for (const f of Object.values(files)) writeFileSync(f, "");
  writeFileSync(
    files.GITHUB_EVENT_PATH,
    JSON.stringify(opts.event ?? { ref: "refs/heads/main", repository: { full_name: "acme/plant-models" } }),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? base,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_ACTION: action,
    GITHUB_ACTOR: "octocat",
    GITHUB_REPOSITORY: "acme/plant-models",
    GITHUB_REPOSITORY_OWNER: "acme",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_REF: "refs/heads/main",
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_NUMBER: "7",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_WORKFLOW: "cd",
    GITHUB_JOB: "test",
    GITHUB_EVENT_NAME: opts.eventName ?? "push",
    GITHUB_SERVER_URL: "https://github.com",
    // Nothing leaves the machine: the discard port refuses connections unless a test starts a stand-in.
    GITHUB_API_URL: "http://127.0.0.1:9",
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: "Linux",
    RUNNER_ARCH: "X64",
    ...files,
  };
  // The runner passes every declared input, with the action.yml default when the step does not set it.
  for (const [name, m] of Object.entries(meta.inputs ?? {})) {
    const given = opts.inputs?.[name];
    let value = given !== undefined ? String(given) : (m.default ?? "");
    if (given === undefined && value.includes("${{")) value = /github\.token/.test(value) ? "ghs_harnesstoken" : "";
    env[inputEnvName(name)] = value;
  }
  for (const name of Object.keys(opts.inputs ?? {})) {
    if (!(name in (meta.inputs ?? {}))) env[inputEnvName(name)] = String(opts.inputs![name]); // the runner warns and passes it
  }
  Object.assign(env, opts.env);
  if (meta.runs.using !== "node24" && meta.runs.using !== "node20")
    throw new Error(`unsupported runs.using ${meta.runs.using}`);
  const main = resolve(actionDir, meta.runs.main);

  const child = spawn(testNode(), [main], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let pending = "";
  let signalled = false;
  child.stdout.on("data", (d) => {
    stdout += d;
    if (opts.signalOn && !signalled && opts.signalOn.after.test(stdout)) {
      signalled = true;
      child.kill(opts.signalOn.signal);
    }
    if (opts.onLine) {
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) opts.onLine(line);
    }
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (c, s) => {
      clearTimeout(timer);
      done({ code: c, signal: s });
    });
  });
  const commands = parseCommands(stdout);
  return {
    exitCode: code,
    signal,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, "utf8")),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8"),
    env: parseFileCommands(readFileSync(files.GITHUB_ENV, "utf8")),
    stdout,
    stderr,
    commands,
    errors: commands.filter((c) => c.command === "error").map((c) => c.message),
    warnings: commands.filter((c) => c.command === "warning").map((c) => c.message),
    masks: commands.filter((c) => c.command === "add-mask").map((c) => c.message),
    workspace,
    runnerTemp,
  };
}
