/** The message of the user error a call throws (or a promise rejects with); anything else fails the test. */
import { isUserError } from "../../shared/errors";

export function userErrorOf(run: () => unknown): string;
export function userErrorOf(pending: Promise<unknown>): Promise<string>;
export function userErrorOf(what: (() => unknown) | Promise<unknown>): string | Promise<string> {
  if (typeof what !== "function") return what.then(nothingThrown, messageOf);
  try {
    what();
  } catch (e) {
    return messageOf(e);
  }
  return nothingThrown();
}

function messageOf(e: unknown): string {
  if (isUserError(e)) return e.message;
  throw new Error(`expected a user error, got ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, {
    cause: e,
  });
}

function nothingThrown(): never {
  throw new Error("expected a user error, but nothing was thrown");
}
