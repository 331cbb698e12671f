/** The server's own threads (the inference worker, the capture writer): where their code is, and their priority. */
import { existsSync, readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UserError } from "../errors";

/**
 * How to start the server's entry as a thread (it dispatches on the thread's `role`): the serve.js bundle as it
 * is, or, running from source (tests), main.ts through tsx's loader, registered inside the thread first.
 */
export function serverThreadEntry(): { script: string; eval: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
    const tsx = pathToFileURL(join(dirname(pkg), "dist/esm/api/index.mjs")).href;
    const main = pathToFileURL(join(dirname(here), "main.ts")).href;
    return {
      script: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(main)}); });`,
      eval: true,
    };
  }
  return serverBundle(here);
}

/**
 * The server's bundle (dist/serve.js) from the file running now (`here`), for starting the server's own entry as a
 * thread: dist/serve.js is that file; dist/cli.js and its chunks have it beside them or one folder up.
 */
export function serverBundle(here: string): { script: string; eval: false } {
  for (const candidate of [join(dirname(here), "serve.js"), join(dirname(here), "..", "serve.js")]) {
    if (existsSync(candidate)) return { script: candidate, eval: false };
  }
  throw new UserError(
    `serve: serve.js, which the server's threads run, is missing beside ${here} (got no ${join(dirname(here), "serve.js")}). The installation is incomplete: rebuild it (npm run build) or reinstall mlops-actions.`,
  );
}

/** How much nicer (lower in priority) the worker thread and its onnxruntime threads are than the main thread. */
export const WORKER_NICE_STEP = 10;

/**
 * Lowers this thread's scheduling priority (Linux: nice is per thread, and threads it creates inherit it), so
 * when the cores are busy the main thread, which answers probes and moves bytes, runs before the inference
 * work. Raising one's own nice value needs no privilege. Elsewhere the thread keeps the process's priority.
 */
export function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + WORKER_NICE_STEP));
  } catch {
    // No /proc/thread-self (not Linux): nothing to lower.
  }
}
