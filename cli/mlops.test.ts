/**
 * The CLI runs the same adapters with the same schemas. In a terminal an error is one `error: ...` line;
 * on a runner (GITHUB_ACTIONS=true) one `::error::` line. Exit codes: 0 passed, 1 a gate refused,
 * 2 could not run, 3 a bug.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../test/harness/run-action";
import { parseArgs } from "./mlops";

/** The bundled CLI, as `npx mlops` runs it. */
function mlops(args: string[], cwd = mkdtempSync(join(tmpdir(), "mlops-cli-")), env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repoRoot, "dist/cli.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

describe("mlops CLI", () => {
  it("parses flags: --a value, --a=value, bare booleans and repeated flags as lists", () => {
    expect(parseArgs(["compare-models", "--label", "y", "--features=a", "--features", "b", "--dry-run"])).toEqual({
      command: "compare-models",
      flags: { label: "y", features: "a\nb", "dry-run": "true" },
    });
  });

  it("lists the commands, and each command's inputs from action.yml", () => {
    const top = mlops(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["train", "compare-models", "notify-teams", "promote", "package-edge", "serve"])
      expect(top.stdout).toContain(c);
    const one = mlops(["promote", "--help"]);
    expect(one.stdout).toMatch(/--expected-champion/);
    expect(one.stdout).toMatch(/--alias \(default: champion\)/);
  });

  it("prints the usage of serve with --help, without an error", () => {
    const r = mlops(["serve", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: mlops serve --model <file\.onnx>/);
    expect(r.stdout).toContain("--http-port");
    expect(r.stderr).toBe("");
  });

  it.each([
    [["nope"], 'mlops: unknown command "nope"'],
    [["promote"], 'input "model" is required'],
    [
      ["compare-models", "--candidate", "m.onnx", "--data", "d.csv", "--label", "y", "--batch-size", "lots"],
      'input "batch-size": expected a whole number',
    ],
    [["notify-teams", "--facts", "[unclosed"], 'input "facts": expected a map of labels to strings as JSON or YAML'],
    [["promote", "--model", "m", "--modle", "x"], "mlops promote: unknown input --modle"],
  ])("fails with one plain error line, exit code 2 and no stack trace: %j", (args, message) => {
    const r = mlops(args);
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(r.stderr).not.toContain("::");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("speaks the runner's syntax only on a runner", () => {
    const r = mlops(["promote"], undefined, { GITHUB_ACTIONS: "true" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^::error::input "model" is required/)]);
  });

  it("prints its version", () => {
    const r = mlops(["--version"]);
    expect(r.code).toBe(0);
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    expect(r.stdout.trim()).toBe(`mlops ${version}`);
    expect(mlops(["-V"]).stdout.trim()).toBe(`mlops ${version}`);
  });

  it("tells a gate's refusal (1) from a run that could not happen (2), in terms of flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlops-cli-gate-"));
    const column = (from: number) => Array.from({ length: 200 }, (_, i) => `${from + (i % 40)}`).join("\n");
    writeFileSync(join(dir, "ref.csv"), `x\n${column(0)}\n`);
    writeFileSync(join(dir, "cur.csv"), `x\n${column(1000)}\n`);
    const gate = [
      "detect-drift",
      "--reference",
      "ref.csv",
      "--current",
      "cur.csv",
      "--fail-on-drift",
      "true",
      "--json",
    ];
    const rejected = mlops(gate, dir);
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout).drifted).toBe("true");
    expect(rejected.stderr.trim()).toMatch(
      /^error: detect-drift: 100% of the features drifted .*retrain on recent data\. Use --fail-on-drift false to report without failing\.$/,
    );
    const broken = mlops([...gate.slice(0, 2), "missing.csv", ...gate.slice(3)], dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim()).toMatch(/^error: reference: file not found/);
    const onRunner = mlops(gate, dir, { GITHUB_ACTIONS: "true" });
    expect(onRunner.stderr.trim()).toMatch(
      /^::error::detect-drift: .*\. Set fail-on-drift: false to report without failing\.$/,
    );
    expect(mlops(["--help"]).stdout).toMatch(
      /exit codes:\n {2}0 .*\n {2}1 .*gate refused.*\n {2}2 .*could not run.*\n {2}3 .*bug/,
    );
  });

  it("runs an action locally with action.yml defaults and prints its outputs as JSON", () => {
    const r = mlops([
      "notify-teams",
      "--model",
      "failure-predictor",
      "--decision",
      "promote",
      "--json",
      "--summary",
      "summary.md",
    ]);
    expect(r.code).toBe(0);
    const outputs = JSON.parse(r.stdout);
    expect(outputs).toMatchObject({ delivered: "false", status: "dry-run" });
    expect(JSON.parse(readFileSync(outputs["card-path"], "utf8")).type).toBe("message");
    expect(readFileSync(join(r.cwd, "summary.md"), "utf8")).toContain("failure-predictor");
    expect(r.stderr).toBe("");
  });
});

describe("mlops serve", () => {
  it("refuses an unknown flag instead of ignoring it", () => {
    const r = mlops(["serve", "--model", "m.onnx", "--http-prot", "9000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: mlops serve: unknown flag --http-prot");
  });
});
