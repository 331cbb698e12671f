/** The ActionContext of the CLI: logs on stderr (a live bar on a TTY), outputs collected for stdout. */
import type { Logger, ProgressEvent } from "../shared/log";
import { maskKnown } from "../shared/secrets";
import { type ActionContext, githubContext } from "./context";
import { formatAmount, progressLines } from "./progress";

export interface CliRun {
  ctx: ActionContext;
  outputs: Record<string, string>;
  summary: string[];
  annotations: { level: string; message: string }[];
}

export function cliContext(
  opts: { quiet?: boolean; env?: NodeJS.ProcessEnv; stderr?: NodeJS.WriteStream } = {},
): CliRun {
  const env = opts.env ?? process.env;
  const err = opts.stderr ?? process.stderr;
  const secrets: string[] = [];
  const mask = (s: string) => maskKnown(s, secrets);
  const write = (line: string) => {
    if (!opts.quiet) err.write(`${mask(line)}\n`);
  };
  const outputs: Record<string, string> = {};
  const summary: string[] = [];
  const annotations: { level: string; message: string }[] = [];
  const lines = progressLines(write);
  let barActive = false;
  const clearBar = () => {
    if (barActive) {
      err.write("\r\x1b[2K");
      barActive = false;
    }
  };
  const bar = (e: ProgressEvent) => {
    if (opts.quiet) return;
    const width = 24;
    const frac = e.total ? Math.min(1, e.done / e.total) : undefined;
    const filled = frac === undefined ? "" : "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const text = `${e.task} ${frac === undefined ? "" : `[${filled}] `}${formatAmount(e.done, e.unit)}${e.total ? ` / ${formatAmount(e.total, e.unit)}` : ""}`;
    err.write(`\r\x1b[2K${text}`);
    barActive = true;
    if (e.finished) {
      err.write("\n");
      barActive = false;
    }
  };
  const logger: Logger = {
    info: (m) => {
      clearBar();
      write(m);
    },
    warning: (m) => {
      clearBar();
      err.write(`warning: ${mask(m)}\n`);
    },
    debug: (m) => {
      if (env.MLOPS_DEBUG) write(`debug: ${m}`);
    },
    progress: err.isTTY ? bar : lines,
  };
  const ctx: ActionContext = {
    logger,
    setOutput: (name, value) => {
      if (value === undefined) return;
      outputs[name] = typeof value === "object" ? JSON.stringify(value) : String(value);
    },
    summary: (md) => {
      summary.push(md);
    },
    setSecret: (v) => {
      if (v) secrets.push(v);
    },
    maskedValues: () => secrets,
    group: async (name, fn) => {
      write(`▶ ${name}`);
      return fn();
    },
    annotate: (level, message, where) => {
      annotations.push({ level, message });
      const at = where?.file ? ` (${where.file}${where.startLine ? `:${where.startLine}` : ""})` : "";
      clearBar();
      err.write(`${level}${at}: ${mask(message)}\n`);
    },
    github: githubContext(env),
    env,
  };
  return { ctx, outputs, summary, annotations };
}
