/** train through dist/, as the runner runs it: a real trainer writes a real ONNX model that gets registered. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";

const tsx = join(repoRoot, "node_modules/.bin/tsx");
const example = join(repoRoot, "examples/predictive-maintenance");
let dataDir: string;

function writeTrainer(dir: string, body: string): string {
  const file = join(dir, "trainer.mjs");
  writeFileSync(file, body);
  return `node ${file}`;
}

describe("train (bundled)", () => {
  beforeAll(async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    dataDir = mkdtempSync(join(tmpdir(), "mlops-train-data-"));
    const { execFileSync } = await import("node:child_process");
    execFileSync(tsx, [
      join(example, "generate.ts"),
      "--rows",
      "2000",
      "--seed",
      "3",
      "--out",
      join(dataDir, "plant.csv"),
    ]);
  });

  it("runs the trainer, validates its ONNX model and metrics, and registers a version with the full card", async () => {
    const r = await runAction("train", {
      root: bundleRoot(),
      inputs: {
        command: `${tsx} ${join(example, "train.ts")} --data ${join(dataDir, "plant.csv")} --out "$MLOPS_OUTPUT_DIR"`,
        params: "model: logreg\niterations: 10",
        data: join(dataDir, "*.csv"),
        "model-name": "failure-predictor",
        alias: "challenger",
        seed: "42",
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs["model-version"]).toBe("1");
    expect(r.outputs["model-uri"]).toBe(".mlops/registry#failure-predictor@1");
    expect(r.outputs["data-hash"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    const metrics = JSON.parse(r.outputs.metrics!);
    expect(metrics.roc_auc).toBeGreaterThan(0.5);
    const versionDir = join(r.workspace, ".mlops/registry/models/failure-predictor/versions/1");
    const card = JSON.parse(readFileSync(join(versionDir, "card.json"), "utf8"));
    expect(card).toMatchObject({
      name: "failure-predictor",
      version: 1,
      params: { model: "logreg", iterations: 10 },
      lineage: {
        gitSha: "0123456789abcdef0123456789abcdef01234567",
        repository: "acme/plant-models",
        runUrl: "https://github.com/acme/plant-models/actions/runs/4242",
        dataHash: r.outputs["data-hash"],
      },
    });
    expect(card.signature.inputs.length).toBeGreaterThan(0);
    expect(card.files.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(["metrics.json", "model.onnx"]),
    );
    expect(card.metrics.roc_auc).toBe(metrics.roc_auc);
    expect(r.summary).toContain("failure-predictor");
    expect(r.stdout).toMatch(/failure-predictor@challenger -> 1/);
  });

  it("skips upload-artifact with a notice where there is no artifact service", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mlops-trainer-"));
    const r = await runAction("train", {
      root: bundleRoot(),
      inputs: {
        command: `${tsx} ${join(example, "train.ts")} --data ${join(dataDir, "plant.csv")} --model logreg --out "$MLOPS_OUTPUT_DIR"`,
        register: "false",
        "upload-artifact": "true",
        "output-dir": dir,
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.outputs["model-version"]).toBe("");
    expect(r.commands.filter((c) => c.command === "notice").map((c) => c.message)).toEqual([
      expect.stringContaining("upload-artifact: skipped"),
    ]);
  });

  it("propagates the trainer's exit code with the tail of its stderr, and registers nothing", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mlops-trainer-"));
    const command = writeTrainer(
      dir,
      'console.error("loading data");\nconsole.error("ValueError: column rpm has NaN");\nprocess.exit(3);\n',
    );
    const r = await runAction("train", { root: bundleRoot(), inputs: { command, "model-name": "m" } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/exit(ed)? (with )?(code )?3/);
    expect(r.errors[0]).toContain("ValueError: column rpm has NaN");
    expect(existsSync(join(r.workspace, ".mlops/registry/models/m/versions/1/card.json"))).toBe(false);
  });

  it("fails clearly when the trainer writes no model", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mlops-trainer-"));
    const command = writeTrainer(
      dir,
      'require("fs").writeFileSync(process.env.MLOPS_OUTPUT_DIR + "/metrics.json", "{\\"f1\\": 0.5}");\n'.replace(
        "require",
        "(await import('node:module')).createRequire(import.meta.url)",
      ),
    );
    const r = await runAction("train", { root: bundleRoot(), inputs: { command, "model-name": "m" } });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(/model/i);
    expect(r.errors[0]).toMatch(/model\.onnx/);
    const versions = join(r.workspace, ".mlops/registry/models/m/versions");
    expect(
      existsSync(versions) ? readdirSync(versions).filter((v) => existsSync(join(versions, v, "card.json"))) : [],
    ).toEqual([]);
  });

  it("checks the model name and the registry (with its credentials) before the trainer spends anything", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mlops-trainer-"));
    const marker = join(dir, "trainer-ran");
    const command = writeTrainer(dir, `(await import("node:fs")).writeFileSync(${JSON.stringify(marker)}, "yes");\n`);
    const cases: [Record<string, string>, Record<string, string>, RegExp][] = [
      [{ "model-name": "failure predictor" }, {}, /^model-name: invalid model name \(got "failure predictor"\)/],
      [{ "model-name": "m", alias: "2nd" }, {}, /^alias: invalid alias \(got "2nd"\)/],
      [
        { "model-name": "m", registry: "https://127.0.0.1:9/devstoreaccount1/models" },
        { AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential" },
        /^registry https:\/\/127\.0\.0\.1:9\/devstoreaccount1\/models: no Azure credential could sign in to list models\/ \(got \w+Error: .*\)\. In a workflow run azure\/login/,
      ],
      [
        { "model-name": "m", registry: command.slice("node ".length) },
        {},
        /^registry: ".*trainer\.mjs" is a file, not a directory/,
      ],
      [
        { "model-name": "m", "working-directory": "no/such/dir" },
        {},
        /^working-directory: cannot use ".*no\/such\/dir" \(got ENOENT/,
      ],
    ];
    for (const [inputs, env, message] of cases) {
      const r = await runAction("train", { root: bundleRoot(), inputs: { command, ...inputs }, env });
      expect(r.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(r.errors).toEqual([expect.stringMatching(message)]);
      expect(existsSync(marker), `the trainer ran with ${JSON.stringify(inputs)}`).toBe(false);
    }
  });

  it("runs a matrix here: one trainer per combination, bounded, the best registered with the trials table", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mlops-sweep-"));
    const model = join(dir, "model.onnx");
    const { encodeModel, linearClassifierModel } = await import("../../shared/onnx");
    writeFileSync(model, encodeModel(linearClassifierModel({ coefficients: [[0.5, -0.25]], intercepts: [0.1] })));
    // A trainer whose score is a function of its parameters; depth 6 fails, as a real trial can. Each
    // counts the trials running beside it (a file each, while it works for 300 ms).
    const running = join(dir, "running");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(running);
    const command = writeTrainer(
      dir,
      [
        'import { copyFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";',
        "const p = JSON.parse(process.env.MLOPS_PARAMS);",
        `const me = ${JSON.stringify(running)} + "/" + process.pid;`,
        "writeFileSync(me, '');",
        `const concurrent = readdirSync(${JSON.stringify(running)}).length;`,
        "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);",
        "rmSync(me);",
        'if (p.depth === 6) { console.error("out of memory at depth 6"); process.exit(1); }',
        `copyFileSync(${JSON.stringify(model)}, process.env.MLOPS_OUTPUT_DIR + "/model.onnx");`,
        'writeFileSync(process.env.MLOPS_OUTPUT_DIR + "/metrics.json", JSON.stringify({ auc: 0.5 + p.depth / 100 - p.rate, concurrent }));',
        "",
      ].join("\n"),
    );
    const inputs = {
      command,
      "model-name": "swept",
      params: "{rate: 0.01, seed: 1}",
      matrix: "{depth: [2, 4, 6], rate: [0.01, 0.05]}",
      "sweep-metric": "max:auc",
      "max-parallel": "2",
    };
    const r = await runAction("train", { root: bundleRoot(), inputs });
    expect(r.errors).toEqual([]);
    expect(r.outputs["model-version"]).toBe("1");
    expect(JSON.parse(r.outputs.metrics!)).toMatchObject({ auc: 0.53 });
    // Never more than max-parallel trainers at once.
    const outputDir = join(r.outputs["model-path"]!, "../..");
    for (let i = 1; i <= 4; i++) {
      const { concurrent } = JSON.parse(readFileSync(join(outputDir, `trial-${i}`, "metrics.json"), "utf8"));
      expect(concurrent).toBeGreaterThanOrEqual(1);
      expect(concurrent).toBeLessThanOrEqual(2);
    }
    const card = JSON.parse(
      readFileSync(join(r.workspace, ".mlops/registry/models/swept/versions/1/card.json"), "utf8"),
    );
    expect(card.params).toEqual({ rate: 0.01, seed: 1, depth: 4 });
    expect(card.lineage.sweep).toMatchObject({ metric: "max:auc", winner: "trial-3" });
    expect(card.lineage.sweep.trials.map((t: { status: string }) => t.status)).toEqual([
      "Completed",
      "Completed",
      "Completed",
      "Completed",
      "Failed",
      "Failed",
    ]);
    expect(r.summary).toContain("### Trials");
    expect(r.summary).toMatch(/\| 3 \| \*\*best\*\* \| depth=4, rate=0\.01 \| Completed \| 0\.53 \| `trial-3` \|/);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^train: trial-5 failed, the sweep goes on without it: command: the trainer exited with code 1/,
      ),
      expect.stringMatching(/^train: trial-6 failed/),
    ]);
    expect(r.stdout).toContain("[trial-5] out of memory at depth 6");

    // Without sweep-metric nothing runs: the best could not be chosen.
    const none = await runAction("train", { root: bundleRoot(), inputs: { ...inputs, "sweep-metric": "" } });
    expect(none.errors).toEqual([expect.stringMatching(/^sweep-metric: required with a matrix of 6 combinations/)]);
    expect(none.stdout).not.toContain("trial-1");
  });

  it("fails before running anything when a data glob matches nothing", async () => {
    const r = await runAction("train", {
      root: bundleRoot(),
      inputs: { command: "echo should-not-run", data: "no/such/*.csv", "model-name": "m" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain("no/such/*.csv");
    expect(r.stdout).not.toContain("should-not-run");
  });
});
