/**
 * Scores kept for the ranking metrics (ROC AUC, average precision), within a memory budget: each list
 * holds the scores of one kind of row (e.g. the positives of one model) as they come; when the lists of a
 * store together pass the budget, every list is sorted and written to disk as a run, and the lists start
 * again. Reading a list back is a k-way merge of its runs (and of what is still in memory) in ascending
 * order, which is the only order the metrics need: the result does not depend on how rows were split
 * into runs, batches or shards. Entries are one double (the score) or two (score, row id) when a
 * bootstrap must weight each row by its id.
 *
 * Runs are raw little-endian float64 (what a Float64Array holds on x64 and arm64, the runners' CPUs). In memory,
 * a list of scores alone holds them in single precision while every score it was given is a float32 value, as
 * the probabilities of most ONNX classifiers are: half the memory, and exactly the same doubles read back.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A sorted run on disk: `count` entries from byte `offset` of `path`. */
export interface RunSegment {
  path: string;
  offset: number;
  count: number;
}

/** Entries read back in ascending order of score, a chunk at a time. */
export interface RunSource {
  /** Next chunk of entries (width doubles each), or null when the run is done. */
  read(): Float64Array | null;
}

const READ_ENTRIES = 1 << 15;

/** Open file descriptors of run files, shared by the readers of one finish or merge. */
export class RunFiles {
  private readonly fds = new Map<string, number>();

