/**
 * Admission control for inference: a budget of request bytes held in memory, a fixed number of requests
 * decoded and run at once, and a bounded queue for the rest. Health, metadata and metrics requests never pass
 * through it, so they answer while inference is saturated; each started request runs in its own event-loop
 * turn, so the synchronous part of decoding never piles up between two health probes. Requests handed whole to
 * the worker thread ("heavy") have slots and a queue of their own, so the usual few-row requests, answered on
 * the main thread in a few ms, never wait behind large ones.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { UserError } from "../errors";
import type { ServeLimits } from "./limits";

/** The answer when the server is saturated: retryable (HTTP 503 with Retry-After, gRPC UNAVAILABLE). */
export function busy(what: string): UserError {
  return new UserError(
    `server: busy (got ${what}). Retry shortly; to take more at once raise --max-queue or --max-pending-bytes.`,
    { code: "unavailable" },
  );
}

export interface Admission {
  /** Holds `bytes` of the pending budget, or throws busy; the first reservation is always granted. */
  reserve(bytes: number): void;
  /** Gives bytes back (once the request's memory is no longer needed). */
  free(bytes: number): void;
  /** Runs `fn` when a slot of its lane is free (throws busy when that lane's queue is full). */
  run<T>(fn: () => Promise<T>, lane?: "light" | "heavy"): Promise<T>;
  readonly pendingBytes: number;
  readonly running: number;
  readonly queued: number;
}

export function createAdmission(
  limits: Pick<ServeLimits, "maxConcurrency" | "maxQueue" | "maxPendingBytes">,
): Admission {
  let pendingBytes = 0;
  const lanes = {
    light: { running: 0, waiting: [] as (() => void)[] },
    heavy: { running: 0, waiting: [] as (() => void)[] },
  };

  async function run<T>(fn: () => Promise<T>, name: "light" | "heavy" = "light"): Promise<T> {
    const lane = lanes[name];
    if (lane.running >= limits.maxConcurrency) {
      if (lane.waiting.length >= limits.maxQueue) throw busy(`${lane.waiting.length} requests already waiting`);
      await new Promise<void>((resolve) => lane.waiting.push(resolve));
    } else lane.running++;
    try {
      // Start in a turn of its own: probes and other I/O queued meanwhile go first.
      await nextTurn();
      return await fn();
    } finally {
      const next = lane.waiting.shift();
      if (next) next();
      else lane.running--;
    }
  }

  return {
    reserve(bytes) {
      if (pendingBytes > 0 && pendingBytes + bytes > limits.maxPendingBytes) {
        throw busy(`${pendingBytes} request bytes already held, limit ${limits.maxPendingBytes}`);
      }
      pendingBytes += bytes;
    },
    free(bytes) {
      pendingBytes = Math.max(0, pendingBytes - bytes);
    },
    run,
    get pendingBytes() {
      return pendingBytes;
    },
    get running() {
      return lanes.light.running + lanes.heavy.running;
    },
    get queued() {
      return lanes.light.waiting.length + lanes.heavy.waiting.length;
    },
  };
}
