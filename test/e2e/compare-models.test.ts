/**
 * compare-models through dist/, as the runner runs it: two real models of different quality (trained by the
 * predictive-maintenance example, exported to ONNX) on held-out data, with the registry, rules, the PR
 * comment and the bad inputs a user meets.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { describeIf, file } from "../services/availability";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";

const AI4I = resolve(repoRoot, "../shared/data/ai4i2020.csv");
let workspace: string;
let holdout: string;
let gh: GitHubApiServer;

const compare = (inputs: Record<string, string>, opts: { event?: Record<string, unknown>; eventName?: string } = {}) =>
  runAction("compare-models", {
    root: bundleRoot(),
    workspace,
    inputs: { data: holdout, label: "Machine failure", ...inputs },
    env: { GITHUB_API_URL: gh.url },
    ...opts,
  });

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), "mlops-compare-ws-"));
  holdout = join(workspace, "holdout.csv");
  await writeGenerated(holdout, 3000, 99);
  const train = generatedDataset(4000, 7);
  const dir = mkdtempSync(join(tmpdir(), "mlops-compare-models-"));
  const weak = join(dir, "weak.onnx");
  const strong = join(dir, "strong.onnx");
  writeFileSync(weak, modelToOnnx(trainLogistic(train, { iterations: 2 })));
  writeFileSync(strong, modelToOnnx(trainGbt(train, { nEstimators: 40, maxDepth: 3 })));
  const reg = openRegistry(join(workspace, ".mlops/registry"));
  const v1 = await reg.register({ name: "fp", files: [{ path: "model.onnx", source: weak }] });
  await reg.register({ name: "fp", files: [{ path: "model.onnx", source: strong }] });
  await reg.setAlias("fp", "champion", v1.version);
  gh = await startGitHubApi();
}, 120_000);

afterAll(() => gh.close());

describe("compare-models (bundled)", () => {
  it("promotes the better candidate over the champion, with metrics, contract and report", async () => {
    const r = await compare({ candidate: "fp@2", thresholds: "recall >= 0.2" });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      decision: "promote",
      "is-better": "true",
      "candidate-version": "2",
      "champion-version": "1",
      contract: "compatible",
    });
    const cand = JSON.parse(r.outputs["candidate-metrics"]!);
    const champ = JSON.parse(r.outputs["champion-metrics"]!);
    expect(cand.roc_auc).toBeGreaterThan(champ.roc_auc);
    expect(JSON.parse(r.outputs.deltas!).roc_auc).toBeCloseTo(cand.roc_auc - champ.roc_auc, 12);
    const rules = JSON.parse(r.outputs.rules!) as { rule: string; passed: boolean }[];
    expect(rules.map((x) => x.rule)).toEqual(expect.arrayContaining(["improvement", "threshold"]));
    expect(rules.every((x) => x.passed)).toBe(true);
    expect(r.outputs.reason).toMatch(/roc_auc/);
    expect(existsSync(r.outputs.report!)).toBe(true);
    expect(existsSync(r.outputs.report!.replace(/report\.md$/, "report.json"))).toBe(true);
    expect(r.summary).toMatch(/Confusion matrices/);
    expect(r.summary).toContain("| **roc_auc** |");
  });

  it("reads the same holdout from Parquet (snappy pages) with the same metrics", async () => {
    const parquet = join(workspace, "holdout.parquet");
    await writeGenerated(parquet, 3000, 99);
    const fromCsv = await compare({ candidate: "fp@2" });
    const fromParquet = await compare({ candidate: "fp@2", data: parquet });
    expect(fromParquet.errors).toEqual([]);
    expect(JSON.parse(fromParquet.outputs["candidate-metrics"]!)).toEqual(
      JSON.parse(fromCsv.outputs["candidate-metrics"]!),
    );
    expect(JSON.parse(fromParquet.outputs["champion-metrics"]!)).toEqual(
      JSON.parse(fromCsv.outputs["champion-metrics"]!),
    );
  });

  it("rejects an A/A comparison when significance is required", async () => {
    const r = await compare({
      candidate: "fp@1",
      champion: "fp@1",
      significance: "{confidence: 0.95, samples: 200, seed: 1}",
      "fail-on-reject": "false",
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.decision).toBe("reject");
    expect(r.outputs["is-better"]).toBe("false");
  });

  it("fails the step on a worse candidate, naming the rule that decided", async () => {
    const r = await compare({ candidate: "fp@1", champion: "fp@2" });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.decision).toBe("reject");
    expect(r.errors).toEqual([expect.stringContaining("the candidate was rejected")]);
    expect(r.errors[0]).toContain(r.outputs.reason!);
  });

  it("judges a first model on its own when the workflow says champion: none", async () => {
    const file = join(workspace, ".mlops/registry/models/fp/versions/2/model.onnx");
    const r = await compare({ candidate: file, champion: "none", thresholds: "roc_auc >= 0.8" });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ decision: "promote", "champion-version": "", "champion-metrics": "{}" });
    expect(r.outputs.reason).toMatch(/no champion/i);
    // Without it, a champion that does not exist is an error, not a first release.
    const missing = await compare({ candidate: file, "model-name": "brand-new", thresholds: "roc_auc >= 0.8" });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors).toEqual([
      expect.stringMatching(/^champion: no model named "brand-new" .*set champion: none\.$/),
    ]);
  });

  it("comments on the pull request once and updates the comment on a re-run", async () => {
    const event = { pull_request: { number: 12, title: "Tune the trees" }, number: 12 };
    for (let i = 0; i < 2; i++) {
      const r = await compare(
        { candidate: "fp@2", "comment-on-pr": "true", "github-token": gh.token },
        { event, eventName: "pull_request" },
      );
      expect(r.errors).toEqual([]);
    }
    const comments = gh.comments.get(12)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/compare-models: PROMOTE/);
    expect(gh.requests.filter((q) => q.method === "PATCH")).toHaveLength(1);
  });

  it("reports a comment GitHub refuses (a fork's read-only token) as a warning, and still decides", async () => {
    const event = { pull_request: { number: 13, title: "From a fork" }, number: 13 };
    const r = await compare(
      { candidate: "fp@2", "comment-on-pr": "true", "github-token": "read-only-fork-token" },
      { event, eventName: "pull_request" },
    );
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.decision).toBe("promote");
    expect(r.warnings).toEqual([expect.stringMatching(/^comment-on-pr: GitHub answered 401 .*pull-requests: write/)]);
    expect(r.warnings[0]).toMatch(/The report is in the job summary\.$/);
    expect(gh.comments.get(13) ?? []).toHaveLength(0);
  });

  it.each([
    [{ candidate: "fp@2", label: "target" }, /label: column "target" not found .*Machine failure/],
    [{ candidate: "fp@2", thresholds: "f1 => 0.8" }, /thresholds: unsupported comparison "=>"/],
    [{ candidate: "fp@9" }, /candidate: version 9 of model "fp" does not exist/],
    [{ candidate: "fp@2", significance: "{confidence: high}" }, /significance: confidence needs a number/],
    [{ candidate: "missing.onnx" }, /candidate: file not found/],
    // Checked before the data is read: a missing file would otherwise be the error.
    [
      { candidate: "fp@2", data: "missing.csv", "primary-metric": "auc" },
      /^primary-metric: unknown metric \(got "auc"\)/,
    ],
    [
      { candidate: "fp@2", data: "missing.csv", task: "binary", "max-regression": "{rmse: 0.1}" },
      /^max-regression: rmse is not a binary metric \(got "rmse"\)\. Use one of: .*roc_auc/,
    ],
    [
      { candidate: "fp@2", data: "missing.csv", "min-relative-improvement": "0" },
      /input "min-relative-improvement": expected a number between 0 and 1, exclusive \(got "0"\)/,
    ],
    [
      { candidate: "fp@2", "max-slice-gap": "0.05" },
      /max-slice-gap: set without slice-by.*\(got max-slice-gap 0.05 .*Set slice-by:/,
    ],
  ])("explains bad input: %j", async (inputs, message) => {
    const r = await compare(inputs as Record<string, string>);
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
  });

  it("fails clearly on a corrupt ONNX file", async () => {
    const bad = join(workspace, "corrupt.onnx");
    writeFileSync(
      bad,
      readFileSync(join(workspace, ".mlops/registry/models/fp/versions/2/model.onnx")).subarray(0, 200),
    );
    const r = await compare({ candidate: bad, champion: "fp@1" });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(/candidate/);
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });
});

describeIf("compare-models on the AI4I 2020 data (bundled)", file(AI4I, "the handout data set"), () => {
  it("ranks the boosted trees above the weak linear model on the real plant data", async () => {
    const r = await compare({ candidate: "fp@2", data: AI4I });
    expect(r.errors).toEqual([]);
    expect(r.outputs.decision).toBe("promote");
    const cand = JSON.parse(r.outputs["candidate-metrics"]!);
    expect(cand.roc_auc).toBeGreaterThan(0.85);
    expect(r.summary).toMatch(/10,000 rows/);
  });
});
