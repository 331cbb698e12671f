/**
 * Store and forward: uploads closed capture files to a blob store (Azure Blob Storage, or a folder) and removes
 * each from the capture folder once it is there. The folder is the queue, so uploads survive restarts and days
 * offline (bounded by the capture's disk budget). Each file is uploaded exactly once: its name is unique and the
 * upload is an exclusive create; when a create finds the name taken (the previous attempt reached the store but
 * the process died before removing the file), the stored blob's size and sha256 are compared with the file and
 * an identical blob counts as uploaded.
 */
import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import type { Logger } from "../log";
import type { BlobStore } from "../registry";
import type { CaptureMetrics } from "./capture-metrics";
import { listCaptureFiles } from "./capture-files";

export interface Forwarder {
  /** A file was closed: look for work now instead of at the next poll. */
  notify(): void;
  /** Stops after one last pass over the folder, at most `deadlineMs` long. Files not sent stay for the next start. */
  close(deadlineMs: number): Promise<void>;
}

export interface ForwarderOptions {
  dir: string;
  target: BlobStore;
  logger: Logger;
  metrics: CaptureMetrics;
  /** Called with the size of each file removed after its upload. */
  onRemoved(bytes: number): void;
  /** Backoff after a failed upload, doubling from min to max. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the folder is looked at when nothing notifies. */
  pollMs?: number;
}

/** Uploads one file; true when it is (now, or already was) in the store under its key. */
async function uploadOne(target: BlobStore, file: { path: string; key: string }, logger: Logger): Promise<number> {
  const bytes = await readFile(file.path);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const md5 = createHash("md5").update(bytes).digest("base64");
  if (!(await target.writeBytes(file.key, bytes, { sha256, md5 }))) {
    const props = await target.properties?.(file.key);
    let same: boolean;
    if (props) same = props.size === bytes.length && props.sha256 === sha256;
    else {
      const stream = await target.openRead(file.key);
      const h = createHash("sha256");
      let size = 0;
      for await (const c of stream) {
        h.update(c as Buffer);
        size += (c as Buffer).length;
      }
      same = size === bytes.length && h.digest("hex") === sha256;
    }
    if (!same) {
      // Two different files under one random name: keep both.
      const key = file.key.replace(/\.parquet$/, `-${sha256.slice(0, 12)}.parquet`);
      logger.warning(
        `capture upload: ${file.key} exists with other content in ${target.location}; uploading as ${key}`,
      );
      await target.writeBytes(key, bytes, { sha256, md5 });
    }
  }
  await unlink(file.path);
  return bytes.length;
}

export function startForwarder(o: ForwarderOptions): Forwarder {
  const minBackoff = o.minBackoffMs ?? 1000;
  const maxBackoff = o.maxBackoffMs ?? 60_000;
  const pollMs = o.pollMs ?? 30_000;
  let backoff = minBackoff;
  let failures = 0;
  let stopping = false;
  let wake: (() => void) | undefined;
  let dirty = true;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** One pass: upload every closed file, oldest first; false when an upload failed. */
  async function pass(): Promise<boolean> {
    dirty = false;
    const { files } = await listCaptureFiles(o.dir);
    o.metrics.pending(files.length);
    let left = files.length;
    for (const f of files) {
      try {
        const size = await uploadOne(o.target, f, o.logger);
        o.metrics.uploaded(size);
        o.onRemoved(size);
        o.metrics.pending(--left);
        if (failures > 0) {
          o.logger.info(`capture upload: ${o.target.location} reachable again after ${failures} failed attempt(s)`);
          failures = 0;
        }
        backoff = minBackoff;
      } catch (e) {
        o.metrics.uploadFailed();
        failures++;
        const message = `capture upload: ${f.key} to ${o.target.location} failed (${(e as Error).message.split("\n")[0]}); retrying in ${Math.round(backoff / 1000)} s, files stay in ${o.dir}`;
        if (failures === 1) o.logger.warning(message);
        else o.logger.debug(message);
        return false;
      }
    }
    return true;
  }

  const loop = (async () => {
    while (!stopping) {
      const ok = await pass().catch((e: unknown) => {
        o.logger.warning(`capture upload: ${(e as Error).message}`);
        return false;
      });
      if (stopping) break;
      if (!ok) {
        await sleep(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      } else if (!dirty) await sleep(pollMs);
    }
  })();

  return {
    notify() {
      dirty = true;
      // Woken only when idle; a backoff is kept (a notify must not turn an outage into a busy loop).
      if (failures === 0) wake?.();
    },
    async close(deadlineMs) {
      stopping = true;
      wake?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        loop.then(() => pass()).catch(() => false),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
