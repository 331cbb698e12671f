/**
 * Column batches parsed on a worker thread, so that parsing (the slowest stage of an evaluation: 3 M rows/s
 * against 10 M rows/s for two models' session.run, BENCHMARKS.md) overlaps with what the calling thread
 * does with each batch. The worker runs `openDataset(...).batches(...)` itself: the same readers and
 * checks, any source openDataset can open. Batches arrive in order; numeric columns are transferred, not
 * copied (the batches of a Parquet row group with a text column, views of its columns, arrive together with
 * them); the worker stays at most `inFlight` batches (or one row group) ahead, so memory is bounded. Errors keep
 * their kind: a UserError in the worker is a UserError here, with the same message.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../errors";
import type { BatchOptions, ColumnBatch, DataFormat, DataSetHead } from "./types";

export interface WorkerJob {
  source: string;
  format?: DataFormat;
  input: string;
  batch: Omit<BatchOptions, "logger">;
  credits: number;
  head?: DataSetHead;
}

export type WorkerMessage =
  | { type: "batch"; batch: ColumnBatch }
  /** Consecutive batches whose columns share buffers (a Parquet row group's with a text column), moved together. */
  | { type: "batches"; batches: ColumnBatch[] }
  | { type: "done" }
  | { type: "error"; user: boolean; message: string; stack: string };

export interface WorkerBatchOptions {
  source: string;
  format?: DataFormat;
  /** The input's name in error messages (default "data"). */
  input?: string;
  batch: Omit<BatchOptions, "logger">;
  /** The calling thread's `DataSet.head` of the same source: the worker then starts at the first batch. */
  head?: DataSetHead;
  /**
   * Batches parsed ahead of the consumer (default 16: a busy machine's scheduler can hold either thread back).
   * The batches of a Parquet row group with a text column come together with its columns, so up to one row
   * group more.
   */
  inFlight?: number;
  /**
   * The consumer is done with a batch once it asks for the next one: its number columns then go back to the
   * worker, which parses into them again instead of allocating new ones. Only for a consumer that keeps
   * no reference to a batch's columns past its turn.
   */
  recycle?: boolean;
}

/**
 * Batches of a data set, parsed on a worker thread. The worker gets its job now, not at the first `next()`:
 * it parses (up to `inFlight` batches) while the caller still prepares, e.g. creates its model sessions.
 * `return()` stops the worker whether or not a batch was asked for.
 */
