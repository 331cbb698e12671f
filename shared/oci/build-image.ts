import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { Credentials } from "./auth";
import { insertionOrderJson, checkDigest, sha256Digest } from "./digest";
import { formatImageRef, type ImageRef, manifestReference, parseImageRef } from "./image-ref";
import { type BaseSource, LayoutSource, parseLayoutRef } from "./layout-source";
import {
  type ContainerConfig,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  ociLayerMediaType,
  type Platform,
} from "./media-types";
import { formatPlatform, parsePlatform, platformMatches } from "./platform";
import { RegistryClient } from "./registry-client";
import { type BuiltLayer, buildLayer, type LayerSpec } from "./tar-layer";

/** What the container runs, merged over the base image's config. */
export interface ImageSettings {
  entrypoint?: string[];
  /** Default `[]` (the entrypoint carries the arguments); the base's Cmd is dropped when an entrypoint is set. */
  cmd?: string[];
  /** Merged over the base's Env by name. */
  env?: Record<string, string>;
  /** e.g. [8080, 8081] → `8080/tcp`; strings such as "8081/tcp" pass through. */
  exposedPorts?: (number | string)[];
  /** e.g. "65532:65532" (non-root). */
  user?: string;
  workingDir?: string;
  /** Merged over the base's labels and the annotations. */
  labels?: Record<string, string>;
  stopSignal?: string;
  /** Docker's HEALTHCHECK (honoured by Docker and Podman in docker format; Kubernetes uses its own probes). */
  healthcheck?: {
    /** e.g. ["CMD", "node", "-e", "…"]. */
    test: string[];
    intervalSeconds?: number;
    timeoutSeconds?: number;
    startPeriodSeconds?: number;
    retries?: number;
  };
}

export interface BuildImageOptions {
  /** Base image reference, e.g. `node:24-bookworm-slim` or `myacr.azurecr.io/base/node:24`. */
  base: string;
  /** e.g. ["linux/amd64", "linux/arm64"]. */
  platforms: string[];
  /**
   * Layers appended on top of the base, in order. A layer with `platforms` only goes into those images.
   * A function receives the base as resolved (name and digest), e.g. to record it in a file of the image.
   */
  layers: LayerSpec[] | ((base: ResolvedBase) => LayerSpec[]);
  config: ImageSettings;
  /** OCI annotations for the manifests and the index (also copied into the config labels). */
  annotations?: Record<string, string>;
  /** Every timestamp in the image (file mtimes, `created`, history) in seconds since the epoch. */
  sourceDateEpoch: number;
  /** Credentials for the base image's registry. */
  auth?: Credentials;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Default 6. */
  gzipLevel?: number;
  /** Plain HTTP to the base registry (default: only for localhost). */
  insecure?: boolean;
}

/** Where the bytes of a blob are: in memory (our layers, configs) or in the base image's repository. */
export interface BlobRef {
  digest: string;
  size: number;
  mediaType: string;
  data?: Buffer;
  source?: { client: BaseSource; repository: string };
}

export interface LayerInfo {
  name: string;
  digest: string;
  size: number;
  mediaType: string;
  fromBase: boolean;
}

export interface PlatformImage {
  platform: string;
  digest: string;
  bytes: Buffer;
  manifest: ImageManifest;
  config: ImageConfig;
  configDigest: string;
  layers: LayerInfo[];
}

/** The base image as the build resolved it: the reference without digest, and the digest its tag pointed to. */
export interface ResolvedBase {
  name: string;
  digest: string;
}

export interface BuiltImage {
  /** Digest of the image index: the image's identity (`repo@digest`). */
  digest: string;
  index: ImageIndex;
  indexBytes: Buffer;
  manifests: PlatformImage[];
  /** Every blob the image needs (configs and layers of all platforms), by digest. */
  blobs: Map<string, BlobRef>;
  base: { ref: ImageRef; name: string; digest: string };
}

