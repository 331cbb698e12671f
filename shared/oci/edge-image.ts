import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { shown, UserError } from "../errors";
import type { ImageSettings } from "./build-image";
import { formatPlatform, nodeArch, parsePlatform } from "./platform";
import type { LayerSpec } from "./tar-layer";

/** The model that goes into the image. */
export interface EdgeModel {
  /** Served as /v2/models/<name>; also the directory /models/<name>/. */
  name: string;
  version: string;
  /** Host path of model.onnx. */
  path: string;
  /** sha256 of model.onnx (hex or sha256:hex), recorded in the annotations. */
  sha256: string;
  /** Model card (Markdown), written next to the model. */
  card?: string;
}

export const SERVER_PORTS = { http: 8080, grpc: 8081 } as const;
export const NONROOT = "65532:65532";
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function checkName(model: EdgeModel): void {
  if (!NAME.test(model.name)) {
    throw new UserError(
      `model: name cannot be a URL path segment (got ${shown(model.name)}). Use letters, digits, . _ - (e.g. predictive-maintenance).`,
    );
  }
}

/** The model's path inside the image. */
export function modelPathInImage(model: Pick<EdgeModel, "name">): string {
  return `/models/${model.name}/model.onnx`;
}

/**
 * The layers of the edge image, cheapest to change last: the bundled server with onnxruntime's JavaScript
 * (shared by all platforms), onnxruntime's native library for each platform (only in that platform's image),
 * then the model and its card. `distDir` is the build output holding serve.js, package.json and
 * node_modules/onnxruntime-{node,common} (pruned to linux x64/arm64 by `npm run build`).
 */
export function edgeLayers(distDir: string, model: EdgeModel, platforms: string[]): LayerSpec[] {
  checkName(model);
  const serve = join(distDir, "serve.js");
  if (!existsSync(serve)) {
    throw new UserError(
      `package-edge: the bundled server is missing (got ${shown(serve)}). Run npm run build, or use the released action whose dist/ ships it.`,
    );
  }
  const ortDir = join(distDir, "node_modules", "onnxruntime-node");
  const napi = existsSync(join(ortDir, "bin"))
    ? readdirSync(join(ortDir, "bin"))
        .filter((d) => d.startsWith("napi-v"))
        .sort()
    : [];
  const napiDir = napi.at(-1);
  if (!napiDir) {
    throw new UserError(
      `package-edge: onnxruntime-node's native binaries are missing (got ${shown(join(ortDir, "bin"))}). Run npm run build so dist/node_modules holds onnxruntime-node.`,
    );
  }
  const isNative = (rel: string) => rel === "bin" || rel.startsWith("bin/");
  const server: LayerSpec = {
    name: "server",
    entries: [
      { path: "/app/serve.js", from: serve },
      // What the server loads only when used (capture, its upload to Blob Storage), beside it.
      ...(existsSync(join(distDir, "serve-chunks"))
        ? [{ path: "/app/serve-chunks", from: join(distDir, "serve-chunks") }]
        : []),
      ...(existsSync(join(distDir, "package.json"))
        ? [{ path: "/app/package.json", from: join(distDir, "package.json") }]
        : []),
      { path: "/app/node_modules/onnxruntime-node", from: ortDir, include: (rel: string) => !isNative(rel) },
      ...(existsSync(join(distDir, "node_modules", "onnxruntime-common"))
        ? [{ path: "/app/node_modules/onnxruntime-common", from: join(distDir, "node_modules", "onnxruntime-common") }]
        : []),
    ],
  };
  const native: LayerSpec[] = platforms.map((p) => {
    const platform = parsePlatform(p);
    const arch = nodeArch(platform);
    const dir = join(ortDir, "bin", napiDir, platform.os, arch ?? platform.architecture);
    if (!arch || !existsSync(dir)) {
      const have = existsSync(join(ortDir, "bin", napiDir, "linux"))
        ? readdirSync(join(ortDir, "bin", napiDir, "linux")).map((a) => `linux/${a === "x64" ? "amd64" : a}`)
        : [];
      throw new UserError(
        `platforms: onnxruntime-node has no native library for ${formatPlatform(platform)} (got ${shown(dir)}; available: ${have.join(", ") || "none"}). Build only for ${have.join(", ") || "a supported platform"}.`,
      );
    }
    return {
      name: `onnxruntime ${formatPlatform(platform)}`,
      platforms: [formatPlatform(platform)],
      entries: [{ path: `/app/node_modules/onnxruntime-node/bin/${napiDir}/${platform.os}/${arch}`, from: dir }],
    };
  });
  const modelLayer: LayerSpec = {
    name: `model ${model.name}:${model.version}`,
    entries: [
      { path: modelPathInImage(model), from: model.path },
      ...(model.card ? [{ path: `/models/${model.name}/model-card.md`, data: model.card }] : []),
    ],
  };
  return [server, ...native, modelLayer];
}

/**
 * Runtime config: `node /app/serve.js` as the non-root user 65532 with the model chosen by environment
 * (MLOPS_MODEL…, overridable with `docker run -e`), HTTP on 8080 and gRPC on 8081, a Docker HEALTHCHECK on
 * /v2/health/ready (node is the only binary we can count on), and the same probes as labels for Kubernetes.
 */
export function edgeImageSettings(model: EdgeModel): ImageSettings {
  checkName(model);
  const ready = `http://127.0.0.1:${SERVER_PORTS.http}/v2/health/ready`;
  return {
    entrypoint: ["node", "/app/serve.js"],
    cmd: [],
    env: {
      NODE_ENV: "production",
      MLOPS_MODEL: modelPathInImage(model),
      MLOPS_MODEL_NAME: model.name,
      MLOPS_MODEL_VERSION: model.version,
    },
    exposedPorts: [SERVER_PORTS.http, SERVER_PORTS.grpc],
    user: NONROOT,
    workingDir: "/app",
    stopSignal: "SIGTERM",
    healthcheck: {
      test: [
        "CMD",
        "node",
        "-e",
        `fetch(${JSON.stringify(ready)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
      ],
      intervalSeconds: 10,
      timeoutSeconds: 3,
      startPeriodSeconds: 10,
      retries: 3,
    },
    labels: {
      "io.kserve.inference.protocol": "v2",
      "io.mlops.health.ready": `:${SERVER_PORTS.http}/v2/health/ready`,
      "io.mlops.health.live": `:${SERVER_PORTS.http}/v2/health/live`,
      "io.mlops.port.http": String(SERVER_PORTS.http),
      "io.mlops.port.grpc": String(SERVER_PORTS.grpc),
    },
  };
}

/** OCI annotations (also copied to labels): where the image comes from and which model it serves. */
export function edgeAnnotations(options: {
  model: EdgeModel;
  /** e.g. https://github.com/org/repo */
  source?: string;
  /** Commit SHA. */
  revision?: string;
  title?: string;
}): Record<string, string> {
  const sha = options.model.sha256.replace(/^sha256:/, "");
  const out: Record<string, string> = {
    "org.opencontainers.image.title": options.title ?? `${options.model.name} inference server`,
    "org.opencontainers.image.version": options.model.version,
  };
  if (options.source) out["org.opencontainers.image.source"] = options.source;
  if (options.revision) out["org.opencontainers.image.revision"] = options.revision;
  out["io.mlops.model.name"] = options.model.name;
  out["io.mlops.model.version"] = options.model.version;
  out["io.mlops.model.sha256"] = `sha256:${sha}`;
  return out;
}
