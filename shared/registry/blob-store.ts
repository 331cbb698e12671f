import type { Readable } from "node:stream";
import type { CardFile } from "./model-card";

/** Raised by a BlobStore when a key does not exist. */
export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
}

/**
 * The few storage primitives the registry needs. Both backends give the same guarantees:
 * `writeText(key, text, "create")` is atomic and exclusive (exactly one concurrent creator wins, and
 * readers never see a partial blob), `"overwrite"` and `writeStream` replace atomically.
 */
export interface BlobStore {
  readonly kind: "file" | "azure";
  /** Where the store is, without credentials: safe to print. */
  readonly location: string;
  readText(key: string): Promise<string | undefined>;
  /** "create": returns false when the key already exists. "overwrite": always true. */
  writeText(key: string, text: string, mode: "create" | "overwrite"): Promise<boolean>;
  /**
   * Exclusive create of a blob from bytes (false when the key exists), all or nothing. `file` describes the
   * content: Azure checks the MD5 on arrival and records the sha256, so `properties` can tell an identical
   * blob from a different one without reading it.
   */
  writeBytes(key: string, body: Uint8Array, file: Pick<CardFile, "sha256" | "md5">): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Throws BlobNotFoundError when absent. With `range`, bytes [start, end) only. */
  openRead(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Write a (large) blob. `file` describes the expected content; Azure stores it as properties. */
  writeStream(key: string, body: Readable, file?: Pick<CardFile, "size" | "sha256" | "md5">): Promise<void>;
  /** Every key under a prefix (recursive), with sizes. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
  /** Names of the immediate "directories" under a prefix ending in '/'. */
  listChildren(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /**
   * Copy a blob from another store inside the storage service (no bytes through this process).
   * Returns false when the pair of stores cannot do that (the caller streams instead).
   */
  serverCopy?(from: BlobStore, fromKey: string, toKey: string, file: CardFile): Promise<boolean>;
  /**
   * Size, recorded sha256 and copy status of a blob as the service reports them (stores whose server-side
   * copies must be checked without reading the bytes back). Undefined when the blob is absent.
   */
  properties?(key: string): Promise<{ size: number; sha256?: string; copyStatus?: string } | undefined>;
}
