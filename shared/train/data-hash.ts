import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { access, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { glob } from "tinyglobby";
import { type DataFile, isRemoteData, resolveDataFiles } from "../data";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { fileError } from "../user-files";

/** What the `data` input resolved to and its content hash. */
export interface DataHash {
  /** `sha256:<64 hex>` over the files, see `hashData`. */
  hash: string;
  /** The files hashed, in hashing order: paths relative to `cwd`, '/'-separated. */
  files: { path: string; size: number }[];
  bytes: number;
}

/**
 * A deterministic hash of the training data, for the model card's lineage.
 *
 * Each entry of `patterns` is a file, a directory (every file below it, dot files included) or a glob
 * (tinyglobby syntax, relative to `cwd`); an entry that names an existing path is taken literally even if it
 * contains glob characters. An entry that matches no file is a UserError.
 *
 * Algorithm (stable across machines, independent of the order of `patterns` and of the file system's
 * listing order): collect the files, make each path relative to `cwd` with '/' separators, drop duplicates,
 * sort by the UTF-8 bytes of the path; then SHA-256 over, for each file in that order,
 *   path (UTF-8) ‖ 0x00 ‖ size in bytes (ASCII decimal) ‖ 0x00 ‖ content
 * Contents are streamed, so files of any size are hashed in constant memory. An entry that is an Azure Blob
 * URI (a blob, a prefix, a glob) contributes its blobs under their URLs (without credentials), streamed too.
 */
export async function hashData(
  patterns: string[],
  opts: { cwd: string; logger?: Logger; signal?: AbortSignal; env?: Record<string, string | undefined> },
): Promise<DataHash> {
  const logger = opts.logger ?? silentLogger;
  const cwd = resolve(opts.cwd);
  const found = new Map<string, string | DataFile>(); // relative path (or blob URL) -> absolute path (or blob)
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === "") continue;
    if (isRemoteData(pattern)) {
      for (const blob of await resolveDataFiles(pattern, { input: "data", ...(opts.env ? { env: opts.env } : {}) })) {
        found.set(blob.name, blob);
      }
      continue;
    }
    const matches = await expand(pattern, cwd);
    if (matches.length === 0) {
      throw new UserError(
        `data: ${shown(pattern)} matches no file (got 0 files under ${shown(cwd)}). ` +
          "Check the path or glob, relative to working-directory, and that the data is checked out or downloaded before train.",
      );
    }
    for (const abs of matches) found.set(relative(cwd, abs).split(sep).join("/"), abs);
  }
  if (found.size === 0) {
    throw new UserError(`data: no paths given (got ${shown(patterns)}). List files, directories or globs.`);
  }
  const entries = [...found.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const files: { path: string; size: number }[] = [];
  let total = 0;
  for (const [path, abs] of entries) {
    const size = typeof abs === "string" ? (await stat(abs)).size : abs.size;
    // Checked before anything runs: a file that cannot be read is named now, not halfway through.
    if (typeof abs === "string")
      await access(abs, constants.R_OK).catch((e: unknown) => {
        throw fileError(e, "data", abs, "Check the file's permissions, or leave it out of data:.");
      });
    files.push({ path, size });
    total += size;
  }
  const h = createHash("sha256");
  let done = 0;
  for (let i = 0; i < entries.length; i++) {
    const [path, abs] = entries[i] as [string, string | DataFile];
    const size = (files[i] as { size: number }).size;
    h.update(Buffer.from(path, "utf8"));
    h.update(Buffer.from(`\0${size}\0`, "ascii"));
    let read = 0;
    const stream =
      typeof abs === "string"
        ? createReadStream(abs, { highWaterMark: 1 << 20, signal: opts.signal })
        : await abs.stream();
    for await (const chunk of stream) {
      h.update(chunk as Buffer);
      read += (chunk as Buffer).length;
      done += (chunk as Buffer).length;
      logger.progress({ task: "hash data", done, total, unit: "bytes" });
    }
    if (read !== size)
      throw new UserError(
        `data: ${shown(path)} changed size while hashing (got ${read} of ${size} bytes). Do not write the data while train runs.`,
      );
  }
  logger.progress({ task: "hash data", done, total, unit: "bytes", finished: true });
  return { hash: `sha256:${h.digest("hex")}`, files, bytes: total };
}

async function expand(pattern: string, cwd: string): Promise<string[]> {
  const literal = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const st = await stat(literal).catch(() => undefined);
  if (st?.isFile()) return [literal];
  if (st?.isDirectory()) return glob("**/*", { cwd: literal, absolute: true, onlyFiles: true, dot: true });
  return glob(pattern.split(sep).join("/"), {
    cwd,
    absolute: true,
    onlyFiles: true,
    dot: true,
    expandDirectories: false,
  });
}
