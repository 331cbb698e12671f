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

/** Format from the extension (.csv .tsv .parquet/.pq .jsonl/.ndjson). */
export function detectFormat(files: string[], input = "data"): DataFormat {
  const formats = new Set(files.map((f) => formatOf(f)));
  if (formats.size !== 1 || formats.has(undefined)) {
    const exts = [...new Set(files.map((f) => extname(f) || "(none)"))].join(", ");
    throw new UserError(
      `${input}: cannot tell the format from the file extension (got ${exts}). Use .csv, .tsv, .parquet or .jsonl files, all of one kind, or set the format.`,
    );
  }
  return [...formats][0]!;
}

function formatOf(file: string): DataFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv" || ext === ".txt") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  return undefined;
}
