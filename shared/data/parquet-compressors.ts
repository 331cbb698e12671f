/**
 * Decompressors for Parquet pages. hyparquet alone reads SNAPPY (in JavaScript) and UNCOMPRESSED;
 * hyparquet-compressors adds SNAPPY in WebAssembly (faster: a third of the parse time went to snappy),
 * LZ4 and ZSTD. GZIP and BROTLI use Node's own zlib, and ZSTD too where Node has it (22.15 and later).
 * Loaded on the first Parquet read, so actions that read CSV do not load it.
 */
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import * as zlib from "node:zlib";
import type { Compressors } from "hyparquet";
import { compressors as bundled } from "hyparquet-compressors";

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;
const nativeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const compressors: Compressors = {
  ...bundled,
  GZIP: ((input) => bytes(gunzipSync(input))) as Decompress,
  BROTLI: ((input) => bytes(brotliDecompressSync(input))) as Decompress,
  ...(nativeZstd ? { ZSTD: ((input) => bytes(nativeZstd(input))) as Decompress } : {}),
};