export function batchesInWorker(opts: WorkerBatchOptions): AsyncGenerator<ColumnBatch> {
  const inFlight = opts.inFlight ?? 16;
  const job: WorkerJob = {
    source: opts.source,
    ...(opts.format ? { format: opts.format } : {}),
    input: opts.input ?? "data",
    batch: opts.batch,
    credits: inFlight,
    ...(opts.head ? { head: opts.head } : {}),
  };
  const worker = startWorker(job);
  const queue: Exclude<WorkerMessage, { type: "batches" }>[] = [];
  const creditStep = Math.max(1, inFlight >> 2);
  let owed = 0;
  let given: ColumnBatch | undefined;
  const giveBack: ArrayBuffer[] = [];
  let wake: (() => void) | undefined;
  let exited: Error | undefined;
  worker.on("message", (m: WorkerMessage) => {
    if (m.type === "batches") for (const batch of m.batches) queue.push({ type: "batch", batch });
    else queue.push(m);
    wake?.();
  });
  worker.on("error", (e) => {
    exited = e;
    wake?.();
  });
  worker.on("exit", (code) => {
    exited ??= new Error(`the parse worker exited with code ${code} before it finished`);
    wake?.();
  });
  const stop = async () => {
    worker.removeAllListeners("exit");
    await worker.terminate();
  };
  async function* consume(): AsyncGenerator<ColumnBatch> {
    try {
      yield* batches();
    } finally {
      await stop();
    }
  }
  async function* batches(): AsyncGenerator<ColumnBatch> {
    for (;;) {
      if (given) {
        // The consumer asked for the next batch: the previous one's number columns are free, and so is a buffer
        // that column ended (a Parquet row group's column read whole, whose batches are views of it in order).
        for (const col of Object.values(given.columns)) {
          if (col instanceof Float64Array && col.byteOffset + col.byteLength === col.buffer.byteLength) {
            if (!giveBack.includes(col.buffer as ArrayBuffer)) giveBack.push(col.buffer as ArrayBuffer);
          }
        }
        given = undefined;
      }
      while (queue.length === 0) {
        if (exited) throw exited;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      const m = queue.shift()!;
      if (m.type === "done") return;
      if (m.type === "error") {
        if (m.user) throw new UserError(m.message);
        const e = new Error(m.message);
        e.stack = m.stack;
        throw e;
      }
      // Credits go back a quarter of the window at a time: one message per batch cost the calling thread
      // more than the batch's transfer, and the worker stays at most `inFlight` batches ahead either way.
      if (++owed >= creditStep) {
        if (giveBack.length > 0) {
          worker.postMessage({ credit: owed, recycled: giveBack }, giveBack);
          giveBack.length = 0;
        } else worker.postMessage({ credit: owed });
        owed = 0;
      }
      if (opts.recycle) given = m.batch;
      yield m.batch;
    }
  }
  // A generator never started does not run its `finally`: return() then stops the worker itself.
  const gen = consume();
  let started = false;
  const eager = {
    next: (...args: [] | [unknown]) => {
      started = true;
      return gen.next(...args);
    },
    return: async (value: unknown) => {
      if (!started) {
        started = true;
        await stop();
      }
      return gen.return(value as undefined);
    },
    throw: async (e: unknown) => {
      if (!started) {
        started = true;
        await stop();
      }
      return gen.throw(e);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return eager as AsyncGenerator<ColumnBatch>;
}

let prewarmed: Worker | undefined;

/**
 * Start a parse worker now, before its job is known (the worker loads its code while the caller opens
 * sessions); the next `batchesInWorker` of this thread takes it.
 */
export function prewarmParseWorker(): void {
  if (prewarmed) return;
  prewarmed = new Worker(workerEntry(), { execArgv: workerExecArgv() });
  prewarmed.unref();
  // An unused prewarmed worker must not keep the process alive or report an unhandled error.
  prewarmed.on("error", () => {});
}

function startWorker(job: WorkerJob): Worker {
  const w = prewarmed;
  prewarmed = undefined;
  if (w) {
    w.ref();
    w.postMessage({ job });
    return w;
  }
  return new Worker(workerEntry(), { workerData: job, execArgv: workerExecArgv() });
}

/**
 * This process's Node options without a TypeScript loader (`--import tsx`, as the tests and benchmarks
 * run): the worker's script is already JavaScript, and registering the loader there again costs a
 * worker hundreds of milliseconds before it reads its first row.
 */
function workerExecArgv(): string[] {
  const args = process.execArgv;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const loader = /^--(import|require|loader|experimental-loader)(=|$)/.exec(a);
    if (loader) {
      const value = loader[2] === "=" ? a.slice(a.indexOf("=") + 1) : (args[++i] ?? "");
      if (/(^|[/\\])tsx([/\\]|$)/.test(value)) continue;
      out.push(...(loader[2] === "=" ? [a] : [a, value]));
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * The worker's script: `parse-worker.js` beside this module or one folder up (dist/, where this code is in
 * a chunk); from the TypeScript sources (tests, benchmarks), the worker is bundled once with esbuild into a
 * cache, one per checkout, that is rebuilt when one of its sources changes (size or modification time).
 */
function workerEntry(): URL {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "parse-worker.js"), join(here, "..", "parse-worker.js")]) {
    if (existsSync(candidate)) return pathToFileURL(candidate);
  }
  const ts = join(here, "parse-worker.ts");
  if (!existsSync(ts)) throw new Error(`parse worker not found beside ${here}`);
  return pathToFileURL(bundleFromSources(ts));
}

let bundled: string | undefined;

function bundleFromSources(entry: string): string {
  if (bundled) return bundled;
  const cacheDir = join(tmpdir(), "mlops-parse-worker");
  // One manifest per checkout: with one for all, two checkouts of the project on a machine (a CI runner's
  // workspaces, a second clone) took turns overwriting it, and every worker start then waited ~1 s for a
  // rebuild that measured as part of the pass.
  const manifest = join(cacheDir, `manifest-${createHash("sha256").update(entry).digest("hex").slice(0, 16)}.json`);
  try {
    const m = JSON.parse(readFileSync(manifest, "utf8")) as {
      entry: string;
      out: string;
      inputs: Record<string, string>;
    };
    if (m.entry === entry && existsSync(m.out) && Object.entries(m.inputs).every(([f, h]) => hashOf(f) === h)) {
      bundled = m.out;
      return m.out;
    }
  } catch {
    // no cache yet
  }
  // One folder a build: the entry and its chunks. Split like dist/, so what the readers import only when
  // used (the Azure SDK for blob data, the extra Parquet codecs) is not parsed when the worker starts.
  const outdir = join(cacheDir, `build-${process.pid}-${Date.now()}`);
  mkdirSync(outdir, { recursive: true });
  const out = join(outdir, "parse-worker.mjs");
  // esbuild is a development dependency: this path only runs from the TypeScript sources.
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const root = join(dirname(entry), "..", "..");
  const result = esbuild.buildSync({
    entryPoints: { "parse-worker": entry },
    absWorkingDir: root,
    outdir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    logLevel: "error",
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  });
  const inputs: Record<string, string> = {};
  for (const f of Object.keys(result.metafile!.inputs)) {
    const abs = f.startsWith("/") ? f : join(root, f);
    inputs[abs] = hashOf(abs);
  }
  writeFileSync(manifest, JSON.stringify({ entry, out, inputs }));
  bundled = out;
  return out;
}

function hashOf(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return "missing";
  }
}
