/**
 * Where ONNX Runtime comes from. dist/ ships onnxruntime-node with its Linux x64 and arm64 binaries only
 * (the platforms of GitHub's Linux runners and of the edge image). A clone, or a project that installed the
 * CLI, may also have the full onnxruntime-node package in its node_modules, which carries the binaries of
 * every platform it supports (macOS arm64, Windows x64 and arm64 besides Linux): when the bundled copy lacks
 * this machine's binary, that one is used, so a data scientist's Mac runs `npm run demo` and the CLI.
 * On a runner nothing else is installed beside the action, so an unsupported platform is refused with one line.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The platforms whose binaries dist/ carries (as Node names them). */
export const BUNDLED_PLATFORMS = ["linux/x64", "linux/arm64"] as const;

/** onnxruntime-node's binding for a platform inside a package directory. */
export function bindingPath(packageDir: string, platform: string, arch: string): string {
  return join(packageDir, "bin", "napi-v6", platform, arch, "onnxruntime_binding.node");
}

/** The first package directory that has this platform's binding, or undefined. */
export function locateOnnxRuntime(o: {
  platform: string;
  arch: string;
  candidates: readonly (string | undefined)[];
  exists?: (path: string) => boolean;
}): string | undefined {
  const exists = o.exists ?? existsSync;
  return o.candidates.find((dir): dir is string => !!dir && exists(bindingPath(dir, o.platform, o.arch)));
}

/** The package directory of onnxruntime-node as Node resolves it from `from` (a file path), or undefined. */
function resolvePackage(from: string): string | undefined {
  try {
    let dir = dirname(createRequire(from).resolve("onnxruntime-node"));
    while (basename(dir) !== "onnxruntime-node" || !existsSync(join(dir, "package.json"))) {
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * Where to look, in order: the copy Node resolves from the running file (dist/node_modules in the bundle,
 * the project's node_modules when run from the sources), then what the folder holding dist/ resolves
 * (a clone's node_modules, or the project that installed the package).
 */
export function onnxRuntimeCandidates(fromUrl: string): string[] {
  const from = fileURLToPath(fromUrl);
  const nearest = resolvePackage(from);
  const candidates = nearest ? [nearest] : [];
  // <root>/dist/node_modules/onnxruntime-node -> resolve from <root>, which never looks inside dist/.
  const bundleDir = nearest && basename(dirname(nearest)) === "node_modules" ? dirname(dirname(nearest)) : undefined;
  const outer = bundleDir ? resolvePackage(join(dirname(bundleDir), "package.json")) : undefined;
  if (outer && outer !== nearest) candidates.push(outer);
  return candidates;
}

/** This machine's onnxruntime-node package directory, or undefined when none has its binary. */
export function findOnnxRuntime(fromUrl: string, platform = process.platform, arch = process.arch): string | undefined {
  return locateOnnxRuntime({ platform, arch, candidates: onnxRuntimeCandidates(fromUrl) });
}

const OS_NAMES: Record<string, string> = { darwin: "macOS", win32: "Windows", linux: "Linux" };

/** One line saying what runs where, for a machine without a usable ONNX Runtime. */
export function unsupportedPlatformMessage(platform: string, arch: string, where: "runner" | "cli"): string {
  const here = `${OS_NAMES[platform] ?? platform} ${arch} (${platform}/${arch})`;
  const head = `platform: mlops-actions runs on Linux x64 and arm64 (got ${here}).`;
  return where === "runner"
    ? `${head} Run the job on a Linux runner, e.g. runs-on: ubuntu-latest or ubuntu-24.04-arm.`
    : `${head} From a clone, npm ci installs onnxruntime-node for this machine if it supports it (macOS arm64, Windows x64 and arm64); or run the CLI on Linux.`;
}
