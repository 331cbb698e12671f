/**
 * The CLI outside a clone, as a team installs it into its own model repository: the tarball `npm pack`
 * makes, installed into an empty project without the registry (--offline: the package must carry everything
 * it needs), then `npx mlops compare-models` on a model and a CSV there. An install from the Git repository
 * packs the same committed files (check-dist keeps dist/ current), after cloning the whole history, which
 * would double this file's time for no other finding.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { repoRoot } from "../harness/run-action";

const execFileAsync = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "mlops-cli-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** npm or npx with a clean environment: none of the npm_config_* of an npm that may run this test. */
async function npm(cmd: "npm" | "npx", args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await execFileAsync(cmd, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work, ...env },
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr || err.message}\n${err.stdout ?? ""}`);
  }
}

/** An empty model repository with a model and held-out data. */
function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "data"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true }));
  writeFileSync(
    join(dir, "model.onnx"),
    encodeModel(linearClassifierModel({ coefficients: [[2, -1]], intercepts: [0] })),
  );
  const rows = ["temperature,vibration,failure"];
  for (let i = 0; i < 300; i++) {
    const t = (i % 13) / 13;
    const v = (i % 7) / 7;
    rows.push(`${t},${v},${2 * t - v > 0.3 ? 1 : 0}`);
  }
  writeFileSync(join(dir, "data/holdout.csv"), `${rows.join("\n")}\n`);
  return dir;
}

/** `npx mlops compare-models` in the project, as the README shows it. */
async function compare(dir: string): Promise<Record<string, string>> {
  const { stdout } = await npm(
    "npx",
    [
      "--offline",
      "mlops",
      "compare-models",
      "--candidate",
      "./model.onnx",
      "--champion",
      "./model.onnx",
      "--data",
      "data/holdout.csv",
      "--label",
      "failure",
      "--fail-on-reject",
      "false",
      "--json",
    ],
    dir,
  );
  return JSON.parse(stdout) as Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Record<string, unknown>;

it("declares no runtime dependency: dist/ bundles them (a new one belongs in devDependencies)", () => {
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.bin).toEqual({ mlops: "dist/cli.js" });
});

let tarball: string;
beforeAll(async () => {
  const { stdout } = await npm("npm", ["pack", "--json", "--pack-destination", work], repoRoot);
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed!.filename);
  writeFileSync(join(work, "files.json"), JSON.stringify(packed!.files.map((f) => f.path)));
}, 240_000);

it("the tarball carries dist/, onnxruntime's Linux binaries and the action metadata, and no sources", () => {
  const files = JSON.parse(readFileSync(join(work, "files.json"), "utf8")) as string[];
  for (const f of [
    "dist/cli.js",
    "dist/serve.js",
    "dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node",
    "dist/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node",
    "actions/compare-models/action.yml",
    "package.json",
  ])
    expect(files).toContain(f);
  expect(
    files.filter((f) => !/^(dist\/|actions\/[a-z-]+\/(action\.yml|README\.md)$|README\.md$|package\.json$)/.test(f)),
  ).toEqual([]);
});

it("installs from the packed tarball offline and runs npx mlops compare-models", async () => {
  const dir = project("from-tarball");
  await npm("npm", ["install", "--offline", "--no-audit", "--no-fund", "--save-dev", tarball], dir);
  const outputs = await compare(dir);
  expect(JSON.parse(outputs["candidate-metrics"]!).roc_auc).toBeGreaterThan(0.9);
  expect(outputs.decision).toBe("reject");
}, 240_000);
