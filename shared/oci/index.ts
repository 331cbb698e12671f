/**
 * Daemonless OCI images for the edge: build a multi-platform image on a base from any registry, push it to OCI
 * distribution registries (anonymous, basic, bearer, ACR via Entra ID), or write it as an OCI layout/archive.
 */
export {
  ACR_AAD_SCOPE,
  ANONYMOUS,
  type AzureTokenCredential,
  acrCredentials,
  basicCredentials,
  type Credentials,
} from "./auth";
export {
  type BlobRef,
  type BuildImageOptions,
  type BuiltImage,
  buildImage,
  type ImageSettings,
  type LayerInfo,
  type PlatformImage,
  type ResolvedBase,
} from "./build-image";
export {
  type EdgeModel,
  edgeAnnotations,
  edgeImageSettings,
  edgeLayers,
  modelPathInImage,
  NONROOT,
  SERVER_PORTS,
} from "./edge-image";
export { formatImageRef, type ImageRef, parseImageRef } from "./image-ref";
export { formatBytes, renderImageMarkdown } from "./image-summary";
export { type BaseSource, LAYOUT_REGISTRY, LayoutSource, parseLayoutRef } from "./layout-source";
export type { Platform } from "./media-types";
export { checkModelLoads } from "./model-check";
export { type LayoutResult, type LayoutTarget, writeOciLayout } from "./oci-layout";
export { formatPlatform, nodeArch, parsePlatform } from "./platform";
export { type PushOptions, type PushResult, pushImage } from "./push-image";
export { RegistryClient, type RegistryClientOptions } from "./registry-client";
export { sourceDateEpoch } from "./source-date-epoch";
export type { LayerEntry, LayerSpec } from "./tar-layer";
export { layoutImageConfig, unpackLayout } from "./unpack-layout";
