/**
 * Every input of every action, given the values a careless or hostile user gives: a value of the wrong
 * kind, a huge number, a file that does not exist, a directory, an empty file and an unreadable file.
 * The cases are made from each action.yml, so a new input is walked without anyone listing it.
 * They run through the bundled CLI with GITHUB_ACTIONS=true (the runner's error syntax), one process per
 * action (walk-driver.mjs); the process runs as an unprivileged user when the tests run as root, so that
 * a file with mode 000 is unreadable.
 */
import { spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const HOSTILE_KINDS = [
  "wrong-kind",
  "huge",
  "missing-file",
  "directory",
  "empty-file",
  "unreadable-file",
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface WalkCase {
  id: string;
  action: string;
  input: string;
  kind: HostileKind;
  value: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}

export interface WalkResult {
  id: string;
  code: number | string | null;
  /** Time the case took in the driver. */
  ms: number;
  stdout: string;
  stderr: string;
}

/** The unprivileged user the walk runs as when the tests run as root (nobody on Debian). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };
export const runningAsRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** The file extension a path for this input would have, from its base value, default or description. */
export function extensionFor(value: string | undefined, description: string): string {
  const fromValue = /\.(onnx|csv|parquet|jsonl|json|ya?ml|tar)$/i.exec(value ?? "")?.[0];
  if (fromValue) return fromValue.toLowerCase();
  if (/\.onnx\b/i.test(description)) return ".onnx";
  if (/\bYAML\b/.test(description)) return ".yml";
  if (/\bCSV\b/.test(description)) return ".csv";
  if (/\bJSON\b/.test(description)) return ".json";
  return ".txt";
}

/** Files the hostile values point at, under `dir` (made readable by the walk's user). */
export function writeHostileFiles(dir: string): void {
  mkdirSync(join(dir, "a-directory"), { recursive: true });
  writeFileSync(join(dir, "a-directory", "readme.txt"), "a directory given where a file was expected\n");
  for (const ext of [".onnx", ".csv", ".parquet", ".jsonl", ".json", ".yml", ".yaml", ".tar", ".txt"]) {
    writeFileSync(join(dir, `empty${ext}`), "");
    const unreadable = join(dir, `unreadable${ext}`);
    writeFileSync(unreadable, "x\n");
    chmodSync(unreadable, 0o000);
  }
}

export function hostileValue(kind: HostileKind, dir: string, ext: string): string {
  switch (kind) {
    case "wrong-kind":
      return "{[not: valid";
    case "huge":
      return "9e999";
    case "missing-file":
      return join(dir, "missing", `nothing${ext}`);
    case "directory":
      return join(dir, "a-directory");
    case "empty-file":
      return join(dir, `empty${ext}`);
    case "unreadable-file":
      return join(dir, `unreadable${ext}`);
  }
}

export interface ActionBase {
  /** Inputs that make the action run (required ones and what keeps it on this machine). */
  inputs: Record<string, string>;
  timeoutMs?: number;
}

/** One case per input and kind, for each action with a base. */
export function walkCases(opts: {
  actionsDir: string;
  bases: Record<string, ActionBase>;
  hostileDir: string;
  cwd: string;
  env: Record<string, string>;
}): WalkCase[] {
  const cases: WalkCase[] = [];
  for (const action of readdirSync(opts.actionsDir).sort()) {
    const yml = join(opts.actionsDir, action, "action.yml");
    try {
      statSync(yml);
    } catch {
      continue;
    }
    const base = opts.bases[action];
    if (!base) throw new Error(`hostile inputs: no base inputs for action ${action}; add them to the walk`);
    const meta = parse(readFileSync(yml, "utf8")) as {
      inputs?: Record<string, { description: string; default?: string }>;
    };
    for (const [input, m] of Object.entries(meta.inputs ?? {})) {
      const ext = extensionFor(base.inputs[input] ?? m.default, m.description);
      for (const kind of HOSTILE_KINDS) {
        const value = hostileValue(kind, opts.hostileDir, ext);
        const inputs = { ...base.inputs, [input]: value };
        const argv = [action, ...Object.entries(inputs).flatMap(([k, v]) => [`--${k}=${v}`]), "--json"];
        cases.push({
          id: `${action} --${input} (${kind})`,
          action,
          input,
          kind,
          value,
          argv,
          env: opts.env,
          cwd: opts.cwd,
          ...(base.timeoutMs ? { timeoutMs: base.timeoutMs } : {}),
        });
      }
    }
  }
  return cases;
}

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "walk-driver.mjs");

/** Run the cases of one action in one driver process; bounded in time. */
export async function runWalk(
  bundle: string,
  cases: WalkCase[],
  work: string,
  opts: { asUser?: { uid: number; gid: number }; timeoutMs: number },
): Promise<WalkResult[]> {
  const tag = cases[0]?.action ?? "none";
  const casesFile = join(work, `cases-${tag}.json`);
  const resultsFile = join(work, `results-${tag}.json`);
  writeFileSync(casesFile, JSON.stringify(cases));
  writeFileSync(resultsFile, "[]");
  if (opts.asUser) chownSync(resultsFile, opts.asUser.uid, opts.asUser.gid);
  const child = spawn(process.execPath, [DRIVER, bundle, casesFile, resultsFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: work },
    ...(opts.asUser ?? {}),
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const code = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("close", (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  if (code !== 0) throw new Error(`walk driver for ${tag} exited with ${code}: ${log.slice(-2000)}`);
  return JSON.parse(readFileSync(resultsFile, "utf8")) as WalkResult[];
}

/** What is wrong with one result, or undefined when the action answered as it should. */
export function judge(c: WalkCase, r: WalkResult): string | undefined {
  const text = `${r.stdout}\n${r.stderr}`;
  if (r.code === "timeout") return "did not finish";
  if (r.code === "threw") return `main threw: ${r.stderr.slice(-400)}`;
  if (/This is a bug/.test(text)) return `reached the bug path: ${firstError(text)}`;
  if (/unhandled rejection|uncaught exception/.test(text)) return `crashed: ${r.stderr.slice(-300)}`;
  if (/^\s+at .+:\d+:\d+\)?$/m.test(text)) return "printed a stack trace";
  const errors = text.split("\n").filter((l) => l.startsWith("::error::"));
  if (r.code === 0) return errors.length === 0 ? undefined : `exit 0 with ${errors.length} error lines`;
  if (r.code !== 1 && r.code !== 2) return `exit code ${r.code}`;
  if (errors.length !== 1) return `${errors.length} ::error:: lines`;
  const message = errors[0]!;
  const base = c.value.split("/").pop() ?? c.value;
  if (!message.includes(c.input) && !message.includes(c.value) && !message.includes(base))
    return `the error names neither the input nor the value: ${message}`;
  return undefined;
}

function firstError(text: string): string {
  return text.split("\n").find((l) => l.startsWith("::error::")) ?? text.slice(-300);
}
