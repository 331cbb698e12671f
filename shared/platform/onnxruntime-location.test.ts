import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  bindingPath,
  locateOnnxRuntime,
  onnxRuntimeCandidates,
  unsupportedPlatformMessage,
} from "./onnxruntime-location";

const bundled = "/repo/dist/node_modules/onnxruntime-node";
const installed = "/repo/node_modules/onnxruntime-node";
/** What dist/ carries, and what the full npm package carries (onnxruntime-node 1.30). */
const files = new Set([
  ...["linux/x64", "linux/arm64"].map((p) => bindingPath(bundled, ...(p.split("/") as [string, string]))),
  ...["linux/x64", "linux/arm64", "darwin/arm64", "win32/x64", "win32/arm64"].map((p) =>
    bindingPath(installed, ...(p.split("/") as [string, string])),
  ),
]);
const exists = (p: string) => files.has(p);

describe("locateOnnxRuntime", () => {
  it.each([
    ["linux", "x64", bundled],
    ["linux", "arm64", bundled],
    ["darwin", "arm64", installed],
    ["win32", "x64", installed],
    ["darwin", "x64", undefined],
  ])("%s/%s -> %s", (platform, arch, expected) => {
    expect(locateOnnxRuntime({ platform, arch, candidates: [bundled, installed], exists })).toBe(expected);
  });

  it("on a runner (nothing installed beside the action) only Linux x64 and arm64 are found", () => {
    for (const [platform, arch] of [
      ["darwin", "arm64"],
      ["win32", "x64"],
    ])
      expect(locateOnnxRuntime({ platform: platform!, arch: arch!, candidates: [bundled], exists })).toBeUndefined();
  });
});

describe("onnxRuntimeCandidates", () => {
  const root = mkdtempSync(join(tmpdir(), "mlops-ort-candidates-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const fakePackage = (dir: string) => {
    mkdirSync(join(dir, "dist"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "onnxruntime-node", main: "dist/index.js" }));
    writeFileSync(join(dir, "dist/index.js"), "");
  };

  it("the bundled copy first, then what the project around dist/ installed", () => {
    const project = join(root, "project");
    const pkg = join(project, "node_modules/mlops-actions");
    fakePackage(join(pkg, "dist/node_modules/onnxruntime-node"));
    fakePackage(join(project, "node_modules/onnxruntime-node"));
    const chunk = pathToFileURL(join(pkg, "dist/chunks/chunk.js")).href;
    expect(onnxRuntimeCandidates(chunk)).toEqual([
      join(pkg, "dist/node_modules/onnxruntime-node"),
      join(project, "node_modules/onnxruntime-node"),
    ]);
  });

  it("only the bundled copy when nothing is installed around it", () => {
    const alone = join(root, "alone");
    fakePackage(join(alone, "dist/node_modules/onnxruntime-node"));
    expect(onnxRuntimeCandidates(pathToFileURL(join(alone, "dist/actions/train.js")).href)).toEqual([
      join(alone, "dist/node_modules/onnxruntime-node"),
    ]);
  });
});

it("the refusal names the platform and what to do", () => {
  expect(unsupportedPlatformMessage("darwin", "arm64", "runner")).toBe(
    "platform: mlops-actions runs on Linux x64 and arm64 (got macOS arm64 (darwin/arm64)). Run the job on a Linux runner, e.g. runs-on: ubuntu-latest or ubuntu-24.04-arm.",
  );
  expect(unsupportedPlatformMessage("win32", "x64", "cli")).toMatch(
    /^platform: .*\(got Windows x64 \(win32\/x64\)\)\. From a clone, npm ci/,
  );
});