  fd(path: string): number {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, "r");
      this.fds.set(path, fd);
    }
    return fd;
  }

  source(seg: RunSegment, width: number, descending = false): RunSource {
    const fd = this.fd(seg.path);
    let left = seg.count;
    const cap = Math.min(READ_ENTRIES, Math.max(1, seg.count));
    const buf = Buffer.allocUnsafe(cap * width * 8);
    const fill = (at: number, bytes: number) => {
      let got = 0;
      while (got < bytes) {
        const r = readSync(fd, buf, got, bytes - got, at + got);
        if (r === 0) throw new Error(`run file ${seg.path} ended early at byte ${at + got}`);
        got += r;
      }
    };
    if (!descending) {
      let pos = seg.offset;
      return {
        read: () => {
          if (left === 0) return null;
          const n = Math.min(left, cap);
          const bytes = n * width * 8;
          fill(pos, bytes);
          pos += bytes;
          left -= n;
          return new Float64Array(buf.buffer, buf.byteOffset, n * width);
        },
      };
    }
    // From the end of the run backwards, each chunk reversed and negated (see `descendingChunk`).
    let end = seg.offset + seg.count * width * 8;
    const out = new Float64Array(cap * width);
    return {
      read: () => {
        if (left === 0) return null;
        const n = Math.min(left, cap);
        const bytes = n * width * 8;
        end -= bytes;
        fill(end, bytes);
        left -= n;
        return descendingChunk(new Float64Array(buf.buffer, buf.byteOffset, n * width), width, out);
      },
    };
  }

  /** The smallest score of a run: its first entry. */
  first(seg: RunSegment): number {
    const b = Buffer.allocUnsafe(8);
    if (readSync(this.fd(seg.path), b, 0, 8, seg.offset) !== 8)
      throw new Error(`run file ${seg.path} ended early at byte ${seg.offset}`);
    return b.readDoubleLE(0);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/**
 * An in-memory sorted array as a source: one chunk, or from single precision a chunk at a time widened into
 * one buffer (the merge then reads doubles only).
 */
export function arraySource(data: Float64Array | Float32Array): RunSource {
  if (data instanceof Float32Array) {
    let at = 0;
    const out = new Float64Array(Math.min(data.length, READ_ENTRIES));
    return {
      read: () => {
        if (at >= data.length) return null;
        const n = Math.min(READ_ENTRIES, data.length - at);
        out.set(data.subarray(at, at + n)); // widened exactly
        at += n;
        return out.subarray(0, n);
      },
    };
  }
  let done = data.length === 0;
  return {
    read: () => {
      if (done) return null;
      done = true;
      return data;
    },
  };
}

/**
 * `chunk` (entries of `width` doubles, ascending) from its last entry to its first with every double
 * negated, into `out`: ascending again, so the one ascending merge reads runs from their highest score
 * down (exactly: negation only flips the sign bit). A descending reader negates what it takes back.
 */
function descendingChunk(chunk: Float64Array | Float32Array, width: number, out: Float64Array): Float64Array {
  const n = chunk.length / width;
  for (let e = 0, r = (n - 1) * width; e < n * width; e += width, r -= width) {
    out[e] = -chunk[r]!;
    if (width === 2) out[e + 1] = -chunk[r + 1]!;
  }
  return out.subarray(0, n * width);
}

/** An in-memory sorted array read from its end (chunks reversed and negated, see `descendingChunk`). */
function descendingArraySource(data: Float64Array | Float32Array, width: number): RunSource {
  let end = data.length;
  const out = new Float64Array(Math.min(data.length, READ_ENTRIES * width));
  return {
    read: () => {
      if (end === 0) return null;
      const start = Math.max(0, end - READ_ENTRIES * width);
      const c = descendingChunk(data.subarray(start, end), width, out);
      end = start;
      return c;
    },
  };
}

/**
 * Where lists spill: a budget (bytes of list capacity kept in memory) and one run file per store,
 * created on the first spill in `dir` (default the system temporary folder) and removed by `dispose`.
 */
export class SpillStore {
  readonly lists: ScoreList[] = [];
  private used = 0;
  private fd: number | undefined;
  private dirMade: string | undefined;
  private written = 0;
  spills = 0;
  bytesSpilled = 0;

  constructor(
    /** Bytes of scores kept in memory before spilling; Infinity keeps everything in memory. */
    readonly budgetBytes = Number.POSITIVE_INFINITY,
    private readonly dir = tmpdir(),
  ) {}

  /** Whether growing a list by `bytes` would pass the budget (then the caller spills first). */
  wouldExceed(bytes: number): boolean {
    return this.used + bytes > this.budgetBytes && this.used > 0;
  }

  /** Bytes of list capacity held in memory now. */
  get held(): number {
    return this.used;
  }

  /** Count `bytes` more of list capacity held in memory. */
  grew(bytes: number): void {
    this.used += bytes;
  }

  /** Sort every list and append it to the run file as one run; the lists keep their capacity. */
  spillAll(): void {
    if (this.fd === undefined) {
      this.dirMade = mkdtempSync(join(this.dir, "mlops-runs-"));
      this.fd = openSync(join(this.dirMade, "runs.bin"), "w+");
    }
    for (const list of this.lists) {
      const sorted = list.takeSorted();
      if (sorted.length === 0) continue;
      const start = this.written;
      if (sorted instanceof Float64Array) this.write(sorted);
      else {
        // Single precision in memory, float64 on disk: widened a chunk at a time, not as one more copy of the list.
        const wide = new Float64Array(Math.min(sorted.length, READ_ENTRIES));
        for (let at = 0; at < sorted.length; at += wide.length) {
          const n = Math.min(wide.length, sorted.length - at);
          wide.set(sorted.subarray(at, at + n));
          this.write(wide.subarray(0, n));
        }
      }
      list.runs.push({ path: join(this.dirMade!, "runs.bin"), offset: start, count: sorted.length / list.width });
    }
    this.spills++;
  }

  private write(data: Float64Array): void {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off, bytes.length - off, this.written + off);
    this.written += bytes.length;
    this.bytesSpilled += bytes.length;
  }

  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.dirMade) rmSync(this.dirMade, { recursive: true, force: true });
    this.dirMade = undefined;
  }
}

/** Whether the first `n` values are all float32 values (a single-precision list holds them exactly). */
export function float32Values(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (Math.fround(values[i]!) !== values[i]) return false;
  return true;
}

