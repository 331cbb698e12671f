/**
 * Entry point of the bundled inference server (dist/serve.js): parses flags and environment, serves until
 * SIGTERM/SIGINT, then drains in-flight requests and exits 0. Logs are JSON lines on stdout; a user mistake
 * exits 2 with a JSON error line on stderr. Takes a file path (what a container holds); registry refs are
 * resolved by `mlops serve`, which calls `runServe` with a resolver.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isUserError } from "../errors";

// The same file runs the server's inference worker thread (see inference-worker.ts) and its capture writer thread
// (capture-writer.ts). Each role's code is loaded only by the thread that runs it: the writer thread does not load
// ONNX Runtime and the server, and a server without capture does not parse the capture code at start.
const role = parentPort === null ? undefined : (workerData as { role?: string } | undefined)?.role;
// In a thread, a failed load rejects unhandled: the thread ends with that error, which its starter reports.
if (role === "inference") void import("./inference-worker").then((m) => m.runInferenceWorker());
else if (role === "capture-writer") void import("../capture/capture-writer").then((m) => m.runCaptureWriter());
else serve();

function serve(): void {
  Promise.resolve()
    .then(async () => {
      const [{ runServe }, { parseServeArgs }] = await Promise.all([import("./run-serve"), import("./serve-args")]);
      return runServe(parseServeArgs(process.argv.slice(2), process.env));
    })
    .then((code) => process.exit(code), crash);
}

function crash(e: unknown): void {
  const user = isUserError(e);
  const msg = user ? (e as Error).message : ((e as Error)?.stack ?? String(e));
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg })}\n`);
  process.exit(user ? 2 : 1);
}
