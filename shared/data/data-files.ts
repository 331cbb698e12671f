/**
 * Where data files live: a local path or glob, or Azure Blob Storage (a blob URI, a prefix ending in "/", or a
 * glob over blob names). Every reader takes a `DataFile`, a byte source it streams from (CSV, JSON Lines) or
 * reads ranges of (Parquet's footer and column chunks), so blobs are streamed, never downloaded whole first.
 * Blob credentials are the registry's: a connection string, a SAS, an account key, then DefaultAzureCredential
 * (OIDC through azure/login).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import picomatch from "picomatch";
import { shown, UserError } from "../errors";
// The registry's location module, not its index: the parse worker loads this file, and the index brings the
// registry itself (schemas, HTTP client) that reading data never needs.
import type { BlobStore } from "../registry/blob-store";
import { displayLocation, openStore, parseRegistryUri, registrySecrets } from "../registry/registry-location";
import { resolveFiles } from "./files";

/** One data file: its name for messages, its size, and its bytes. */
export interface DataFile {
  /** A path (as given or matched) or a blob URL without credentials. */
  readonly name: string;
  readonly size: number;
  /** True for a blob (no local path: annotations cannot point into it). */
  readonly remote: boolean;
  /** Streams bytes [start, end) (default: all). */
  stream(range?: { start?: number; end?: number; highWaterMark?: number }): Promise<Readable>;
  /** Bytes [start, end), for random access (Parquet). */
  read(start: number, end: number): Promise<ArrayBuffer>;
  /**
   * Bytes [start, end) for a reader that is done with them before it reads again (a Parquet column chunk,
   * decoded at once): in `scratch` when it is large enough (a view of it), else in a buffer of their own.
   */
  readInto(start: number, end: number, scratch: Uint8Array): Promise<Uint8Array>;
  /**
   * The bytes to the end of the file (as it is when read) in chunks of about `chunkBytes`, for a reader that
   * parses each chunk where it is. A chunk stays as it is while the next one is taken and processed, and no
   * longer: a local file is read one chunk ahead into three buffers used in turn, so a reader copies what it
   * keeps past that.
   */
  chunks(opts?: { chunkBytes?: number }): AsyncGenerator<Buffer>;
}

export interface ResolveOptions {
  /** The input's name in messages (default "data"). */
  input?: string;
  /** For blob credentials (connection strings, SAS, keys). Default process.env. */
  env?: Record<string, string | undefined>;
}

/** True when the text is a blob URI (https://, http:// path-style as Azurite serves it, or azblob://). */
export function isRemoteData(text: string): boolean {
  return /^(https?|azblob):\/\//i.test(text.trim());
}

/** A local file as a DataFile. */
export function localFile(path: string, size: number): DataFile {
  return {
    name: path,
    size,
    remote: false,
    stream: async (range = {}) =>
      range.end !== undefined && range.end <= (range.start ?? 0)
        ? Readable.from([])
        : createReadStream(path, {
            highWaterMark: range.highWaterMark ?? 1 << 20,
            ...(range.start !== undefined ? { start: range.start } : {}),
            ...(range.end !== undefined ? { end: range.end - 1 } : {}),
          }),
    read: async (start, end) => {
      // Read into an ArrayBuffer of its own and return it as it is: slicing a Buffer's ArrayBuffer copied
      // every byte (each Parquet column chunk) once more.
      const out = new Uint8Array(Math.max(0, end - start));
      const at = await readRange(path, start, out);
      return at === out.length ? (out.buffer as ArrayBuffer) : out.buffer.slice(0, at);
    },
    readInto: async (start, end, scratch) => {
      // A fresh buffer per column chunk cost ~3 ms of CPU a MB on first touch on 2 cores (BENCHMARKS.md).
      const n = Math.max(0, end - start);
      const out = scratch.length >= n ? scratch.subarray(0, n) : new Uint8Array(n);
      return out.subarray(0, await readRange(path, start, out));
    },
    chunks: (opts = {}) => localChunks(path, opts.chunkBytes ?? 1 << 20),
  };
}

/** Reads `out.length` bytes of the file at `start` into `out` (fewer at its end); returns how many. */
async function readRange(path: string, start: number, out: Uint8Array): Promise<number> {
  const { open } = await import("node:fs/promises");
  const fh = await open(path, "r");
  try {
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at;
  } finally {
    await fh.close();
  }
}

/**
 * A local file's bytes to its end (as it is when read) read into three buffers in turn, the next chunk's read
 * under way while the caller processes the current one. A stream's fresh buffer per chunk cost the
 * parse worker ~25 MB of first-touched memory and ~0.1 s of a 1 M-row pass on 2 cores (BENCHMARKS.md), for bytes
 * that are parsed and dropped at once.
 */
