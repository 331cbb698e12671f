/**
 * Request capture for the edge server: the rows of answered requests (sampled), with inputs, outputs, model
 * name and version, request id and time, into rotating Parquet files that validate-data, detect-drift and
 * compare-models read directly. A file is written under a temporary name (`.<name>.tmp`), synced and renamed
 * when closed, so a crash never leaves a torn file where the forwarder (or anyone) picks files up; leftover
 * temporary files are removed at start. The folder has a disk budget: when full, the server keeps serving and
 * counts the rows it drops in /metrics.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Registry } from "prom-client";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { listCaptureFiles } from "./capture-files";
import { type CaptureMetrics, createCaptureMetrics } from "./capture-metrics";
import { type CaptureStorage, CaptureTable, planCapture } from "./capture-table";
import { CaptureWriter } from "./capture-writer";
import { type Forwarder, startForwarder } from "./forwarder";
import type { CaptureConfig, CaptureModel, CapturedRequest } from "./types";

export const DEFAULT_CAPTURE = {
  sample: 1,
  maxDiskBytes: 1024 * 1024 * 1024,
  fileBytes: 8 * 1024 * 1024,
  fileSeconds: 60,
};

/** A file's rows are handed to the writer thread in chunks of about this many bytes (see capture-writer.ts). */
export const CHUNK_BYTES = 1024 * 1024;

export interface Capture {
  /** Where the files are written: `<dir>/<plant>/<model>/<version>/<YYYY-MM-DD>/<time>-<random>.parquet`. */
  readonly dir: string;
  readonly plant: string;
  /**
   * Draws whether a request is captured (the `sample` share), before it is answered. When it is, returns the id
   * its rows are captured under: the request's own `id`, or one generated when it has none (`generated`), which
   * the server sends back so that labels can be joined on it.
   */
  sample(id: string | undefined): { id: string; generated: boolean } | undefined;
  /**
   * Records the rows of an answered request that `sample` took, under its id. Servers call it once the response
   * is sent, so the copy is not part of the client's wait.
   */
  record(request: CapturedRequest, id: string): void;
  /** Closes the open file and, with an upload target, gives the forwarder until `uploadDeadlineMs` to send it. */
  close(uploadDeadlineMs?: number): Promise<void>;
}

export interface CaptureDeps {
  /** The server's Prometheus registry. */
  registry: Registry;
  logger?: Logger;
  clock?: () => number;
  random?: () => number;
  /** Bytes of the chunks a file is handed to the writer thread in (default CHUNK_BYTES; tests pass small ones). */
  chunkBytes?: number;
  /** Opens the upload target (tests pass their own; default: a registry store by URI). */
  openTarget?: (uri: string) => Promise<import("../registry").BlobStore>;
}

const PLANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A path segment from a model name or version: unsafe characters become "_". */
function segment(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]/g, "_");
  return t === "" || t === "." || t === ".." ? "_" : t;
}

function stamp(ms: number): { day: string; file: string } {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  return { day: iso.slice(0, 10), file: iso.replace(/[-:]/g, "").replace(".", "") };
}

