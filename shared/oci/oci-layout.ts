import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import * as tarStream from "tar-stream";
import type { BuiltImage } from "./build-image";
import { insertionOrderJson, digestHex } from "./digest";
import { OCI_INDEX } from "./media-types";
import { loadBlob } from "./push-image";

export type LayoutTarget = { dir: string } | { tar: string };

export interface LayoutResult {
  path: string;
  /** Total bytes of blobs written. */
  bytes: number;
  blobs: number;
}

/**
 * Writes the image as an OCI image layout (a directory, or an `oci-archive` tarball for USB transfer):
 * `oci-layout`, `index.json` pointing at the image index (tagged with `org.opencontainers.image.ref.name`),
 * and `blobs/sha256/*`. At the plant: `skopeo copy --all oci-archive:<tar>:<tag> docker://<registry>/<repo>:<tag>`.
 * The tarball is reproducible: sorted entries, mtime = the image's creation time, uid/gid 0.
 */
export async function writeOciLayout(
  image: BuiltImage,
  target: LayoutTarget,
  options: { tag?: string } = {},
): Promise<LayoutResult> {
  const files = await layoutFiles(image, options.tag);
  const bytes = files.filter((f) => f.name.startsWith("blobs/")).reduce((n, f) => n + f.data.length, 0);
  if ("dir" in target) {
    for (const f of files) {
      const p = join(target.dir, f.name);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, f.data);
    }
    return { path: target.dir, bytes, blobs: files.length - 2 };
  }
  await mkdir(dirname(target.tar), { recursive: true });
  const created = image.index.annotations?.["org.opencontainers.image.created"];
  const mtime = created ? new Date(created) : new Date(0);
  const pack = tarStream.pack();
  const out = pipeline(pack, createWriteStream(target.tar));
  const header = { mtime, uid: 0, gid: 0, uname: "", gname: "" };
  const entry = (h: Partial<tarStream.Header> & { name: string }, data?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry({ ...header, ...h, size: data.length }, data, cb);
      else pack.entry({ ...header, ...h }, cb);
    });
  await entry({ name: "blobs/", type: "directory", mode: 0o755 });
  await entry({ name: "blobs/sha256/", type: "directory", mode: 0o755 });
  for (const f of files) await entry({ name: f.name, type: "file", mode: 0o644 }, f.data);
  pack.finalize();
  await out;
  return { path: target.tar, bytes, blobs: files.length - 2 };
}

async function layoutFiles(image: BuiltImage, tag: string | undefined): Promise<{ name: string; data: Buffer }[]> {
  const blobs: { name: string; data: Buffer }[] = [];
  const add = (digest: string, data: Buffer) => blobs.push({ name: `blobs/sha256/${digestHex(digest)}`, data });
  for (const blob of image.blobs.values()) add(blob.digest, await loadBlob(blob));
  for (const m of image.manifests) add(m.digest, m.bytes);
  add(image.digest, image.indexBytes);
  blobs.sort((a, b) => (a.name < b.name ? -1 : 1));
  const top = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_INDEX,
        digest: image.digest,
        size: image.indexBytes.length,
        ...(tag ? { annotations: { "org.opencontainers.image.ref.name": tag } } : {}),
      },
    ],
  };
  return [
    ...blobs,
    { name: "index.json", data: insertionOrderJson(top) },
    { name: "oci-layout", data: insertionOrderJson({ imageLayoutVersion: "1.0.0" }) },
  ];
}
