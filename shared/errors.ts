/**
 * A mistake the user can fix: bad input, missing data, a model that does not match, a conflict.
 * Printed as one line without a stack trace. Write the message as
 * `<input or thing>: <what is wrong> (got <value>). <how to fix it>.`
 * Every other error is a bug and is printed with its stack.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get code(): string | undefined {
    return this.options.code;
  }
}

/** A concurrent writer won the race (alias moved, version taken). A UserError: re-run or pass the new expected value. */
export class ConflictError extends UserError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: "conflict" });
  }
}

/**
 * A gate decided against what it checked (a rejected candidate, drifted data, data that breaks its contract,
 * a decision promote will not act on): the step fails on purpose, not because something could not run.
 * `relax` names the input that turns the failure into a report, e.g. fail-on-reject: false.
 */
export class GateRejection extends UserError {
  constructor(
    message: string,
    readonly relax?: { input: string; value: string },
  ) {
    super(message, { code: "rejected" });
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (e instanceof Error && e.name === "UserError");
}

/** A gate's refusal (also across bundle chunks, where `instanceof` may not hold). */
export function isGateRejection(e: unknown): e is GateRejection {
  return isUserError(e) && (e as UserError).code === "rejected";
}

/** Short, quoted rendering of a received value for error messages. */
export function shown(value: unknown, max = 80): string {
  const s = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
