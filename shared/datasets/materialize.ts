/**
 * A dataset version as files on disk, exactly as snapshotted: stored files come from the registry (verified by
 * sha256 while downloading), referenced blobs from where they live, verified the same way. A file whose bytes
 * are no longer those of the snapshot is refused, so a model is retrained on exactly the data it was trained on
 * or not at all.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { resolveDataFiles } from "../data";
import { shown, UserError } from "../errors";
import type { ModelCard, Registry } from "../registry";
import { type DatasetManifest, DatasetManifestSchema } from "./manifest";

export interface MaterializedDataset {
  card: ModelCard;
  manifest: DatasetManifest;
  /** The data files on disk, in manifest order. */
  files: string[];
  dir: string;
}

/** Downloads dataset `ref` (name, name@3, name@alias) of `registry` into `dir`/data. */
export async function materializeDataset(
  registry: Registry,
  ref: string,
  dir: string,
  opts: { env?: Record<string, string | undefined> } = {},
): Promise<MaterializedDataset> {
  const datasets = registry.datasets();
  const { card, paths } = await datasets.get(ref, dir);
  let manifest: DatasetManifest;
  try {
    manifest = DatasetManifestSchema.parse(JSON.parse(await readFile(paths["manifest.json"] ?? "", "utf8")));
  } catch (e) {
    throw new UserError(
      `dataset: ${card.name}@${card.version} in ${datasets.uri} has no readable manifest.json (got ${shown((e as Error).message)}). Snapshot the data again with snapshot-data.`,
      { cause: e },
    );
  }
  const files: string[] = [];
  const used = new Set(manifest.files.filter((f) => f.stored).map((f) => f.path.split("/").pop()!));
  for (const f of manifest.files) {
    if (f.stored) {
      files.push(paths[f.path]!);
      continue;
    }
    const [blob] = await resolveDataFiles(f.path, { input: "dataset", ...(opts.env ? { env: opts.env } : {}) }).catch(
      (e: unknown) => {
        throw new UserError(
          `dataset: ${card.name}@${card.version} references ${f.path}, which cannot be read any more (${(e as Error).message}). Restore the blob, or snapshot with copy: all so the registry keeps the data.`,
          { cause: e },
        );
      },
    );
    const base = decodeURIComponent(new URL(f.path).pathname.split("/").pop() || "blob");
    let name = base;
    for (let k = 2; used.has(name); k++) name = base.replace(/(\.[^.]*)?$/, `-${k}$1`);
    used.add(name);
    const out = join(dir, "data", name);
    await mkdir(dirname(out), { recursive: true });
    const h = createHash("sha256");
    const hashing = new Transform({
      transform(chunk: Buffer, _e, cb) {
        h.update(chunk);
        cb(null, chunk);
      },
    });
    await pipeline(await blob!.stream(), hashing, createWriteStream(`${out}.part`));
    const got = h.digest("hex");
    if (got !== f.sha256) {
      await unlink(`${out}.part`).catch(() => {});
      throw new UserError(
        `dataset: ${f.path} is not what ${card.name}@${card.version} recorded (expected sha256 ${f.sha256}, got ${got}). The blob was changed since the snapshot; restore it, or snapshot the data again.`,
        { code: "checksum" },
      );
    }
    await rename(`${out}.part`, out);
    files.push(out);
  }
  return { card, manifest, files, dir };
}
