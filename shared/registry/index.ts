import type { Logger } from "../log";
import { Registry } from "./registry";
import { type LocationOptions, openStore } from "./registry-location";

export type { BlobStore } from "./blob-store";
export type { AliasEvent, CardFile, Lineage, ModelCard, OnnxSignature, SourceLineage, TensorSpec } from "./model-card";
export { AliasEventSchema, ModelCardSchema } from "./model-card";
export type { ModelRef } from "./model-ref";
export { assertAlias, assertModelName, formatModelRef, parseModelRef } from "./model-ref";
export type { AuditInfo, CopyOptions, CopyResult, RegisterInput, SetAliasOptions } from "./registry";
export { Registry } from "./registry";
export type { LocationOptions, RegistryLocation } from "./registry-location";
export { DEFAULT_REGISTRY, displayLocation, openStore, parseRegistryUri, registrySecrets } from "./registry-location";
export { BlobNotFoundError } from "./blob-store";
export { HashingStream, hashFile } from "./hashing";

export interface OpenRegistryOptions extends LocationOptions {
  logger?: Logger;
  /** Clock for timestamps in cards and audit events (tests). */
  now?: () => Date;
}

/**
 * Open a registry by URI: a directory or file:// URL (empty: `.mlops/registry` in the workspace),
 * https://<account>.blob.core.windows.net/<container>/<prefix>, a path-style endpoint (Azurite), or
 * azblob://<account>/<container>/<prefix>. Nothing is contacted until the first operation.
 */
export function openRegistry(uri: string | undefined, opts: OpenRegistryOptions = {}): Registry {
  const store = openStore(uri, opts);
  return new Registry(store, { logger: opts.logger, env: opts.env, now: opts.now });
}
