import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { shown, UserError } from "../errors";
import { fileError } from "../user-files";
import type { DataFormat } from "./types";

/** Expand a path or glob to the files it names (sorted). No match -> UserError. */
export async function resolveFiles(pathOrGlob: string, input = "data"): Promise<string[]> {
  if (!isDynamicPattern(pathOrGlob)) {
    const info = await stat(pathOrGlob).catch(() => undefined);
    if (!info) {
      throw new UserError(
        `${input}: file not found (got ${shown(pathOrGlob)}, resolved to ${resolve(pathOrGlob)}). ` +
          "Check the path; it is relative to the working directory.",
      );
    }
    if (info.isDirectory()) {
      throw new UserError(
        `${input}: is a directory (got ${shown(pathOrGlob)}). Pass a file or a glob such as ${shown(`${pathOrGlob.replace(/\/$/, "")}/*.csv`)}.`,
      );
    }
    await checkReadable([pathOrGlob], input);
    return [pathOrGlob];
  }
  const files = (await glob(pathOrGlob, { onlyFiles: true, absolute: false, expandDirectories: false })).sort();
  if (files.length === 0) {
    throw new UserError(
      `${input}: no file matches the glob (got ${shown(pathOrGlob)}). Check the pattern and the working directory.`,
    );
  }
  await checkReadable(files, input);
  return files;
}

/** Every file can be opened for reading: a permission problem is named before any row is read. */
export async function checkReadable(files: string[], input: string): Promise<void> {
  for (const file of files) {
    try {
      await access(file, constants.R_OK);
    } catch (e) {
      throw fileError(e, input, file, "Check the file's permissions, or point the input at a readable copy.");
    }
  }
}

/** Format from the extension (one rule for every reader: see formatOfFile), the same for all files. */
export function detectFormat(files: string[], input = "data"): DataFormat {
  const formats = new Set(files.map((f) => formatOfFile(f)));
  if (formats.size !== 1 || formats.has(undefined)) {
    const exts = [...new Set(files.map((f) => extname(f) || "(none)"))].join(", ");
    throw new UserError(
      `${input}: cannot tell the format from the file extension (got ${exts}). ${FORMAT_HINT}, all of one kind.`,
    );
  }
  return [...formats][0]!;
}

export const FORMAT_HINT = "Name the files .csv, .tsv, .parquet or .jsonl (JSON Lines: one object per line)";

/**
 * The format a file's extension names: .csv/.txt CSV, .tsv/.tab tab-separated, .parquet/.pq Parquet,
 * .jsonl/.ndjson/.json JSON Lines (Spark and BigQuery write JSON Lines under .json).
 */
export function formatOfFile(file: string): DataFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv" || ext === ".txt") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  return undefined;
}
