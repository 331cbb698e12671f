/**
 * A base image read from an OCI image layout on disk (`oci:<dir>[:<ref.name>]`, skopeo's syntax), for sites
 * that keep their base images offline. It answers the two calls a build makes of a registry.
 */
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { shown, UserError } from "../errors";
import { checkDigest, digestHex, readVerifiedBlob } from "./digest";
import type { ImageRef } from "./image-ref";
import type { FetchedManifest } from "./registry-client";

/** What building an image needs from where the base lives. */
export interface BaseSource {
  readonly registry: string;
  getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined>;
  getBlob(repository: string, digest: string, size?: number): Promise<Buffer>;
}

/** Pseudo registry name of layout bases: never equal to a real host, so pushes never try to mount from it. */
export const LAYOUT_REGISTRY = "oci-layout";

/** `oci:/path/to/layout[:name]` → the layout directory and the `org.opencontainers.image.ref.name` wanted. */
export function parseLayoutRef(base: string): ImageRef | undefined {
  if (!base.startsWith("oci:")) return undefined;
  const rest = base.slice(4);
  const colon = rest.lastIndexOf(":");
  const dir = colon > 0 && !rest.slice(colon + 1).includes("/") ? rest.slice(0, colon) : rest;
  const name = colon > 0 && dir !== rest ? rest.slice(colon + 1) : undefined;
  return { registry: LAYOUT_REGISTRY, repository: dir, ...(name ? { tag: name } : {}) };
}

interface IndexJson {
  manifests: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
}

export class LayoutSource implements BaseSource {
  readonly registry = LAYOUT_REGISTRY;

  /** The blob's path, once its digest is known to be `sha256:<64 hex>` (so it cannot leave `blobs/sha256`). */
  private blobPath(dir: string, digest: string): string {
    return join(dir, "blobs", "sha256", digestHex(checkDigest(digest, `base-image ${shown(`oci:${dir}`)}`)));
  }

  /** Reads a blob, verifying its digest (and size, when known) while it streams. */
  private async read(dir: string, digest: string, size?: number): Promise<Buffer> {
    const path = this.blobPath(dir, digest);
    if (!existsSync(path)) {
      throw new UserError(
        `base-image: blob ${digest} is missing from ${shown(dir)}. The layout is incomplete; copy it again.`,
      );
    }
    return readVerifiedBlob(createReadStream(path), digest, `base-image ${shown(`oci:${dir}`)}`, size);
  }

  /** `reference` is a ref.name from index.json ("latest" when absent and there is one image), or a digest. */
  async getManifest(dir: string, reference: string): Promise<FetchedManifest | undefined> {
    if (!existsSync(join(dir, "index.json"))) {
      throw new UserError(
        `base-image: ${shown(`oci:${dir}`)} is not an OCI image layout (no index.json). Point oci: at a directory written by skopeo copy ... oci:<dir> or package-edge's oci-layout.`,
      );
    }
    let mediaType: string;
    let digest: string;
    if (reference.startsWith("sha256:")) {
      digest = reference;
      mediaType = "";
    } else {
      const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as IndexJson;
      const named = index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] === reference);
      const entry =
        named[0] ?? (reference === "latest" && index.manifests.length === 1 ? index.manifests[0] : undefined);
      if (!entry) return undefined;
      digest = entry.digest;
      mediaType = entry.mediaType;
    }
    if (!existsSync(this.blobPath(dir, digest))) return undefined;
    const bytes = await this.read(dir, digest);
    if (!mediaType) mediaType = (JSON.parse(bytes.toString("utf8")) as { mediaType?: string }).mediaType ?? "";
    return { bytes, mediaType, digest };
  }

  async getBlob(dir: string, digest: string, size?: number): Promise<Buffer> {
    return this.read(dir, digest, size);
  }
}
