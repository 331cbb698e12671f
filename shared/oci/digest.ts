import { createHash } from "node:crypto";
import { shown, UserError } from "../errors";

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** The hex part, for paths like `blobs/sha256/<hex>`. */
export function digestHex(digest: string): string {
  if (!isDigest(digest)) throw new Error(`not a sha256 digest: ${digest}`);
  return digest.slice("sha256:".length);
}

/**
 * Canonical JSON bytes for manifests and configs: keys in insertion order, no whitespace.
 * Our builders create objects with a fixed key order, so the same inputs always give the same bytes.
 */
export function insertionOrderJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

/**
 * Checks that a digest read from a manifest, an index or a layout is `sha256:` + 64 lowercase hex before it
 * becomes part of a path or a URL (`sha256:../../etc/passwd` would otherwise leave the layout).
 */
export function checkDigest(digest: unknown, where: string): string {
  if (typeof digest !== "string" || !isDigest(digest)) {
    throw new UserError(
      `${where}: digest is not sha256:<64 hex> (got ${shown(digest)}). The image's manifest or index is damaged or was altered; copy the image again from a trusted source.`,
    );
  }
  return digest;
}

/**
 * Reads a blob from a stream, hashing it as the bytes arrive, and returns it only if it matches `digest`;
 * more bytes than `size` (when the descriptor gives one) stop the read early. A mismatch is a UserError naming
 * the blob and where it came from.
 */
export async function readVerifiedBlob(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  digest: string,
  where: string,
  size?: number,
): Promise<Buffer> {
  const hash = createHash("sha256");
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (size !== undefined && total > size) {
      throw new UserError(
        `${where}: blob ${digest} is larger than its descriptor's ${size} bytes (got more than ${size}). The source is damaged or was altered; copy the image again from a trusted source.`,
      );
    }
    hash.update(chunk);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  const got = `sha256:${hash.digest("hex")}`;
  if (got !== digest) {
    throw new UserError(
      `${where}: blob ${digest} does not match its digest (got ${got}, ${total} bytes). The source is damaged or was altered; copy the image again from a trusted source.`,
    );
  }
  return Buffer.concat(parts, total);
}
