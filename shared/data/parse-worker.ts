/**
 * The parse worker: reads a data set with the same readers as the main thread (openDataset, so every
 * format, source and size check applies unchanged) and posts its column batches to the thread that
 * started it, at most `credits` ahead of what that thread has taken. Started by `batchesInWorker`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isUserError } from "../errors";
import { numberColumn, recycleColumns } from "./batch-builder";
import { openDataset } from "./open-dataset";
import type { ColumnBatch } from "./types";
import type { WorkerJob, WorkerMessage } from "./worker-batches";

const port = parentPort!;
let credits = 0;
let wake: (() => void) | undefined;
let received: ((job: WorkerJob) => void) | undefined;
const jobMessage = new Promise<WorkerJob>((r) => (received = r));
port.on("message", (m: { credit?: number; job?: WorkerJob; recycled?: ArrayBuffer[] }) => {
  if (m.job) {
    credits += m.job.credits;
    received!(m.job);
    return;
  }
  // Full batches' columns (CSV, JSON Lines, numeric Parquet) and a Parquet row group's whole columns come back;
  // the pool is bounded in bytes, and a length no reader asks for again (a file's tail) only waits there.
  if (m.recycled) recycleColumns(m.recycled.map((b) => new Float64Array(b)));
  credits += m.credit ?? 0;
  wake?.();
});
// A worker started ahead of time (prewarmParseWorker) gets its job as the first message.
const given = workerData as WorkerJob | undefined;
if (given) credits += given.credits;
const job: WorkerJob = given ?? (await jobMessage);

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const ds = await openDataset(job.source, {
    ...(job.format ? { format: job.format } : {}),
    ...(job.head ? { head: job.head } : {}),
    input: job.input,
  });
  // The batches of a Parquet row group read whole (one with a text column; every number column a view of the
  // group's column, the last view ending at its end: parquetBatches builds them so) are held until the last one
  // has come, then posted together with the columns moved once: copying each view out cost the worker a copy of
  // every value. Such a group may take more
  // than the credits left (up to one row group past the window, which the reader holds decoded anyway); it
  // waits for one credit at least. Other readers' batches go one by one, a view among them copied out.
  let group: ColumnBatch[] = [];
  let shared = new Set<ArrayBuffer>();
  const flush = async () => {
    if (group.length === 0) return;
    while (credits <= 0) await new Promise<void>((r) => (wake = r));
    credits -= group.length;
    post({ type: "batches", batches: group }, [...shared]);
    group = [];
    shared = new Set();
  };
  for await (const b of ds.batches(job.batch)) {
    const views = Object.values(b.columns).filter(
      (col): col is Float64Array =>
        col instanceof Float64Array && (col.byteOffset !== 0 || col.byteLength !== col.buffer.byteLength),
    );
    if (
      ds.format === "parquet" &&
      views.length > 0 &&
      views.length === Object.values(b.columns).filter((c) => c instanceof Float64Array).length
    ) {
      if (group.length > 0 && !views.every((v) => shared.has(v.buffer as ArrayBuffer))) await flush();
      group.push(b);
      for (const v of views) shared.add(v.buffer as ArrayBuffer);
      if (views.every((v) => v.byteOffset + v.byteLength === v.buffer.byteLength)) await flush();
      continue;
    }
    await flush();
    while (credits <= 0) await new Promise<void>((r) => (wake = r));
    credits--;
    const transfer: ArrayBuffer[] = [];
    for (const [name, col] of Object.entries(b.columns)) {
      if (!(col instanceof Float64Array)) continue;
      // A view beside columns of their own: copied, as transferring it would take the rest of its buffer too.
      let own = col;
      if (col.byteOffset !== 0 || col.byteLength !== col.buffer.byteLength) {
        own = numberColumn(col.length);
        own.set(col);
      }
      b.columns[name] = own;
      transfer.push(own.buffer as ArrayBuffer);
    }
    post({ type: "batch", batch: b }, transfer);
  }
  await flush();
  post({ type: "done" });
} catch (e) {
  const err = e as Error;
  post({ type: "error", user: isUserError(e), message: err.message ?? String(e), stack: err.stack ?? "" });
}
