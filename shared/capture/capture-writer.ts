/**
 * The capture's writer thread. Closing a file is the costly part of capture: encoding a few hundred thousand
 * rows as Parquet (milliseconds warm, tens of milliseconds while V8 still compiles the encoder), writing ~8 MiB
 * and syncing it. On the serving thread that stalls every request in flight once per file; here it runs on a
 * thread of its own. The table's columns move to the thread (transferred, not copied) and the thread writes the
 * file under a temporary name, syncs it and renames it, so a crash of the process at any point still leaves no
 * torn file under a final name. The thread is the server's own entry (serve.js) started as a thread, as the
 * inference worker is, so the bundle and the image need no other file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { serverThreadEntry } from "../serve/worker-thread";
import { type CaptureSnapshot, type CaptureStorage, encodeCaptureSnapshot, storageOf } from "./capture-table";

interface WriteRequest {
  id: number;
  snapshot: CaptureSnapshot;
  folder: string;
  name: string;
}

interface WriteReply {
  id: number;
  /** Bytes written, when the file was written and renamed. */
  size?: number;
  error?: string;
  /** The table's arrays, moved back for the next table to fill. */
  storage: CaptureStorage;
}

/** A file written. */
export interface Written {
  size: number;
}

/**
 * Encodes a closed table and writes it as `<folder>/<name>`: first as `.<name>.tmp`, synced, then renamed.
 * On failure the temporary file is removed. Synchronous: it runs on the writer thread.
 */
export function writeCaptureFile(snapshot: CaptureSnapshot, folder: string, name: string): number {
  const tmp = join(folder, `.${name}.tmp`);
  let fd: number | undefined;
  try {
    const parts = encodeCaptureSnapshot(snapshot);
    mkdirSync(folder, { recursive: true });
    fd = openSync(tmp, "wx");
    let size = 0;
    for (const p of parts) {
      // write(2) may write less than asked: loop until the part is out.
      for (let at = 0; at < p.length;) at += writeSync(fd, p, at, p.length - at);
      size += p.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, join(folder, name));
    return size;
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write's error is the one reported
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
    throw e;
  }
}

/** The thread's role, by which the server's entry (main.ts) runs runCaptureWriter instead of serving. */
const ROLE = "capture-writer";

/** The thread's side: writes each file it is sent, in order, and answers with its size or the error. */
export function runCaptureWriter(): void {
  const port = parentPort!;
  // Not niced as the inference worker is: the thread maps and unmaps memory (the file's buffers), and a niced
  // thread holding the process's memory map lock on a busy machine stalled the serving thread's page faults
  // (64-row p90 ×4 in bench/capture.ts at load average 10).
  port.on("message", (m: WriteRequest) => {
    const { storage, transfer } = storageOf(m.snapshot);
    let reply: WriteReply;
    try {
      reply = { id: m.id, size: writeCaptureFile(m.snapshot, m.folder, m.name), storage };
    } catch (e) {
      reply = { id: m.id, error: (e as Error)?.message ?? String(e), storage };
    }
    port.postMessage(reply, transfer);
  });
}

/**
 * Writes closed capture tables on a thread of its own, one at a time in the order given. The thread starts
 * with the writer and is restarted by the next write if it dies (the writes it held fail). It does not keep
 * the process alive while idle.
 */
export class CaptureWriter {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (w: Written) => void; reject: (e: Error) => void }>();

  /** `returned` gets each table's arrays back from the thread, written or not. */
  constructor(private readonly returned: (storage: CaptureStorage) => void = () => {}) {
    this.worker = this.start();
  }

  private start(): Worker {
    const entry = serverThreadEntry();
    const w = new Worker(entry.script, {
      eval: entry.eval,
      workerData: { role: ROLE },
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    w.unref();
    w.on("message", (reply: WriteReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) w.unref();
      this.returned(reply.storage);
      if (reply.size !== undefined) p.resolve({ size: reply.size });
      else p.reject(new Error(reply.error ?? "the capture writer failed"));
    });
    const fail = (e: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    // A thread that throws reports the error, then exits: the writes it held fail with both, once it is gone.
    let thrown: Error | undefined;
    w.on("error", (e) => {
      thrown = e;
    });
    w.on("exit", (code) =>
      fail(
        new Error(
          `the capture writer thread exited (code ${code}) before writing this file${thrown ? ` (${thrown.message})` : ""}; the next file starts a new thread`,
        ),
      ),
    );
    return w;
  }

  /**
   * Sends a closed table to the thread (its buffers are moved: the table is unusable afterwards) to be written as
   * `<folder>/<name>`; resolves when the file is renamed into place.
   */
  write(
    detached: { snapshot: CaptureSnapshot; transfer: ArrayBuffer[] },
    folder: string,
    name: string,
  ): Promise<Written> {
    this.worker ??= this.start();
    const w = this.worker;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      try {
        w.postMessage({ id, snapshot: detached.snapshot, folder, name } satisfies WriteRequest, detached.transfer);
      } catch (e) {
        // Not sent: nothing will answer it, and an idle thread must not keep the process alive.
        this.pending.delete(id);
        if (this.pending.size === 0) w.unref();
        throw e;
      }
    });
  }

  /** Stops the thread (after the writes it was given have been answered, when the caller awaited them). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
