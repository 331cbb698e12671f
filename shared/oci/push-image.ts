import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { mapBounded } from "../map-bounded";
import type { Credentials } from "./auth";
import type { BlobRef, BuiltImage } from "./build-image";
import { formatImageRef, type ImageRef, parseImageRef } from "./image-ref";
import { OCI_INDEX, OCI_MANIFEST } from "./media-types";
import { RegistryClient } from "./registry-client";

export interface PushOptions {
  auth?: Credentials;
  logger?: Logger;
  fetch?: typeof fetch;
  /** Plain HTTP (default: only for localhost). */
  insecure?: boolean;
  /** Blobs larger than this go up in PATCH chunks of this size (default 32 MiB). */
  chunkSize?: number;
  /** Blobs uploaded in parallel (default 4). */
  concurrency?: number;
  /** Attempts per request on 5xx/timeouts (default 4). */
  attempts?: number;
  retryDelayMs?: number;
}

export interface PushResult {
  /** `registry/repository@sha256:…` (what to deploy). */
  image: string;
  /** `registry/repository:tag` when a tag was pushed. */
  tagged?: string;
  digest: string;
  /** Blobs sent, found already present (HEAD), mounted from the base repository. */
  uploaded: number;
  skipped: number;
  mounted: number;
  bytesUploaded: number;
}

/** Loads a blob's bytes (from memory or the base image's registry) and keeps them for the next target. */
export async function loadBlob(blob: BlobRef): Promise<Buffer> {
  if (blob.data) return blob.data;
  if (!blob.source) throw new Error(`blob ${blob.digest} has neither data nor source`);
  blob.data = await blob.source.client.getBlob(blob.source.repository, blob.digest, blob.size);
  return blob.data;
}

/**
 * Pushes a built image to one registry: every blob (HEAD first to skip what is there; cross-repository mount
 * when the base lives in the same registry; otherwise monolithic or chunked upload), then each platform manifest
 * and the index by digest, and only then the tag. A push that fails part-way therefore never moves the tag.
 */
export async function pushImage(
  image: BuiltImage,
  target: string | ImageRef,
  options: PushOptions = {},
): Promise<PushResult> {
  const logger = options.logger ?? silentLogger;
  const ref = typeof target === "string" ? parseImageRef(target, "registries") : target;
  const client = new RegistryClient({
    registry: ref.registry,
    credentials: options.auth,
    fetch: options.fetch,
    logger,
    insecure: options.insecure,
    attempts: options.attempts,
    retryDelayMs: options.retryDelayMs,
  });
  if (ref.digest && ref.digest !== image.digest) {
    throw new UserError(
      `registries: target pins a digest the image does not have (got ${shown(formatImageRef(ref))}, image is ${image.digest}). Give the target as host/repository:tag.`,
    );
  }
  const repo = ref.repository;
  const result = { uploaded: 0, skipped: 0, mounted: 0, bytesUploaded: 0 };
  const queue = [...image.blobs.values()];
  const total = queue.reduce((n, b) => n + b.size, 0);
  let done = 0;
  const pushOne = async (blob: BlobRef) => {
    if (await client.hasBlob(repo, blob.digest)) {
      result.skipped++;
    } else {
      let location: string | undefined;
      const src = blob.source;
      if (src && src.client.registry === ref.registry && src.repository !== repo) {
        const mounted = await client.mountBlob(repo, blob.digest, src.repository);
        if (mounted === true) {
          result.mounted++;
          done += blob.size;
          logger.progress({ task: `push ${formatImageRef(ref)}`, done, total, unit: "bytes" });
          return;
        }
        location = mounted.location;
      }
      const data = await loadBlob(blob);
      await client.uploadBlob(repo, blob.digest, data, { chunkSize: options.chunkSize, location });
      result.uploaded++;
      result.bytesUploaded += data.length;
    }
    done += blob.size;
    logger.progress({ task: `push ${formatImageRef(ref)}`, done, total, unit: "bytes" });
  };
  // No upload is still running when the caller sees an error.
  await mapBounded(queue, options.concurrency ?? 4, pushOne);
  for (const m of image.manifests) await client.putManifest(repo, m.digest, m.bytes, OCI_MANIFEST);
  // The index last: by tag when there is one (that also stores it under its digest), else by digest.
  const pushedDigest = { ...ref, tag: undefined, digest: image.digest };
  let tagged: string | undefined;
  if (ref.tag) {
    await client.putManifest(repo, ref.tag, image.indexBytes, OCI_INDEX);
    tagged = formatImageRef({ ...ref, digest: undefined });
  } else {
    await client.putManifest(repo, image.digest, image.indexBytes, OCI_INDEX);
  }
  logger.progress({ task: `push ${formatImageRef(ref)}`, done: total, total, unit: "bytes", finished: true });
  logger.info(
    `pushed ${formatImageRef(pushedDigest)}: ${result.uploaded} blobs uploaded (${result.bytesUploaded} bytes), ${result.skipped} already present, ${result.mounted} mounted`,
  );
  return { image: formatImageRef(pushedDigest), ...(tagged ? { tagged } : {}), digest: image.digest, ...result };
}
