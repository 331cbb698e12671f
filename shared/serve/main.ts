/**
 * Entry point of the bundled inference server (dist/serve.js): parses flags and environment, serves until
 * SIGTERM/SIGINT, then drains in-flight requests and exits 0. Logs are JSON lines on stdout; a user mistake
 * exits 2 with a JSON error line on stderr. Takes a file path (what a container holds); registry refs are
 * resolved by `mlops serve`, which calls `runServe` with a resolver.
 */
import { isCaptureWriter, runCaptureWriter } from "../capture/capture-writer";
import { isUserError } from "../errors";
import { isInferenceWorker, runInferenceWorker } from "./inference-worker";
import { runServe } from "./run-serve";
import { parseServeArgs } from "./serve-args";

// The same file runs the server's inference worker thread (see inference-worker.ts) and its capture writer thread
// (capture-writer.ts).
if (isInferenceWorker()) runInferenceWorker();
else if (isCaptureWriter()) runCaptureWriter();
else serve();

function serve(): void {
  Promise.resolve()
    .then(() => runServe(parseServeArgs(process.argv.slice(2), process.env)))
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        const user = isUserError(e);
        const msg = user ? (e as Error).message : ((e as Error)?.stack ?? String(e));
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg })}\n`);
        process.exit(user ? 2 : 1);
      },
    );
}