/** Checks the settings and starts capturing (and forwarding, with `upload`). */
export async function startCapture(config: CaptureConfig, model: CaptureModel, deps: CaptureDeps): Promise<Capture> {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? Math.random;
  const sample = config.sample ?? DEFAULT_CAPTURE.sample;
  const maxDiskBytes = config.maxDiskBytes ?? DEFAULT_CAPTURE.maxDiskBytes;
  const fileBytes = Math.min(config.fileBytes ?? DEFAULT_CAPTURE.fileBytes, maxDiskBytes);
  const fileMs = (config.fileSeconds ?? DEFAULT_CAPTURE.fileSeconds) * 1000;
  if (!(sample >= 0 && sample <= 1)) {
    throw new UserError(
      `capture-sample: must be from 0 to 1 (got ${shown(sample)}). Pass e.g. 0.1 to capture one request in ten.`,
    );
  }
  const plant =
    config.plant ??
    (hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "") ||
      "plant");
  if (!PLANT.test(plant)) {
    throw new UserError(
      `plant: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${shown(plant)}). It names the plant's folder in the capture and upload paths.`,
    );
  }
  const { plans, skipped } = planCapture(model);
  const base = join(config.dir, plant, segment(model.name), segment(model.version));
  try {
    await mkdir(base, { recursive: true });
  } catch (e) {
    throw new UserError(
      `capture-dir: cannot create ${shown(base)} (got ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Pass a writable folder (a volume in the container).`,
      { cause: e },
    );
  }
  const metrics: CaptureMetrics = createCaptureMetrics(deps.registry);
  const existing = await listCaptureFiles(config.dir, { removeTemporary: true });
  if (existing.removed > 0) {
    logger.warning(
      `capture: removed ${existing.removed} unfinished file(s) left by a crash in ${config.dir}; their rows were not captured`,
    );
  }
  let diskBytes = existing.files.reduce((n, f) => n + f.size, 0);
  let writingBytes = 0;
  metrics.diskBytes(diskBytes);
  if (skipped.length > 0) logger.info(`capture: not captured (not one row per request row): ${skipped.join(", ")}`);

  // Files are encoded, written, synced and renamed on the writer thread: the serving thread only hands over the
  // table's columns (moved, not copied) and counts the outcome.
  // The written table's arrays come back from the thread and the next table fills them again. The thread starts
  // before the forwarder, so a writer that cannot start leaves nothing running.
  let spare: CaptureStorage | undefined;
  const writer = new CaptureWriter((storage) => {
    spare = storage;
  });

  let forwarder: Forwarder | undefined;
  if (config.upload) {
    const openTarget =
      deps.openTarget ??
      (async (uri: string) => {
        const { openStore } = await import("../registry");
        return openStore(uri, { env: config.env ?? process.env, what: "capture-upload" });
      });
    let target: import("../registry").BlobStore;
    try {
      target = await openTarget(config.upload);
    } catch (e) {
      await writer.close();
      throw e;
    }
    forwarder = startForwarder({
      dir: config.dir,
      target,
      logger,
      metrics,
      ...(config.uploadBackoffSeconds !== undefined
        ? {
            maxBackoffMs: config.uploadBackoffSeconds * 1000,
            minBackoffMs: Math.min(1000, config.uploadBackoffSeconds * 1000),
          }
        : {}),
      onRemoved: (bytes) => {
        diskBytes = Math.max(0, diskBytes - bytes);
        metrics.diskBytes(diskBytes);
      },
    });
  }

  // The serving thread fills chunks of at most `chunkBytes` and hands each to the writer thread, which appends it
  // to the open file as a row group (see capture-writer.ts for why chunks are small).
  const chunkBytes = Math.min(fileBytes, deps.chunkBytes ?? CHUNK_BYTES);
  let table = new CaptureTable(model, plans, plant, chunkBytes);
  /** The open file: its name, when its first row came, and the rows and bytes (about) handed over so far. */
  let file: { folder: string; name: string; startedAt: number; rows: number; bytes: number } | undefined;
  let full = false;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  function openFile(now: number): NonNullable<typeof file> {
    const { day, file: stamped } = stamp(now);
    return {
      folder: join(base, day),
      name: `${stamped}-${randomBytes(4).toString("hex")}.parquet`,
      startedAt: now,
      rows: 0,
      bytes: 0,
    };
  }

  /** Moves the filled table to the writer thread as the open file's next chunk (or its last). */
  function handOver(last: boolean): Promise<void> {
    const f = file!;
    const t = table;
    f.rows += t.rows;
    f.bytes += t.bytes;
    writingBytes += t.bytes;
    table = new CaptureTable(model, plans, plant, chunkBytes, spare);
    spare = undefined;
    const detached = t.detach();
    if (!last) {
      // A chunk's failure is counted with its file: the thread drops the file's later chunks and fails its last.
      return writer.add(detached, f.folder, f.name).catch(() => {});
    }
    file = undefined;
    return closeFile(f, writer.write(detached, f.folder, f.name));
  }

  async function closeFile(f: NonNullable<typeof file>, written: Promise<{ size: number; rows: number }>) {
    const where = join(f.folder, f.name);
    try {
      const { size, rows } = await written;
      if (rows > 0) {
        diskBytes += size;
        metrics.fileClosed(rows, size);
        metrics.diskBytes(diskBytes);
        logger.debug(`capture: ${rows} row(s) in ${where} (${size} bytes)`);
        forwarder?.notify();
      }
      if (rows < f.rows) {
        metrics.dropped("write_error", f.rows - rows);
        logger.warning(
          `capture: ${f.rows - rows} of the ${f.rows} row(s) meant for ${where} are lost: the writer thread stopped while it held them`,
        );
      }
    } catch (e) {
      metrics.dropped("write_error", f.rows);
      logger.warning(
        `capture: could not write ${f.rows} row(s) to ${where}, so they are lost: ${(e as Error).message}`,
      );
    } finally {
      writingBytes -= f.bytes;
    }
  }

  /** Closes the open file (its last chunk is the table as it is). */
  function rotate(): Promise<void> {
    if (!file) return writing;
    // Handed to the thread now (it writes in order); `writing` settles when every file given so far is in place.
    const done = handOver(true);
    writing = Promise.all([writing, done]).then(() => {});
    return writing;
  }

  const timer = setInterval(
    () => {
      if (file && clock() - file.startedAt >= fileMs) void rotate();
    },
    Math.max(50, Math.min(1000, fileMs / 4)),
  );
  timer.unref();

  logger.info(
    `capture: ${sample === 1 ? "every request" : `${(sample * 100).toFixed(2).replace(/\.?0+$/, "")}% of requests`} to ${base}, budget ${maxDiskBytes} bytes${config.upload ? `, uploaded to ${config.upload.replace(/\?.*$/, "")}` : ""}`,
  );

  return {
    dir: config.dir,
    plant,
    sample(id) {
      if (closed || (sample < 1 && random() >= sample)) return undefined;
      return id === undefined || id === "" ? { id: randomUUID(), generated: true } : { id, generated: false };
    },
    record(request, rowId) {
      if (closed) return;
      const n = table.rowsOf(request);
      if (n === undefined) {
        metrics.dropped("shape", 1);
        return;
      }
      if (n === 0) return;
      if (diskBytes + writingBytes + table.bytes + table.cost(n, rowId) > maxDiskBytes) {
        if (!full) {
          full = true;
          logger.warning(
            `capture: ${config.dir} reached its budget of ${maxDiskBytes} bytes; new rows are dropped (oip_capture_dropped_rows_total) until uploads free space`,
          );
        }
        metrics.dropped("disk_budget", n);
        return;
      }
      if (full) {
        full = false;
        logger.info("capture: below the disk budget again; capturing");
      }
      const now = clock();
      file ??= openFile(now);
      table.append(request, n, rowId, now);
      metrics.captured(n);
      if (file.bytes + table.bytes >= fileBytes) void rotate();
      else if (table.bytes >= chunkBytes) void handOver(false);
    },
    async close(uploadDeadlineMs = 5000) {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await rotate();
      await writer.close();
      await forwarder?.close(uploadDeadlineMs);
    },
  };
}
