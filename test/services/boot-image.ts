/**
 * Starts one platform's image from an OCI layout the way a container runtime would, without one: its layers
 * unpacked in order with GNU tar, then its Entrypoint + Cmd with its Env, as its User. linux/amd64 runs
 * natively, linux/arm64 under Debian's qemu-user-static. As root (CI): chroot into the rootfs as the image's
 * user, with qemu-aarch64-static copied in for arm64 (how a foreign chroot runs without binfmt). Otherwise:
 * the image's own dynamic loader with the image's library directories (amd64), or qemu's -L prefix (arm64),
 * with the image's absolute paths mapped into the rootfs.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ImageConfig, ImageIndex, ImageManifest } from "../../shared/oci/media-types";
import { loopbackHttpFlags } from "./serve-process";
import { freePort } from "./tools";

const execFileAsync = promisify(execFile);
const blob = (layout: string, digest: string) => join(layout, "blobs", ...digest.split(":"));

/** The manifest and config of `platform` (e.g. linux/arm64) in a layout's image index. */
export function platformImage(layout: string, platform: string): { manifest: ImageManifest; config: ImageConfig } {
  const [os, architecture] = platform.split("/");
  let index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as ImageIndex;
  for (let depth = 0; depth < 3; depth++) {
    const entry =
      index.manifests.find((m) => m.platform?.os === os && m.platform?.architecture === architecture) ??
      (index.manifests.length === 1 && !index.manifests[0]!.platform ? index.manifests[0] : undefined);
    if (!entry) throw new Error(`${layout}: no ${platform} image`);
    const doc = JSON.parse(readFileSync(blob(layout, entry.digest), "utf8")) as ImageIndex | ImageManifest;
    if ("layers" in doc) {
      const config = JSON.parse(readFileSync(blob(layout, doc.config.digest), "utf8")) as ImageConfig;
      return { manifest: doc, config };
    }
    index = doc;
  }
  throw new Error(`${layout}: image indexes nested too deeply`);
}

/** Extracts the platform's layers into `rootfs` with tar; returns the image config. */
export async function unpackImage(layout: string, platform: string, rootfs: string): Promise<ImageConfig> {
  const { manifest, config } = platformImage(layout, platform);
  mkdirSync(rootfs, { recursive: true });
  for (const layer of manifest.layers) await execFileAsync("tar", ["-xzf", blob(layout, layer.digest), "-C", rootfs]);
  return config;
}

/** The ELF machine of a file (62 = x86-64, 183 = AArch64). */
export function elfMachine(file: string): number {
  const head = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  return head.readUInt16LE(18);
}

const isRoot = () => process.getuid?.() === 0;
const chroot = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v chroot"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** `node` on the image's PATH, as an absolute path inside the image. */
function inImagePath(rootfs: string, cmd: string, env: Record<string, string>): string {
  if (cmd.startsWith("/")) return cmd;
  for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":"))
    if (existsSync(join(rootfs, dir, cmd))) return `${dir}/${cmd}`;
  throw new Error(`${cmd} is not on the image's PATH`);
}

export interface BootedServer {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** The image's environment (config Env, `NAME=value` lines) as a map. */
export function imageEnv(config: ImageConfig): Record<string, string> {
  const lines = config.config?.Env ?? [];
  return Object.fromEntries(lines.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/**
 * Boots the edge server image of `platform` from `rootfs` (already unpacked) with its config, on 127.0.0.1
 * and a free port (our flags appended, as `docker run image --flags` would), and waits until it is ready.
 */
export async function bootServer(rootfs: string, config: ImageConfig, platform: string): Promise<BootedServer> {
  const c = config.config ?? {};
  const env = imageEnv(config);
  const port = await freePort();
  const [cmd, ...args] = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  const argv = [inImagePath(rootfs, cmd!, env), ...args, ...loopbackHttpFlags(port)];
  const arm64 = platform === "linux/arm64";
  let child: ChildProcess;
  if (isRoot() && chroot) {
    const prefix: string[] = [];
    if (arm64) {
      const qemu = execFileSync("sh", ["-c", "command -v qemu-aarch64-static"], { encoding: "utf8" }).trim();
      mkdirSync(join(rootfs, "usr/bin"), { recursive: true });
      copyFileSync(qemu, join(rootfs, "usr/bin/qemu-aarch64-static"));
      prefix.push("/usr/bin/qemu-aarch64-static");
    }
    child = spawn(chroot, [`--userspec=${c.User ?? "0:0"}`, rootfs, ...prefix, ...argv], {
      cwd: rootfs,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } else if (arm64) {
    child = spawn("qemu-aarch64-static", ["-L", rootfs, join(rootfs, argv[0]!), ...argv.slice(1)], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } else {
    const map = (a: string) => (/^\/(app|models)\//.test(a) ? join(rootfs, a) : a);
    const libs = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"].map((d) => join(rootfs, d)).join(":");
    child = spawn(
      join(rootfs, "lib64/ld-linux-x86-64.so.2"),
      ["--library-path", libs, join(rootfs, argv[0]!), ...argv.slice(1).map(map)],
      { env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map(v)])), stdio: ["ignore", "pipe", "pipe"] },
    );
  }
  let log = "";
  child.stdout?.on("data", (d) => (log = (log + d).slice(-8000)));
  child.stderr?.on("data", (d) => (log = (log + d).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  // Ready when /v2/health/ready answers 200 (bounded: emulated arm64 starts in seconds, not minutes).
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${platform} server exited: ${log}`);
    const ok = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${platform} server not ready in time: ${log}`);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
  }
  return { url, child, log: () => log, stop };
}
