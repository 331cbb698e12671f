/**
 * The job's code: a directory hashed, uploaded once to the workspace's default datastore under
 * `LocalUpload/<hash>/` and registered as a code version whose `codeUri` points there
 * (CodeVersions_CreateOrUpdate, examples/Workspace/CodeVersion/createOrUpdate.json:
 * `{ properties: { codeUri, isAnonymous } }`). The same content gives the same name, so a re-run finds
 * the code version (CodeVersions_Get, examples/Workspace/CodeVersion/get.json) and uploads nothing.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ArmClient } from "../azure/arm";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { joinKey, listFiles, type OpenedDatastore, uploadDirectory } from "./datastore";

/** Always left out of the code asset. */
const ALWAYS_SKIPPED = new Set([".git", "node_modules", "__pycache__", ".mlops"]);

/** gitignore-like patterns (the simple part: `*`, `?`, `**`, trailing `/`, leading `/`; no negation). */
export function ignoreMatcher(patterns: string[]): (rel: string) => boolean {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p !== "" && !p.startsWith("#") && !p.startsWith("!"))
    .map((p) => {
      const anchored = p.startsWith("/") || p.replace(/\/$/, "").includes("/");
      const body = p.replace(/^\//, "").replace(/\/$/, "");
      const re = body
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*");
      return anchored ? new RegExp(`^${re}(/.*)?$`) : new RegExp(`(^|/)${re}(/.*)?$`);
    });
  return (rel) => {
    const name = rel.split("/").at(-1) ?? rel;
    if (ALWAYS_SKIPPED.has(name)) return true;
    return rules.some((r) => r.test(rel));
  };
}

export interface CodeSnapshot {
  dir: string;
  /** sha256 hex over the sorted relative paths, sizes and contents (as data-hash does). */
  hash: string;
  files: string[];
  bytes: number;
  skip: (rel: string) => boolean;
}

/** List and hash the code directory, leaving out .git, node_modules, __pycache__ and what .amlignore / .gitignore name. */
export async function snapshotCode(dir: string): Promise<CodeSnapshot> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory())
    throw new UserError(
      `code: not a directory (got ${shown(dir)}). Set code: to the folder with your training code, relative to the workspace.`,
    );
  const patterns: string[] = [];
  for (const f of [".amlignore", ".gitignore"]) {
    const text = await readFile(join(root, f), "utf8").catch(() => "");
    patterns.push(...text.split(/\r?\n/));
  }
  const skip = ignoreMatcher(patterns);
  const files = await listFiles(root, skip);
  if (files.length === 0)
    throw new UserError(
      `code: no files to upload in ${shown(dir)} (got 0 files). Point code: at the folder with your trainer.`,
    );
  const h = createHash("sha256");
  let bytes = 0;
  for (const rel of files) {
    const abs = join(root, ...rel.split("/"));
    const size = (await stat(abs)).size;
    bytes += size;
    h.update(Buffer.from(rel, "utf8"));
    h.update(Buffer.from(`\0${size}\0`, "ascii"));
    for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer);
  }
  return { dir: root, hash: h.digest("hex"), files, bytes, skip };
}

export interface CodeAsset {
  /** ARM id of the code version: the job's codeId. */
  id: string;
  name: string;
  version: string;
  codeUri: string;
  /** False when the code version already existed (nothing uploaded). */
  uploaded: boolean;
  files: number;
  bytes: number;
}

/** Upload the snapshot (unless already there) and create the code version; returns its id. */
export async function ensureCodeAsset(
  arm: ArmClient,
  workspacePath: string,
  store: OpenedDatastore,
  code: CodeSnapshot,
  logger: Logger = silentLogger,
): Promise<CodeAsset> {
  const name = `mlops-code-${code.hash.slice(0, 40)}`;
  const version = "1";
  const path = `${workspacePath}/codes/${name}/versions/${version}`;
  const prefix = joinKey("LocalUpload", code.hash);
  const codeUri = `${store.container.url.replace(/\?.*$/, "")}/${prefix}`;
  const existing = await arm.getIfExists<{ id?: string; properties?: { codeUri?: string } }>(path);
  if (existing) {
    logger.info(`azureml: code ${name}:${version} already registered (${code.files.length} files), not uploaded again`);
    return {
      id: existing.id ?? path,
      name,
      version,
      codeUri: existing.properties?.codeUri ?? codeUri,
      uploaded: false,
      files: code.files.length,
      bytes: code.bytes,
    };
  }
  const marker = store.container.getBlockBlobClient(`${prefix}.complete`);
  let uploaded = false;
  if (!(await marker.exists())) {
    const r = await uploadDirectory(store.container, code.dir, prefix, { skip: code.skip, logger });
    await marker.upload("", 0);
    logger.info(`azureml: uploaded code (${r.files} files, ${r.bytes} bytes) to ${store.record.name}/${prefix}`);
    uploaded = true;
  }
  const put = await arm.request<{ id?: string }>("PUT", path, {
    body: {
      properties: {
        codeUri,
        isAnonymous: true,
        description: "Training code uploaded by mlops-actions train",
        properties: { "mlops-actions/sha256": code.hash },
      },
    },
  });
  return { id: put.body?.id ?? path, name, version, codeUri, uploaded, files: code.files.length, bytes: code.bytes };
}
