/**
 * The capture's writer thread. Encoding and writing is the costly part of capture: encoding a few hundred
 * thousand rows as Parquet (milliseconds warm, tens of milliseconds while V8 still compiles the encoder), writing
 * ~8 MiB and syncing it. On the serving thread that would stall every request in flight; here it runs on a
 * thread of its own. The serving thread fills small tables (chunks of about 1 MiB, whose arrays stay in the
 * processor's caches: filling one ~8 MiB table writes to memory that went cold since the table was last filled,
 * which cost the 64-row requests of bench/capture.ts a tenth of their latency). Each chunk moves to the thread
 * (transferred, not copied), which appends it to the open file as a Parquet row group under a temporary name and
 * moves the chunk's arrays straight back for the next chunk. The last chunk of a file closes it: footer, sync,
 * rename. A crash of the process at any point still leaves no torn file under a final name. The thread is the
 * server's own entry (serve.js) started as a thread, as the inference worker is, so the bundle and the image need
 * no other file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { ParquetRowGroups } from "../data/parquet-writer";
import { serverThreadEntry } from "../serve/worker-thread";
import {
  type CaptureSnapshot,
  type CaptureStorage,
  captureColumns,
  captureFileOptions,
  storageOf,
} from "./capture-table";

interface WriteRequest {
  id: number;
  snapshot: CaptureSnapshot;
  folder: string;
  name: string;
  /** The file's last chunk: the file is closed and renamed into place. */
  last: boolean;
}

interface WriteReply {
  id: number;
  /** The last chunk's reply, when the file was written and renamed: its bytes and rows. */
  size?: number;
  rows?: number;
  error?: string;
  /** The chunk's arrays, moved back for the next table to fill. */
  storage: CaptureStorage;
}

/** A file written. */
export interface Written {
  size: number;
  /** Rows in the file: fewer than were handed over when a chunk was lost (the thread died meanwhile). */
  rows: number;
}

/** Writes all of `parts` at the file's end (write(2) may write less than asked: loop until each is out). */
function writeParts(fd: number, parts: readonly Buffer[]): number {
  let size = 0;
  for (const p of parts) {
    for (let at = 0; at < p.length;) at += writeSync(fd, p, at, p.length - at);
    size += p.length;
  }
  return size;
}

/**
 * A capture file being written: `.<name>.tmp` in `folder`, a row group per chunk, then the footer, sync and the
 * rename to `<name>`. Any failure removes the temporary file. Synchronous: it runs on the writer thread.
 */
export class CaptureFile {
  private fd: number | undefined;
  private readonly parquet = new ParquetRowGroups();
  private options: ReturnType<typeof captureFileOptions> | undefined;
  private readonly tmp: string;
  size = 0;
  rows = 0;

  constructor(
    readonly folder: string,
    readonly name: string,
  ) {
    this.tmp = join(folder, `.${name}.tmp`);
  }

  /** Appends a chunk's rows as a row group (a chunk without rows adds nothing). */
  add(snapshot: CaptureSnapshot): void {
    if (snapshot.rows === 0) return;
    this.guard(() => {
      const parts = this.parquet.rowGroup(captureColumns(snapshot), snapshot.rows);
      this.options ??= captureFileOptions(snapshot);
      if (this.fd === undefined) {
        mkdirSync(this.folder, { recursive: true });
        // "w": a temporary file of this name can only be this file's own, left by a writer thread that died
        // while it held the file's first chunks (names end in random digits).
        this.fd = openSync(this.tmp, "w");
      }
      this.size += writeParts(this.fd, parts);
      this.rows += snapshot.rows;
    });
  }

  /** Writes the footer, syncs and renames the file into place; a file without rows is not written. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.guard(() => {
      this.size += writeParts(fd, this.parquet.footer(this.options));
      fsyncSync(fd);
      closeSync(fd);
      this.fd = undefined;
      renameSync(this.tmp, join(this.folder, this.name));
    });
  }

  /** Removes the temporary file (a file given up). */
  discard(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already failing: the write's error is the one reported
      }
      this.fd = undefined;
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      // not created
    }
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.discard();
      throw e;
    }
  }
}

/** The thread's role, by which the server's entry (main.ts) runs runCaptureWriter instead of serving. */
const ROLE = "capture-writer";

/**
 * The thread's side: appends each chunk it is sent to its file, in order, closes a file at its last chunk, and
 * answers every chunk with its arrays (and the last one with the file's size and rows, or the error).
 */
export function runCaptureWriter(): void {
  const port = parentPort!;
  // Not niced as the inference worker is: the thread maps and unmaps memory (the file's buffers), and a niced
  // thread holding the process's memory map lock on a busy machine stalled the serving thread's page faults
  // (64-row p90 ×4 in bench/capture.ts at load average 10).
  let file: CaptureFile | undefined;
  /** A file whose chunk failed: its later chunks are dropped, and its last one reports the error. */
  let failed: { name: string; error: string } | undefined;
  port.on("message", (m: WriteRequest) => {
    const { storage, transfer } = storageOf(m.snapshot);
    let reply: WriteReply = { id: m.id, storage };
    try {
      if (failed?.name === m.name) throw new Error(failed.error);
      if (file && (file.name !== m.name || file.folder !== m.folder)) {
        // A file the serving thread gave up on (it never sends one's chunks after another's last): not kept.
        file.discard();
        file = undefined;
      }
      file ??= new CaptureFile(m.folder, m.name);
      file.add(m.snapshot);
      if (m.last) {
        const done = file;
        file = undefined;
        done.close();
        reply = { ...reply, size: done.size, rows: done.rows };
      }
    } catch (e) {
      const error = (e as Error)?.message ?? String(e);
      file = undefined;
      failed = m.last ? undefined : { name: m.name, error };
      reply = { ...reply, error };
    }
    port.postMessage(reply, transfer);
  });
}

/**
 * Writes capture files on a thread of its own, chunk by chunk in the order given. The thread starts with the
 * writer and is restarted by the next chunk if it dies (the chunks it held are lost: the file's last chunk then
 * reports fewer rows than were handed over, or fails). It does not keep the process alive while idle.
 */
export class CaptureWriter {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<
    number,
    { resolve: (w: Written | undefined) => void; reject: (e: Error) => void }
  >();

  /** `returned` gets each chunk's arrays back from the thread, written or not. */
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
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply.size === undefined ? undefined : { size: reply.size, rows: reply.rows ?? 0 });
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
   * Sends a chunk of the file `<folder>/<name>` to the thread (its buffers are moved: the table is unusable
   * afterwards); resolves once the thread has appended it to the file (written under its temporary name).
   */
  async add(detached: { snapshot: CaptureSnapshot; transfer: ArrayBuffer[] }, folder: string, name: string) {
    await this.send(detached, folder, name, false);
  }

  /**
   * Sends the last chunk of `<folder>/<name>` (it may have no rows); resolves when the file is renamed into place,
   * with its size and rows.
   */
  async write(
    detached: { snapshot: CaptureSnapshot; transfer: ArrayBuffer[] },
    folder: string,
    name: string,
  ): Promise<Written> {
    return (await this.send(detached, folder, name, true))!;
  }

  private send(
    detached: { snapshot: CaptureSnapshot; transfer: ArrayBuffer[] },
    folder: string,
    name: string,
    last: boolean,
  ): Promise<Written | undefined> {
    this.worker ??= this.start();
    const w = this.worker;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      try {
        w.postMessage(
          { id, snapshot: detached.snapshot, folder, name, last } satisfies WriteRequest,
          detached.transfer,
        );
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
