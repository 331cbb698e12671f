/**
 * Files and folders the user names in an input (report-dir, output-dir, card-path, a YAML file to read):
 * checked before any work is done, and every file-system refusal turned into one error that names the
 * input, the path and what the system said, instead of a raw EISDIR or EACCES.
 */
import { constants } from "node:fs";
import { access, mkdir, readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { shown, UserError } from "./errors";

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "a file is in the way",
  ENOTDIR: "a file is in the way of a directory on the path",
  EISDIR: "it is a directory",
  ENOENT: "it does not exist",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the name is too long",
};

/** `EACCES: permission denied` for a file-system error; undefined when it is not one. */
export function fileSystemReason(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !(code in REASONS)) return undefined;
  return `${code}: ${REASONS[code]}`;
}

/** A file-system error as a UserError naming the input and the path; other errors are returned unchanged. */
export function fileError(e: unknown, input: string, path: string, fix: string): Error {
  const reason = fileSystemReason(e);
  if (!reason) return e instanceof Error ? e : new Error(String(e));
  return new UserError(`${input}: cannot use ${shown(path, 200)} (got ${reason}). ${fix}`, { cause: e });
}

/** Create the directory (and its parents) where outputs go, and check it can be written. */
export async function ensureOutputDir(dir: string, input: string): Promise<void> {
  const fix = `Set ${input}: to a directory this job can write, or leave it empty for the default.`;
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory())
    throw new UserError(`${input}: is a file, not a directory (got ${shown(dir, 200)}). ${fix}`);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw fileError(e, input, dir, fix);
  }
}

/** Check that a file can be written at `path` (its folder is created): not a directory, not read-only. */
export async function checkOutputFile(path: string, input: string): Promise<void> {
  const fix = `Set ${input}: to a file path this job can write.`;
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory())
    throw new UserError(`${input}: is a directory, not a file (got ${shown(path, 200)}). ${fix}`);
  await ensureOutputDir(dirname(resolve(path)), input);
  if (info) {
    try {
      await access(path, constants.W_OK);
    } catch (e) {
      throw fileError(e, input, path, fix);
    }
  }
}

/**
 * Read a text file the user named (a YAML contract, an interface, a request body): a missing file, a
 * directory, an unreadable or an empty file is one error naming the input.
 */
export async function readUserText(path: string, input: string, what: string): Promise<string> {
  const fix = `Set ${input}: to ${what}.`;
  const info = await stat(path).catch((e: unknown) => {
    throw fileError(e, input, path, fix);
  });
  if (info.isDirectory()) throw new UserError(`${input}: is a directory (got ${shown(path, 200)}). ${fix}`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw fileError(e, input, path, fix);
  }
  if (text.trim() === "") throw new UserError(`${input}: the file is empty (got ${shown(path, 200)}). ${fix}`);
  return text;
}

/** Check that an input file can be read (exists, is a file, permissions allow it). */
export async function checkReadableFile(path: string, input: string, fix: string): Promise<void> {
  const info = await stat(path).catch((e: unknown) => {
    throw fileError(e, input, path, fix);
  });
  if (info.isDirectory()) throw new UserError(`${input}: is a directory (got ${shown(path, 200)}). ${fix}`);
  try {
    await access(path, constants.R_OK);
  } catch (e) {
    throw fileError(e, input, path, fix);
  }
}
