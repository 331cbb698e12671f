import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { insertionOrderJson, digestHex, sha256Digest } from "../../shared/oci/digest";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from "../../shared/oci/media-types";
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "../../shared/oci/media-types";
import { buildLayer, type LayerEntry } from "../../shared/oci/tar-layer";
import { tool } from "./tools";

const execFileAsync = promisify(execFile);

/**
 * A minimal glibc Node.js base image built from this machine: its own `node` binary plus the shared libraries
 * `ldd` lists for node and for onnxruntime-node's native binding, /etc/passwd with a non-root user 65532 and a
 * /tmp. Written as an OCI layout (optionally with a linux/arm64 stub so the index is multi-arch) and pushed
 * with `skopeo copy --all`, so the image our code builds on was put in the registry by a third-party tool.
 */

export function baseImageAvailability() {
  const s = tool("skopeo", "apt-get install -y skopeo");
  if (!s.ok) return s;
  return tool("ldd", "glibc's ldd (libc-bin)");
}

export const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
export const GROUP = "root:x:0:\nnonroot:x:65532:\n";

/** Host libraries (path as ldd prints it) that node and onnxruntime need. */
export function hostLibraries(): string[] {
  const require = createRequire(import.meta.url);
  const binaries = [realpathSync(process.execPath)];
  try {
    const ortDir = join(dirname(require.resolve("onnxruntime-node/package.json")), "bin/napi-v6/linux/x64");
    binaries.push(join(ortDir, "onnxruntime_binding.node"), join(ortDir, "libonnxruntime.so.1"));
  } catch {
    /* onnxruntime-node absent: node alone */
  }
  const libs = new Set<string>();
  for (const bin of binaries) {
    const out = execFileSync("ldd", [bin], { encoding: "utf8" });
    for (const line of out.split("\n")) {
      const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1] && !m[1].includes("onnxruntime")) libs.add(m[1]);
    }
  }
  return [...libs].sort();
}

export interface BaseLayoutOptions {
  /** Put the host's node + libraries in (about 40 MB gzipped); otherwise only /etc files (fast, for auth tests). */
  withNode: boolean;
  /** Add a linux/arm64 image (an /etc/arch marker only, it cannot run) so the base is a multi-arch index. */
  arm64Stub?: boolean;
  mtime?: number;
}

/** Writes the base as an OCI layout in `dir` with the tag `base`. */
export async function writeBaseLayout(dir: string, options: BaseLayoutOptions): Promise<void> {
  const mtime = options.mtime ?? 1_700_000_000;
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256Digest(data);
    writeFileSync(join(dir, "blobs/sha256", digestHex(digest)), data);
    return digest;
  };
  const etc: LayerEntry[] = [
    { path: "/etc/passwd", data: PASSWD },
    { path: "/etc/group", data: GROUP },
    { path: "/tmp", directory: true, mode: 0o1777 },
    { path: "/home/nonroot", directory: true },
  ];
  const image = async (arch: "amd64" | "arm64", entries: LayerEntry[]): Promise<Descriptor> => {
    const layer = await buildLayer({ name: `base ${arch}`, entries }, { mtime, gzipLevel: 1 });
    const layerDigest = put(layer.blob);
    const config: ImageConfig = {
      created: new Date(mtime * 1000).toISOString(),
      architecture: arch,
      os: "linux",
      ...(arch === "arm64" ? { variant: "v8" } : {}),
      config: {
        Env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          `NODE_VERSION=${process.versions.node}`,
        ],
        Cmd: ["node"],
        Labels: { "test.base": "host-node" },
      },
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{ created: new Date(mtime * 1000).toISOString(), created_by: "test base image" }],
    };
    const configBytes = insertionOrderJson(config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: put(configBytes), size: configBytes.length },
      layers: [{ mediaType: layer.mediaType, digest: layerDigest, size: layer.size }],
    };
    const bytes = insertionOrderJson(manifest);
    return {
      mediaType: OCI_MANIFEST,
      digest: put(bytes),
      size: bytes.length,
      platform: { architecture: arch, os: "linux", ...(arch === "arm64" ? { variant: "v8" } : {}) },
    };
  };
  const amd64: LayerEntry[] = [...etc];
  if (options.withNode) {
    amd64.push({ path: "/usr/bin/node", from: realpathSync(process.execPath) });
    for (const lib of hostLibraries()) amd64.push({ path: lib, from: realpathSync(lib) });
  }
  const manifests = [await image("amd64", amd64)];
  if (options.arm64Stub) manifests.push(await image("arm64", [...etc, { path: "/etc/arch", data: "arm64\n" }]));
  writeLayoutIndex(dir, manifests, "base", put);
}

/**
 * Finishes an OCI layout in `dir`: the image index of `manifests` as a blob, index.json naming it `tag`
 * (org.opencontainers.image.ref.name, as skopeo writes it) and the oci-layout marker. Returns the index digest.
 */
export function writeLayoutIndex(
  dir: string,
  manifests: Descriptor[],
  tag: string,
  put: (data: Buffer) => string,
): string {
  const index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
  const indexBytes = insertionOrderJson(index);
  const digest = put(indexBytes);
  const top = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_INDEX,
        digest,
        size: indexBytes.length,
        annotations: { "org.opencontainers.image.ref.name": tag },
      },
    ],
  };
  writeFileSync(join(dir, "index.json"), insertionOrderJson(top));
  writeFileSync(join(dir, "oci-layout"), insertionOrderJson({ imageLayoutVersion: "1.0.0" }));
  return digest;
}

/**
 * Runs a tool asynchronously (the test registry's proxy lives in this process, so a synchronous child would
 * deadlock it); rejects with the tool's stderr.
 */
export async function run(cmd: string, args: string[], timeoutMs = 90_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr || err.message}`);
  }
}

/** `skopeo copy --all <source> docker://<dest>` over plain HTTP. */
export async function skopeoCopyToRegistry(source: string, dest: string, creds?: string): Promise<void> {
  const args = ["copy", "--all", "--quiet", "--dest-tls-verify=false"];
  if (creds) args.push("--dest-creds", creds);
  await run("skopeo", [...args, source, `docker://${dest}`]);
}

/** `skopeo inspect [--raw|--config]` of an image in a plain-HTTP registry. */
export async function skopeoInspect(
  ref: string,
  mode: "raw" | "config" | "plain" = "plain",
  creds?: string,
): Promise<unknown> {
  const args = ["inspect", "--tls-verify=false"];
  if (mode !== "plain") args.push(`--${mode}`);
  if (creds) args.push("--creds", creds);
  return JSON.parse(await run("skopeo", [...args, `docker://${ref}`]));
}
