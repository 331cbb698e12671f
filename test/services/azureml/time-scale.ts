/**
 * Time, scaled. The Resource Manager stand-in asks pollers to wait what Azure asks (Retry-After: 10 s, the
 * spec's minimum); the tests run the client with a clock 1000 times faster instead of skipping the wait:
 * the client still reads Retry-After, still sleeps, only for 10 ms.
 * - in-process: pass `sleep: scaledSleep` where the domain takes a sleep;
 * - end to end (dist/ in a child process): `scaledTimeEnv()` preloads time-scale.mjs, which divides every
 *   timer of a second or more by the same factor.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { realSleep } from "../../../shared/http";

export const TIME_SCALE = 1000;

export const scaledSleep = (ms: number, signal?: AbortSignal): Promise<void> => realSleep(ms / TIME_SCALE, signal);

const preload = join(dirname(fileURLToPath(import.meta.url)), "../../harness/time-scale.mjs");

/** Environment for a child `node` that runs with the scaled clock. */
export function scaledTimeEnv(): Record<string, string> {
  return { NODE_OPTIONS: `--import=${preload}`, MLOPS_TEST_TIME_SCALE: String(TIME_SCALE) };
}