async function* localChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const { open } = await import("node:fs/promises");
  const fh = await open(path, "r");
  const ring: Buffer[] = [];
  let at = 0;
  let k = 0;
  const readInto = (i: number) => {
    ring[i] ??= Buffer.allocUnsafeSlow(chunkBytes);
    return fh.read(ring[i], 0, chunkBytes, at);
  };
  let next: ReturnType<typeof readInto> | undefined = readInto(0);
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      at += bytesRead;
      k = (k + 1) % 3;
      next = readInto(k);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A read still under way (the caller stopped early) settles before the file is closed, its error unheard.
    await next?.catch(() => undefined);
    await fh.close();
  }
}

function blobFile(store: BlobStore, base: string, key: string, size: number): DataFile {
  const download = async (start: number, end: number): Promise<Buffer> => {
    if (end <= start) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const c of await store.openRead(key, { start, end })) chunks.push(c as Buffer);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  };
  return {
    name: `${base}/${key}`,
    size,
    remote: true,
    stream: async (range = {}) => {
      if (range.start === undefined && range.end === undefined) return store.openRead(key);
      const start = range.start ?? 0;
      const end = Math.min(size, range.end ?? size);
      return end <= start ? Readable.from([]) : store.openRead(key, { start, end });
    },
    read: async (start, end) => {
      const b = await download(start, end);
      // A buffer of its own is returned as it is; a small one from Node's shared pool is copied out.
      if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer as ArrayBuffer;
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    // A download is a buffer of its own: returned as it is.
    readInto: (start, end) => download(start, end),
    // A download's chunks are its own buffers: every one stays as it is.
    chunks: async function* () {
      for await (const c of await store.openRead(key)) yield c as Buffer;
    },
  };
}

const GLOB = /[*?[\]{}]/;

/**
 * The files a data input names, sorted by name. Local: a path or a glob (tinyglobby). Azure Blob: a blob URI, a
 * prefix ending in "/" (every blob below it), or a glob over blob names (`*`, `**`, `[0-9]`, `{a,b}`; `?` is a
 * URL's query, so it cannot be a wildcard). Nothing found is a UserError naming the input.
 */
export async function resolveDataFiles(pathOrGlob: string, opts: ResolveOptions = {}): Promise<DataFile[]> {
  const input = opts.input ?? "data";
  if (!isRemoteData(pathOrGlob)) {
    const files = await resolveFiles(pathOrGlob, input);
    return Promise.all(files.map(async (f) => localFile(f, (await stat(f)).size)));
  }
  const text = pathOrGlob.trim();
  const query = text.indexOf("?");
  const url = query < 0 ? text : text.slice(0, query);
  const sas = query < 0 ? "" : text.slice(query);
  const env = opts.env ?? process.env;
  const loc = parseRegistryUri(url, { env, what: input });
  if (loc.kind !== "azure") throw new Error("unreachable: a blob URI parsed as a folder");
  // The literal part of the blob path is the store's prefix; the rest is matched against the names below it.
  const parts = loc.prefix.split("/");
  const firstGlob = parts.findIndex((p) => GLOB.test(p));
  const literal = firstGlob < 0 ? parts : parts.slice(0, firstGlob);
  const pattern = firstGlob < 0 ? "" : parts.slice(firstGlob).join("/");
  const directory = firstGlob < 0 && (loc.prefix === "" || url.endsWith("/"));
  const basePath = directory || firstGlob >= 0 ? literal.filter(Boolean) : literal.slice(0, -1);
  const leaf = directory || firstGlob >= 0 ? "" : literal.at(-1)!;
  const baseUri = [displayLocation({ ...loc, prefix: "" }), ...basePath].join("/");
  const store = openStore(`${baseUri}${sas}`, { env, what: input });
  const base = displayLocation({ ...loc, prefix: basePath.join("/") });
  let listed: { key: string; size: number }[];
  if (leaf) {
    // One blob; or, when no blob has that exact name, everything below it as a folder.
    const below = await store.list(leaf);
    const exact = below.filter((b) => b.key === leaf);
    listed = exact.length > 0 ? exact : below.filter((b) => b.key.startsWith(`${leaf}/`));
  } else listed = await store.list("");
  const match = pattern ? picomatch(pattern, { dot: false }) : undefined;
  const files = listed
    .filter((b) => !b.key.endsWith("/") && (match ? match(b.key) : true))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((b) => blobFile(store, base, b.key, b.size));
  if (files.length === 0) {
    throw new UserError(
      `${input}: no blob matches ${shown(`${base}${leaf ? `/${leaf}` : pattern ? `/${pattern}` : "/"}`)} (got 0 blobs). Check the account, container, prefix and pattern, and that the identity may list the container.`,
    );
  }
  return files;
}

/** Credentials a data input carries or uses (a SAS in the URI, connection strings, keys), for masking. */
export function dataSecrets(
  inputs: readonly (string | undefined)[],
  env: Record<string, string | undefined>,
): string[] {
  return inputs.filter((u): u is string => !!u && isRemoteData(u)).flatMap((u) => registrySecrets(u.trim(), { env }));
}
