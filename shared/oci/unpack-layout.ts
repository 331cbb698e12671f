/**
 * Unpack one platform's image from an OCI layout into a root filesystem directory: layers applied in
 * order, whiteouts honoured. Enough to start the edge server from the very image that ships, without a
 * container engine (the demo and the tests do; a plant would use its runtime).
 *
 * Nothing in a layer can reach outside `rootfs`: every entry's path is resolved component by component as a
 * container runtime resolves it inside its root (symlinks met on the way are followed within the root, an
 * absolute link starts again at the root, `..` stops at the root), and only the last component is created,
 * replaced or whited out. Every blob is checked against its digest before it is used.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, lstat, mkdir, readFile, readlink, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as tarStream from "tar-stream";
import { shown, UserError } from "../errors";
import { checkDigest, digestHex, readVerifiedBlob } from "./digest";
import type { ImageConfig, ImageIndex, ImageManifest } from "./media-types";
import { formatPlatform, parsePlatform, platformMatches } from "./platform";

/** Symlinks followed while resolving one path before it counts as a loop (Linux's limit). */
const MAX_LINKS = 40;

const blobPath = (layout: string, digest: string, where: string) =>
  join(layout, "blobs", "sha256", digestHex(checkDigest(digest, where)));

/** A JSON blob of the layout, verified against its digest. */
async function readJsonBlob<T>(layout: string, digest: string): Promise<T> {
  const where = `oci-layout ${shown(layout)}`;
  const bytes = await readVerifiedBlob(createReadStream(blobPath(layout, digest, where)), digest, where);
  return JSON.parse(bytes.toString("utf8")) as T;
}

/** Resolve the layout's top index (one level of nesting) to the manifest of `platform`. */
async function manifestFor(layout: string, platform: string): Promise<ImageManifest> {
  const wanted = parsePlatform(platform);
  let index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as ImageIndex;
  for (let depth = 0; depth < 3; depth++) {
    const entry = index.manifests.find((m) => !m.platform || platformMatches(wanted, m.platform));
    if (!entry) {
      throw new UserError(
        `oci-layout: no ${formatPlatform(wanted)} image in ${shown(layout)} (got ${index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : "?")).join(", ")}). Build that platform.`,
      );
    }
    const doc = await readJsonBlob<ImageIndex | ImageManifest>(layout, entry.digest);
    if ("layers" in doc) return doc;
    index = doc;
  }
  throw new UserError(`oci-layout: ${shown(layout)} nests image indexes too deeply.`);
}

/** The image config (Entrypoint, Env, WorkingDir ...) of `platform`'s image in `layout`. */
export async function layoutImageConfig(
  layout: string,
  platform = `linux/${process.arch === "x64" ? "amd64" : process.arch}`,
): Promise<ImageConfig> {
  const manifest = await manifestFor(layout, platform);
  return readJsonBlob<ImageConfig>(layout, manifest.config.digest);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** The host path of `components` inside `root`, every component resolved (symlinks within the root). */
async function resolveInRoot(root: string, components: string[], refuse: (why: string) => UserError): Promise<string> {
  const queue = [...components];
  let parts: string[] = [];
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      parts.pop();
      continue;
    }
    const host = join(root, ...parts, c);
    const stat = await lstat(host).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw refuse(`more than ${MAX_LINKS} symlinks on its path`);
      const target = await readlink(host);
      if (target.startsWith("/")) parts = [];
      queue.unshift(...target.split("/"));
      continue;
    }
    parts.push(c);
  }
  return join(root, ...parts);
}

/** An entry's name split into components; `..` or an empty name is refused (no image needs them). */
function entryComponents(name: string, refuse: (why: string) => UserError): string[] {
  const components = name.split("/").filter((c) => c !== "" && c !== ".");
  if (components.includes("..")) throw refuse(`its path contains ".."`);
  return components;
}

/** Extract the image of `platform` (default: this machine's) from `layout` into `rootfs`. */
export async function unpackLayout(
  layout: string,
  rootfs: string,
  platform = `linux/${process.arch === "x64" ? "amd64" : process.arch}`,
): Promise<void> {
  const manifest = await manifestFor(layout, platform);
  await mkdir(rootfs, { recursive: true });
  for (const layer of manifest.layers) {
    const where = `oci-layout ${shown(layout)}`;
    const path = blobPath(layout, layer.digest, where);
    const got = await sha256OfFile(path);
    if (got !== layer.digest) {
      throw new UserError(
        `${where}: layer ${layer.digest} does not match its digest (got ${got}). The layout is damaged or was altered; copy it again from a trusted source.`,
      );
    }
    await applyLayer(path, layer.digest, rootfs);
  }
}

/** Applies one (verified) gzip layer to `rootfs`; a refused entry rejects with a UserError naming it. */
async function applyLayer(path: string, digest: string, rootfs: string): Promise<void> {
  const extract = tarStream.extract();
  extract.on("entry", (header, stream, next) => {
    const refuse = (why: string) =>
      new UserError(
        `oci-layout: layer ${digest} entry ${shown(header.name)} is refused: ${why}. The image is damaged or was built to escape its root; rebuild it from a trusted source.`,
      );
    const work = async () => {
      const components = entryComponents(header.name, refuse);
      const base = components.at(-1);
      if (base === undefined) {
        stream.resume();
        return;
      }
      const parent = await resolveInRoot(rootfs, components.slice(0, -1), refuse);
      await mkdir(parent, { recursive: true });
      const target = join(parent, base);
      if (base.startsWith(".wh.")) {
        stream.resume();
        if (base === ".wh..wh..opq") return;
        const hidden = base.slice(4);
        if (hidden === "" || hidden === "." || hidden === "..") throw refuse("it whites out no file");
        await rm(join(parent, hidden), { recursive: true, force: true });
        return;
      }
      if (header.type === "directory") {
        stream.resume();
        const existing = await lstat(target).catch(() => undefined);
        if (existing && !existing.isDirectory() && !existing.isSymbolicLink()) await rm(target, { force: true });
        await mkdir(target, { recursive: true });
      } else if (header.type === "symlink") {
        stream.resume();
        await rm(target, { recursive: true, force: true });
        await symlink(header.linkname ?? "", target);
      } else if (header.type === "link") {
        stream.resume();
        const linked = entryComponents(header.linkname ?? "", refuse);
        const source = join(await resolveInRoot(rootfs, linked.slice(0, -1), refuse), linked.at(-1) ?? "");
        await rm(target, { recursive: true, force: true });
        await link(source, target);
      } else if (header.type === "file") {
        await rm(target, { recursive: true, force: true });
        // "wx": never through whatever might sit at the path by now.
        await pipeline(stream, createWriteStream(target, { mode: header.mode ?? 0o644, flags: "wx" }));
      } else {
        stream.resume();
      }
    };
    work().then(
      () => next(),
      (e: unknown) => extract.destroy(e instanceof Error ? e : new Error(String(e))),
    );
  });
  await pipeline(createReadStream(path), createGunzip(), extract);
}
