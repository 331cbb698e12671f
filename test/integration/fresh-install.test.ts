/**
 * A fresh `npm ci` with this repository's .npmrc, offline from the local npm cache (filled by the install
 * that came before the tests): onnxruntime-node's install script must not run (it downloads CUDA libraries
 * from NuGet on linux/x64, which fails without network), and npm must print no warning about the
 * configuration. The project is onnxruntime-node with its locked dependencies, taken from package-lock.json,
 * so the install is quick and exercises the package whose script matters.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "../harness/run-action";

const execFileAsync = promisify(execFile);

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}

/** package.json and package-lock.json of a project that depends on `root` only, from the repository's lock. */
function subsetProject(root: string): { manifest: unknown; lock: unknown } {
  const full = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
    lockfileVersion: number;
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, LockEntry> = {};
  const queue = [`node_modules/${root}`];
  while (queue.length) {
    const key = queue.pop()!;
    if (packages[key]) continue;
    const entry = full.packages[key];
    if (!entry) throw new Error(`${key} is not in package-lock.json`);
    packages[key] = { ...entry, dev: undefined, devOptional: undefined, peer: undefined } as LockEntry;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      // Node's resolution: a copy nested under this package first, else the hoisted one.
      const nested = `${key}/node_modules/${dep}`;
      queue.push(full.packages[nested] ? nested : `node_modules/${dep}`);
    }
  }
  const version = packages[`node_modules/${root}`]!.version;
  const manifest = { name: "fresh-install", version: "1.0.0", private: true, dependencies: { [root]: version } };
  return {
    manifest,
    lock: {
      name: "fresh-install",
      version: "1.0.0",
      lockfileVersion: full.lockfileVersion,
      requires: true,
      packages: { "": { name: "fresh-install", version: "1.0.0", dependencies: { [root]: version } }, ...packages },
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "mlops-fresh-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm ci with the repository's .npmrc skips onnxruntime-node's download and prints no warning", async () => {
  const { manifest, lock } = subsetProject("onnxruntime-node");
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
  cpSync(join(repoRoot, ".npmrc"), join(dir, ".npmrc"));
  // A clean environment: nothing from the npm that may be running this test (npm_config_*), no
  // ONNXRUNTIME_NODE_INSTALL; the user's npm cache, read offline.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dir,
    npm_config_cache: join(process.env.HOME ?? "", ".npm"),
  };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  const { stdout, stderr } = await execFileAsync("npm", ["ci", "--offline", "--no-audit", "--no-fund"], {
    cwd: dir,
    env,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`npm ci failed: ${e.stderr || e.message}`);
  });
  const output = `${stdout}\n${stderr}`;
  expect(output).not.toMatch(/Unknown (project|user|env) config/);
  expect(output).not.toMatch(/install-scripts|postinstall/);
  // Node 20 is below some Azure SDK packages' engines; nothing else may warn.
  expect(output.split("\n").filter((l) => /npm (warn|error)/i.test(l) && !/EBADENGINE/.test(l))).toEqual([]);
  const ort = join(dir, "node_modules/onnxruntime-node");
  expect(existsSync(join(ort, `bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`))).toBe(true);
  // What the install script would have fetched on linux/x64.
  expect(
    existsSync(join(ort, `bin/napi-v6/${process.platform}/${process.arch}/libonnxruntime_providers_cuda.so`)),
  ).toBe(false);
}, 300_000);
