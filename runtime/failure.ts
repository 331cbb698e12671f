/**
 * How a failed action is reported, the same on the runner and in the CLI: a gate's refusal and a user
 * mistake as one line without a stack, anything else as a bug with its stack and a request to report it.
 */
import { isGateRejection, isUserError } from "../shared/errors";

export const REPORT_URL = "https://github.com/mlops-actions/mlops-actions/issues";

/**
 * The CLI's exit codes (README "Exit codes"). On the runner every failure is exit code 1, as GitHub expects.
 * 1 follows grep and diff: the command ran and the answer is no.
 */
export const EXIT = {
  /** Ran, and every gate passed (or only reported, e.g. fail-on-reject: false). */
  ok: 0,
  /** Ran, and a gate refused: a rejected candidate, drifted data, data that breaks its contract, a refused promotion. */
  rejected: 1,
  /** Could not run: a mistake in the inputs, the files, the data or the environment (one line says which). */
  failed: 2,
  /** Could not run because of a bug in mlops-actions (the stack trace is printed). */
  bug: 3,
} as const;

export interface Failure {
  kind: "rejected" | "failed" | "bug";
  /** One line, as it is shown after `::error::` or `error: `. */
  message: string;
  /** Bugs only. */
  stack?: string;
  exitCode: number;
}

/**
 * `on` says where the message is read: on the runner an input is set in the step's `with:` block, in a
 * terminal with a flag.
 */
export function describeFailure(e: unknown, opts: { action?: string; on: "runner" | "terminal" }): Failure {
  if (isGateRejection(e)) {
    const relax = e.relax;
    const sentence = /[.!?)]$/.test(e.message) ? e.message : `${e.message}.`;
    const how = !relax
      ? ""
      : opts.on === "runner"
        ? ` Set ${relax.input}: ${relax.value} to report without failing.`
        : ` Use --${relax.input} ${relax.value} to report without failing.`;
    return { kind: "rejected", message: `${sentence}${how}`, exitCode: EXIT.rejected };
  }
  if (isUserError(e)) return { kind: "failed", message: e.message, exitCode: EXIT.failed };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    kind: "bug",
    message: `${opts.action ? `${opts.action}: ` : ""}unexpected error: ${err.message}. This is a bug; please report it with the log above at ${REPORT_URL}.`,
    stack: err.stack ?? String(err),
    exitCode: EXIT.bug,
  };
}