/** One list of scores (or score, id pairs): what is in memory, plus the runs already spilled. */
export class ScoreList {
  private buf: Float64Array | Float32Array;
  /** Values held (entries × width). */
  length = 0;
  readonly runs: RunSegment[] = [];
  private sorted = false;
  private singlePrecision: boolean;

  constructor(
    private readonly store: SpillStore,
    readonly width: 1 | 2 = 1,
  ) {
    this.singlePrecision = width === 1;
    this.buf = this.singlePrecision ? new Float32Array(0) : new Float64Array(0);
    store.lists.push(this);
  }

  /**
   * Whether the list holds single precision: a list of scores alone starts so and stays so while every score
   * given to it is a float32 value (callers check with `float32Values` and `widen` first); (score, id) pairs
   * never do.
   */
  get single(): boolean {
    return this.singlePrecision;
  }

  /**
   * Hold doubles from now on (a score that is not a float32 value is coming); what is held is kept, or spilled
   * first when doubling its size would pass the budget.
   */
  widen(): void {
    if (!this.single) return;
    if (this.store.wouldExceed(this.length * 8 - this.buf.length * 4)) this.store.spillAll(); // empties this list too
    const wide = new Float64Array(Math.max(64, this.length));
    wide.set(this.buf.subarray(0, this.length));
    this.store.grew(wide.length * 8 - this.buf.length * 4);
    this.buf = wide;
    this.singlePrecision = false;
  }

  /** Entries held in memory and on disk. */
  get count(): number {
    return this.length / this.width + this.runs.reduce((n, r) => n + r.count, 0);
  }

  /**
   * Room for `entries` more entries; returns the backing array (write at `length`). Single precision (see
   * `single`): write only float32 values.
   */
  reserve(entries: number): Float64Array | Float32Array {
    if (this.length + entries * this.width <= this.buf.length) return this.buf;
    // Doubling: a list of a million scores is allocated ~20 times, not ~30, and copied half as much in all
    // (new memory is page-faulted in as it is first written, which is most of what growing costs).
    const grow = Math.max(this.length + entries * this.width, this.buf.length * 2, 64 * this.width);
    const size = this.buf.BYTES_PER_ELEMENT;
    if (this.store.wouldExceed((grow - this.buf.length) * size)) {
      this.store.spillAll(); // empties this list too
      if (this.length + entries * this.width <= this.buf.length) return this.buf;
    }
    const next = Math.max(grow, this.length + entries * this.width);
    this.store.grew((next - this.buf.length) * size);
    const grown = this.singlePrecision ? new Float32Array(next) : new Float64Array(next);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    return grown;
  }

  /**
   * Take another list's entries: a copy of what it holds in memory, and its runs. The runs are taken last: when
   * both lists share a store, making room here may spill the other list's entries into its runs.
   */
  absorb(o: ScoreList): void {
    if (o.length > 0 && !o.single) this.widen();
    if (o.length > 0) {
      const b = this.reserve(o.length / this.width);
      const n = o.length;
      b.set(o.buf.subarray(0, n), this.length);
      this.length += n;
    }
    this.runs.push(...o.runs);
  }

  push(score: number): void {
    if (this.single && Math.fround(score) !== score) this.widen();
    const b = this.length + 1 > this.buf.length ? this.reserve(1) : this.buf;
    b[this.length++] = score;
  }

  pushPair(score: number, id: number): void {
    const b = this.length + 2 > this.buf.length ? this.reserve(1) : this.buf;
    b[this.length++] = score;
    b[this.length++] = id;
  }