/**
 * Builds a multi-platform OCI image without a container engine: reads the base image's index/manifest and
 * config from its registry, appends reproducible layers, writes a config, one manifest per platform and an
 * image index. Nothing is uploaded; base layers are referenced and fetched only when pushed or written.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(options.sourceDateEpoch) || options.sourceDateEpoch < 0) {
    throw new UserError(
      `source-date-epoch: must be a whole number of seconds since 1970 (got ${shown(options.sourceDateEpoch)}). Use the commit time: git log -1 --format=%ct.`,
    );
  }
  if (options.platforms.length === 0) {
    throw new UserError(`platforms: no platform given (got []). Set platforms: linux/amd64,linux/arm64.`);
  }
  const platforms = options.platforms.map((p) => parsePlatform(p));
  const layoutRef = parseLayoutRef(options.base);
  const ref = layoutRef ?? parseImageRef(options.base, "base-image");
  const client: BaseSource = layoutRef
    ? new LayoutSource()
    : new RegistryClient({
        registry: ref.registry,
        credentials: options.auth,
        fetch: options.fetch,
        logger,
        insecure: options.insecure,
      });
  const created = new Date(options.sourceDateEpoch * 1000).toISOString().replace(/\.000Z$/, "Z");
  const top = await client.getManifest(ref.repository, manifestReference(ref));
  if (!top) {
    throw new UserError(
      `base-image: not found (got ${shown(formatImageRef(ref))}). Check the name and tag, or push the base image to that registry first.`,
    );
  }
  const blobs = new Map<string, BlobRef>();
  const builtLayers = new Map<LayerSpec, BuiltLayer>();
  const manifests: PlatformImage[] = [];
  const baseName = formatImageRef({ ...ref, digest: undefined });
  const resolvedBase: ResolvedBase = { name: baseName, digest: top.digest };
  const layerSpecs = typeof options.layers === "function" ? options.layers(resolvedBase) : options.layers;
  for (const layer of layerSpecs) for (const p of layer.platforms ?? []) parsePlatform(p, `layer ${layer.name}`);
  for (const platform of platforms) {
    const wanted = formatPlatform(platform);
    const baseManifest = await resolvePlatformManifest(client, ref, top, platform);
    const manifest = JSON.parse(baseManifest.bytes.toString("utf8")) as ImageManifest;
    checkDigest(manifest.config?.digest, `base-image ${shown(baseName)} config`);
    const baseConfig = JSON.parse(
      (await client.getBlob(ref.repository, manifest.config.digest, manifest.config.size)).toString("utf8"),
    ) as ImageConfig;
    if (
      !platformMatches(platform, {
        os: baseConfig.os,
        architecture: baseConfig.architecture,
        variant: baseConfig.variant,
      })
    ) {
      throw new UserError(
        `platforms: base image is ${baseConfig.os}/${baseConfig.architecture}, not ${wanted} (got ${shown(formatImageRef(ref))}). Use a multi-arch base image or drop ${wanted}.`,
      );
    }
    const layers: LayerInfo[] = [];
    const descriptors: Descriptor[] = [];
    for (const l of manifest.layers) {
      checkDigest(l.digest, `base-image ${shown(baseName)} layer`);
      const mediaType = ociLayerMediaType(l.mediaType);
      descriptors.push({ mediaType, digest: l.digest, size: l.size });
      layers.push({ name: "base", digest: l.digest, size: l.size, mediaType, fromBase: true });
      if (!blobs.has(l.digest)) {
        blobs.set(l.digest, {
          digest: l.digest,
          size: l.size,
          mediaType,
          source: { client, repository: ref.repository },
        });
      }
    }
    const diffIds = [...baseConfig.rootfs.diff_ids];
    const history: HistoryEntry[] = [...(baseConfig.history ?? [])];
    for (const spec of layerSpecs) {
      if (spec.platforms && !spec.platforms.some((p) => platformMatches(platform, parsePlatform(p)))) continue;
      let built = builtLayers.get(spec);
      if (!built) {
        built = await buildLayer(spec, { mtime: options.sourceDateEpoch, gzipLevel: options.gzipLevel });
        builtLayers.set(spec, built);
        logger.debug(`layer ${spec.name}: ${built.digest} (${built.size} bytes, ${built.entries} entries)`);
      }
      descriptors.push({ mediaType: built.mediaType, digest: built.digest, size: built.size });
      layers.push({
        name: spec.name,
        digest: built.digest,
        size: built.size,
        mediaType: built.mediaType,
        fromBase: false,
      });
      blobs.set(built.digest, { digest: built.digest, size: built.size, mediaType: built.mediaType, data: built.blob });
      diffIds.push(built.diffId);
      history.push({ created, created_by: `package-edge: ${spec.name}` });
    }
    const config = imageConfig(baseConfig, options, created, diffIds, history, resolvedBase);
    const configBytes = insertionOrderJson(config);
    const configDigest = sha256Digest(configBytes);
    blobs.set(configDigest, {
      digest: configDigest,
      size: configBytes.length,
      mediaType: OCI_CONFIG,
      data: configBytes,
    });
    const out: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
      layers: descriptors,
      annotations: {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.base.name": baseName,
        "org.opencontainers.image.base.digest": baseManifest.digest,
        ...options.annotations,
      },
    };
    const bytes = insertionOrderJson(out);
    manifests.push({
      platform: wanted,
      digest: sha256Digest(bytes),
      bytes,
      manifest: out,
      config,
      configDigest,
      layers,
    });
  }
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: manifests.map((m) => ({
      mediaType: OCI_MANIFEST,
      digest: m.digest,
      size: m.bytes.length,
      platform: platformOf(m.config),
    })),
    annotations: {
      "org.opencontainers.image.created": created,
      "org.opencontainers.image.base.name": baseName,
      "org.opencontainers.image.base.digest": top.digest,
      ...options.annotations,
    },
  };
  const indexBytes = insertionOrderJson(index);
  return {
    digest: sha256Digest(indexBytes),
    index,
    indexBytes,
    manifests,
    blobs,
    base: { ref, name: baseName, digest: top.digest },
  };
}

async function resolvePlatformManifest(
  client: BaseSource,
  ref: ImageRef,
  top: { bytes: Buffer; mediaType: string; digest: string },
  platform: Platform,
): Promise<{ bytes: Buffer; digest: string }> {
  if (!isIndexMediaType(top.mediaType)) return top;
  const index = JSON.parse(top.bytes.toString("utf8")) as ImageIndex;
  const entry = index.manifests.find((m) => !isIndexMediaType(m.mediaType) && platformMatches(platform, m.platform));
  if (!entry) {
    const available = index.manifests
      .map((m) => m.platform)
      .filter((p): p is Platform => p !== undefined && p.os !== "unknown")
      .map(formatPlatform);
    throw new UserError(
      `platforms: base image has no ${formatPlatform(platform)} variant (got ${shown(formatImageRef(ref))} with ${available.join(", ") || "no platforms"}). Use one of those platforms or another base image.`,
    );
  }
  const m = await client.getManifest(
    ref.repository,
    checkDigest(entry.digest, `base-image ${shown(formatImageRef(ref))} index`),
  );
  if (!m) {
    throw new UserError(
      `base-image: the index lists ${entry.digest} for ${formatPlatform(platform)} but it is missing (got ${shown(formatImageRef(ref))}). Copy the base image again with every platform (skopeo copy --all).`,
    );
  }
  return m;
}

function platformOf(config: ImageConfig): Platform {
  const p: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant) p.variant = config.variant;
  return p;
}

function imageConfig(
  base: ImageConfig,
  options: BuildImageOptions,
  created: string,
  diffIds: string[],
  history: HistoryEntry[],
  resolvedBase: ResolvedBase,
): ImageConfig {
  const settings = options.config;
  const b = base.config ?? {};
  const env = new Map<string, string>();
  for (const e of b.Env ?? []) {
    const i = e.indexOf("=");
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? "" : e.slice(i + 1));
  }
  for (const [k, v] of Object.entries(settings.env ?? {})) env.set(k, v);
  const ports: Record<string, Record<string, never>> = { ...b.ExposedPorts };
  for (const p of settings.exposedPorts ?? []) ports[typeof p === "number" ? `${p}/tcp` : p] = {};
  // The base as resolved, so `docker inspect` shows what a moving tag pointed to (OCI annotation keys, which
  // replace any the base carries about its own base): the index digest, what `name@digest` pins.
  const labels: Record<string, string> = {
    ...b.Labels,
    "org.opencontainers.image.base.name": resolvedBase.name,
    "org.opencontainers.image.base.digest": resolvedBase.digest,
    ...options.annotations,
    ...settings.labels,
  };
  const c: ContainerConfig = {};
  const user = settings.user ?? b.User;
  if (user) c.User = user;
  if (Object.keys(ports).length > 0) c.ExposedPorts = sortKeys(ports);
  c.Env = [...env].map(([k, v]) => `${k}=${v}`);
  const entrypoint = settings.entrypoint ?? b.Entrypoint ?? undefined;
  if (entrypoint) c.Entrypoint = entrypoint;
  const cmd = settings.cmd ?? (settings.entrypoint ? [] : (b.Cmd ?? undefined));
  if (cmd && cmd.length > 0) c.Cmd = cmd;
  if (b.Volumes) c.Volumes = b.Volumes;
  const workingDir = settings.workingDir ?? b.WorkingDir;
  if (workingDir) c.WorkingDir = workingDir;
  if (Object.keys(labels).length > 0) c.Labels = sortKeys(labels);
  const stop = settings.stopSignal ?? b.StopSignal;
  if (stop) c.StopSignal = stop;
  const hc = settings.healthcheck;
  if (hc) {
    const ns = (sec: number | undefined) => (sec === undefined ? undefined : sec * 1e9);
    c.Healthcheck = {
      Test: hc.test,
      ...(hc.intervalSeconds !== undefined ? { Interval: ns(hc.intervalSeconds) } : {}),
      ...(hc.timeoutSeconds !== undefined ? { Timeout: ns(hc.timeoutSeconds) } : {}),
      ...(hc.startPeriodSeconds !== undefined ? { StartPeriod: ns(hc.startPeriodSeconds) } : {}),
      ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
    };
  } else if (b.Healthcheck) c.Healthcheck = b.Healthcheck;
  return {
    created,
    architecture: base.architecture,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    config: c,
    rootfs: { type: "layers", diff_ids: diffIds },
    history,
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
