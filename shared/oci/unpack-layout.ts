/**
 * Unpack one platform's image from an OCI layout into a root filesystem directory: layers applied in
 * order, whiteouts honoured. Enough to start the edge server from the very image that ships, without a
 * container engine (the demo and the tests do; a plant would use its runtime).
 */
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as tarStream from "tar-stream";
import { shown, UserError } from "../errors";
import type { ImageConfig, ImageIndex, ImageManifest } from "./media-types";
import { formatPlatform, parsePlatform, platformMatches } from "./platform";

const blob = (layout: string, digest: string) => join(layout, "blobs", ...digest.split(":"));

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
    const doc = JSON.parse(await readFile(blob(layout, entry.digest), "utf8")) as ImageIndex | ImageManifest;
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
  return JSON.parse(await readFile(blob(layout, manifest.config.digest), "utf8")) as ImageConfig;
}

/** Extract the image of `platform` (default: this machine's) from `layout` into `rootfs`. */
export async function unpackLayout(
  layout: string,
  rootfs: string,
  platform = `linux/${process.arch === "x64" ? "amd64" : process.arch}`,
): Promise<void> {
  const manifest = await manifestFor(layout, platform);
  await mkdir(rootfs, { recursive: true });
  const inside = (p: string) => {
    const full = normalize(join(rootfs, p));
    if (full !== normalize(rootfs) && !full.startsWith(normalize(rootfs) + sep))
      throw new UserError(`oci-layout: layer entry escapes the root (got ${shown(p)}).`);
    return full;
  };
  for (const layer of manifest.layers) {
    const extract = tarStream.extract();
    extract.on("entry", (header, stream, next) => {
      const done = (e?: unknown) => (e ? extract.destroy(e as Error) : next());
      const name = header.name.replace(/^\.?\//, "");
      const base = name.split("/").pop() ?? "";
      const target = inside(name);
      const work = async () => {
        if (base.startsWith(".wh.")) {
          stream.resume();
          if (base === ".wh..wh..opq") return;
          await rm(join(dirname(target), base.slice(4)), { recursive: true, force: true });
          return;
        }
        if (header.type === "directory") {
          stream.resume();
          await mkdir(target, { recursive: true });
        } else if (header.type === "symlink") {
          stream.resume();
          await mkdir(dirname(target), { recursive: true });
          await rm(target, { force: true });
          await symlink(header.linkname ?? "", target);
        } else if (header.type === "file") {
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          await mkdir(dirname(target), { recursive: true });
          await rm(target, { force: true });
          await writeFile(target, Buffer.concat(chunks), { mode: header.mode ?? 0o644 });
        } else {
          stream.resume();
        }
      };
      work().then(() => done(), done);
    });
    await pipeline(createReadStream(blob(layout, layer.digest)), createGunzip(), extract);
  }
}