  /** The entries in memory, sorted ascending by score, and empties the list (capacity kept). */
  takeSorted(): Float64Array | Float32Array {
    const view = this.buf.subarray(0, this.length);
    this.length = 0;
    if (this.width === 1) return view.sort();
    const n = view.length / 2;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // By score, then by the second value: one order whatever the runs (regression plots sum in it).
    order.sort((a, b) => view[2 * a]! - view[2 * b]! || view[2 * a + 1]! - view[2 * b + 1]!);
    const out = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      out[2 * k] = view[2 * i]!;
      out[2 * k + 1] = view[2 * i + 1]!;
    }
    return out;
  }

  private sortMemory(): void {
    if (this.sorted || this.length === 0) return;
    const n = this.length;
    const sorted = this.takeSorted();
    if (sorted.buffer !== this.buf.buffer) this.buf = sorted;
    this.length = n;
    this.sorted = true;
  }

  /**
   * Sources for a merge: every run, and what is in memory (sorted in place now; no more entries may come).
   * `descending`: highest score first, every double negated (the merge stays ascending; negate back).
   */
  sources(files: RunFiles, descending = false): RunSource[] {
    const out = this.runs.map((r) => files.source(r, this.width, descending));
    if (this.length > 0) {
      this.sortMemory();
      const mem = this.buf.subarray(0, this.length);
      out.push(descending ? descendingArraySource(mem, this.width) : arraySource(mem));
    }
    return out;
  }

  /** The smallest score held (Infinity when empty); reads one double per run. */
  min(files: RunFiles): number {
    let m = Number.POSITIVE_INFINITY;
    for (const r of this.runs) if (r.count > 0) m = Math.min(m, files.first(r));
    if (this.length > 0) {
      this.sortMemory();
      m = Math.min(m, this.buf[0]!);
    }
    return m;
  }
}

/**
 * The ascending merge of sorted sources: `head` is the smallest score not yet consumed (+Infinity when
 * every source is done), `id` its row id (width 2), `next()` consumes it. A binary heap over the
 * sources' current entries; one source is read straight through. Width 2 entries come out by score,
 * then by the second value, so equal scores are in one order however the entries were split into runs.
 */
export class SortedStream {
  head = Number.POSITIVE_INFINITY;
  id = 0;
  private readonly chunks: (Float64Array | null)[];
  private readonly at: Int32Array;
  private readonly heap: number[] = [];

  constructor(
    private readonly sources: RunSource[],
    private readonly width: 1 | 2 = 1,
  ) {
    this.chunks = sources.map((s) => s.read());
    this.at = new Int32Array(sources.length);
    for (let k = 0; k < sources.length; k++) if (this.chunks[k]) this.heap.push(k);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.load();
  }

  private value(k: number): number {
    return this.chunks[k]![this.at[k]!]!;
  }

  private load(): void {
    if (this.heap.length === 0) {
      this.head = Number.POSITIVE_INFINITY;
      return;
    }
    const k = this.heap[0]!;
    const c = this.chunks[k]!;
    this.head = c[this.at[k]!]!;
    if (this.width === 2) this.id = c[this.at[k]! + 1]!;
  }

  next(): void {
    const k = this.heap[0]!;
    let i = this.at[k]! + this.width;
    if (i >= this.chunks[k]!.length) {
      this.chunks[k] = this.sources[k]!.read();
      i = 0;
      if (!this.chunks[k]) {
        const last = this.heap.pop()!;
        if (this.heap.length > 0) {
          this.heap[0] = last;
          this.siftDown(0);
        }
        this.load();
        return;
      }
    }
    this.at[k] = i;
    if (this.heap.length > 1) this.siftDown(0);
    this.load();
  }

  /** Whether the current entry of source a comes before that of source b. */
  private before(a: number, b: number): boolean {
    const va = this.value(a);
    const vb = this.value(b);
    if (va !== vb || this.width === 1) return va < vb;
    return this.chunks[a]![this.at[a]! + 1]! < this.chunks[b]![this.at[b]! + 1]!;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const k = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(h[c + 1]!, h[c]!)) c++;
      if (!this.before(h[c]!, k)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = k;
  }
}
