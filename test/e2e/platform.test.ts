/**
 * Platforms, through dist/ as the runner and a clone run it. On a macOS or Windows runner (simulated: a
 * preload sets process.platform and process.arch before the bundle starts) every action fails with one
 * line before doing anything. From a clone whose dist/ lacks this machine's binary, the CLI uses the
 * installed onnxruntime-node package instead (real: a dist/ copy without the linux/x64 binary, beside a
 * node_modules with the full package).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { bundleRoot } from "../harness/bundle";
import { testNode } from "../harness/node-binary";
import { repoRoot, runAction } from "../harness/run-action";

const work = mkdtempSync(join(tmpdir(), "mlops-platform-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A preload that makes this process report another platform, as a macOS or Windows runner would. */
function pretend(platform: string, arch: string): Record<string, string> {
  const file = join(work, `pretend-${platform}-${arch}.cjs`);
  writeFileSync(
    file,
    `Object.defineProperty(process, "platform", { value: ${JSON.stringify(platform)} });\n` +
      `Object.defineProperty(process, "arch", { value: ${JSON.stringify(arch)} });\n`,
  );
  return { NODE_OPTIONS: `--require ${file}` };
}

const model = join(work, "model.onnx");
const data = join(work, "holdout.csv");
beforeAll(() => {
  writeFileSync(model, encodeModel(linearClassifierModel({ coefficients: [[1.5, -2]], intercepts: [0.25] })));
  const rows = ["a,b,y"];
  for (let i = 0; i < 200; i++) rows.push(`${(i % 17) / 17},${(i % 5) / 5},${(i % 17) / 17 > (i % 5) / 5 ? 1 : 0}`);
  writeFileSync(data, `${rows.join("\n")}\n`);
});

describe("on an unsupported runner (bundled)", () => {
  it.each([
    ["compare-models", "darwin", "arm64", "macOS arm64 (darwin/arm64)"],
    ["notify-teams", "win32", "x64", "Windows x64 (win32/x64)"],
  ])("%s on %s/%s fails with one line before any work", async (action, platform, arch, named) => {
    const r = await runAction(action, {
      root: bundleRoot(),
      inputs: action === "compare-models" ? { candidate: model, data, label: "y" } : { model: "fp" },
      env: pretend(platform, arch),
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      `platform: mlops-actions runs on Linux x64 and arm64 (got ${named}). Run the job on a Linux runner, e.g. runs-on: ubuntu-latest or ubuntu-24.04-arm.`,
    ]);
    // Nothing else happened: no log, no output, no summary, no card written.
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toBe("");
    expect(r.outputs).toEqual({});
    expect(r.summary).toBe("");
  });
});

describe("the CLI from a clone", () => {
  const clone = join(work, "clone");
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(testNode(), [join(clone, "dist/cli.js"), ...args], {
      cwd: work,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
  const args = [
    "compare-models",
    "--candidate",
    model,
    "--champion",
    model,
    "--data",
    data,
    "--label",
    "y",
    "--fail-on-reject",
    "false",
    "--json",
  ];

  beforeAll(() => {
    // dist/ as the bundle has it, but without this machine's binary (as dist/ is on a Mac) ...
    const own = `bin/napi-v6/${process.platform}/${process.arch}`;
    cpSync(join(repoRoot, "dist"), join(clone, "dist"), {
      recursive: true,
      filter: (src) => !src.includes(join("onnxruntime-node", own)),
    });
    expect(existsSync(join(clone, "dist/node_modules/onnxruntime-node", own))).toBe(false);
    for (const name of ["compare-models", "train"]) {
      mkdirSync(join(clone, "actions", name), { recursive: true });
      cpSync(join(repoRoot, "actions", name, "action.yml"), join(clone, "actions", name, "action.yml"));
    }
  });

  it("refuses with one line when no installed package has this machine's binary either", () => {
    const r = cli(args);
    expect(r.status).toBe(2); // could not run: a mistake in the environment, not a gate's answer
    expect(r.stderr.trim()).toMatch(
      /^error: platform: mlops-actions runs on Linux x64 and arm64 \(got Linux .*From a clone, npm ci installs onnxruntime-node/,
    );
  });

  it("uses the installed onnxruntime-node when the bundled copy lacks this machine's binary", () => {
    // ... beside the node_modules npm ci made (the full package carries every platform's binary).
    mkdirSync(join(clone, "node_modules"), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules/onnxruntime-node"), join(clone, "node_modules/onnxruntime-node"), "dir");
    const r = cli(args);
    expect(r.stderr).not.toContain("::error::");
    expect(r.status).toBe(0);
    const outputs = JSON.parse(r.stdout) as Record<string, string>;
    expect(JSON.parse(outputs["candidate-metrics"]!).roc_auc).toBeGreaterThan(0.9);
  });

  it("a clone on a Mac: the platform check passes on the installed package (its binary found)", () => {
    // This Linux host cannot load the macOS binary, but the CLI goes to the installed package for it (not to
    // the bundled copy, which has none): Node's attempt to load that very file is what fails here.
    const r = cli(args, pretend("darwin", "arm64"));
    expect(r.stderr).not.toContain("platform: mlops-actions runs on");
    expect(r.stderr).toContain(
      `${join(repoRoot, "node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/onnxruntime_binding.node")}: invalid ELF header`,
    );
  });
});
