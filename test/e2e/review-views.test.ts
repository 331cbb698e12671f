/**
 * What reviewers and approvers look at, through dist/ as the runner and `npx mlops` run it: the PR comment
 * with the commit, run and time it describes (and a stale note when the pull request moved on), the HTML
 * report uploaded as an artifact (to a stand-in of the Actions results service writing into Azurite), and
 * `mlops registry` on a directory and on Azure Blob Storage.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { type ArtifactResults, startArtifactResults } from "../services/artifact-results";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, startAzurite } from "../services/azurite";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";

const OLD = "1111111111111111111111111111111111111111";
const HEAD = "2222222222222222222222222222222222222222";

let workspace: string;
let holdout: string;
let gh: GitHubApiServer;
let az: Azurite | undefined;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), "mlops-review-ws-"));
  holdout = join(workspace, "holdout.csv");
  await writeGenerated(holdout, 1500, 99);
  const train = generatedDataset(3000, 7);
  writeFileSync(join(workspace, "weak.onnx"), modelToOnnx(trainLogistic(train, { iterations: 2 })));
  writeFileSync(join(workspace, "strong.onnx"), modelToOnnx(trainGbt(train, { nEstimators: 20, maxDepth: 3 })));
  const reg = openRegistry(join(workspace, ".mlops/registry"), { env: {} });
  await reg.register({
    name: "fp",
    files: [{ path: "model.onnx", source: join(workspace, "weak.onnx") }],
    metrics: { roc_auc: 0.87 },
  });
  await reg.register({
    name: "fp",
    files: [{ path: "model.onnx", source: join(workspace, "strong.onnx") }],
    metrics: { roc_auc: 0.96 },
  });
  await reg.setAlias("fp", "champion", 1, { actor: "octocat", reason: "first release" });
  await reg.setAlias("fp", "champion", 2, { actor: "octocat", approvers: ["alice"], reason: "approved in run 41" });
  gh = await startGitHubApi();
}, 120_000);

afterAll(async () => {
  await gh?.close();
  await az?.stop();
});

const compare = (
  inputs: Record<string, string>,
  opts: { env?: Record<string, string>; event?: Record<string, unknown>; eventName?: string } = {},
) =>
  runAction("compare-models", {
    root: bundleRoot(),
    workspace,
    inputs: {
      candidate: "fp@2",
      champion: "fp@1",
      data: holdout,
      label: "Machine failure",
      "slice-by": "Type",
      ...inputs,
    },
    ...opts,
    env: {
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: "acme/plant-models",
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_SHA: "9".repeat(40),
      ...opts.env,
    },
  });

describe("compare-models reports (bundled)", () => {
  it("writes report.html with the curves beside report.md, and a summary with Mermaid charts and both models per slice", async () => {
    const r = await compare({});
    expect(r.errors).toEqual([]);
    expect(r.outputs["report-html"]).toMatch(/report\.html$/);
    const html = readFileSync(r.outputs["report-html"]!, "utf8");
    expect(html).toContain("<h2>Curves</h2>");
    expect(html).toContain("Content-Security-Policy");
    expect(r.outputs["report-url"]).toBe("");
    // No artifact service here: a log line, not an annotation on every local run.
    expect(r.commands.filter((c) => c.command === "notice" && /upload-artifact/.test(c.message))).toEqual([]);
    expect(r.summary).toMatch(/```mermaid\n%%\{init: .*\n xychart-beta\n|```mermaid\n%%\{init: .*\}%%\nxychart-beta/);
    expect(r.summary).toMatch(/\| Type \| rows \| candidate \| champion \| Δ \|/);
    expect(r.summary).toContain(
      "For commit [`9999999`](https://github.com/acme/plant-models/commit/9999999999999999999999999999999999999999) · [run 4242](https://github.com/acme/plant-models/actions/runs/4242)",
    );
  });

  it("comments the head commit it describes, and marks the comment stale when the pull request moved on", async () => {
    const event = (sha: string) => ({ number: 31, pull_request: { number: 31, head: { sha } } });
    gh.heads.set(31, OLD);
    const first = await compare(
      { "comment-on-pr": "true", "github-token": gh.token },
      { event: event(OLD), eventName: "pull_request" },
    );
    expect(first.errors).toEqual([]);
    let body = gh.comments.get(31)![0]!.body;
    expect(body).toContain(
      "For commit [`1111111`](https://github.com/acme/plant-models/pull/31/commits/1111111111111111111111111111111111111111)",
    );
    expect(body).not.toContain("[!WARNING]");
    gh.heads.set(31, HEAD);
    const rerun = await compare(
      { "comment-on-pr": "true", "github-token": gh.token },
      { event: event(OLD), eventName: "pull_request" },
    );
    expect(rerun.errors).toEqual([]);
    body = gh.comments.get(31)![0]!.body;
    expect(body).toContain(
      "This report describes commit `1111111`, an older commit than the pull request's head `2222222`",
    );
    expect(rerun.stdout).toMatch(/comment-on-pr: updated .*marked stale/);
    const current = await compare(
      { "comment-on-pr": "true", "github-token": gh.token },
      { event: event(HEAD), eventName: "pull_request" },
    );
    expect(current.errors).toEqual([]);
    expect(gh.comments.get(31)![0]!.body).not.toContain("[!WARNING]");
    const late = await compare(
      { "comment-on-pr": "true", "github-token": gh.token },
      { event: event(OLD), eventName: "pull_request" },
    );
    expect(late.commands.filter((c) => c.command === "notice").map((c) => c.message)).toEqual([
      expect.stringMatching(/comment-on-pr: kept .*pull request's head 2222222/),
    ]);
    expect(gh.comments.get(31)).toHaveLength(1);
  });
});

describeIf("compare-models uploads its reports as an artifact (bundled)", azuriteAvailable(), () => {
  let results: ArtifactResults;
  beforeAll(async () => {
    az = await startAzurite();
    results = await startArtifactResults(az, "report.zip");
  }, 60_000);
  afterAll(() => results?.close());

  it("uploads report.md, report.json and report.html, and gives the artifact's page as report-url", async () => {
    const r = await compare(
      { "report-artifact": "fp-compare-report" },
      { env: { ACTIONS_RUNTIME_TOKEN: results.token, ACTIONS_RESULTS_URL: results.url } },
    );
    expect(r.errors).toEqual([]);
    expect(results.calls.map((c) => c.method)).toEqual(["CreateArtifact", "FinalizeArtifact"]);
    expect(results.calls[0]!.body).toMatchObject({ name: "fp-compare-report" });
    expect(r.outputs["report-url"]).toBe("https://github.com/acme/plant-models/actions/runs/4242/artifacts/77");
    const zip = await results.download();
    for (const name of ["report.md", "report.json", "report.html"]) expect(zip.includes(name), name).toBe(true);
  });
});

/** The bundled CLI, as `npx mlops` runs it. */
function mlops(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repoRoot, "dist/cli.js"), ...args], {
    cwd: workspace,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("mlops registry (bundled CLI)", () => {
  it("lists, shows, diffs and reports the workspace registry; a mistake is one error line", () => {
    const list = mlops(["registry", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/fp\s+2\s+2\s+champion→2/);
    const history = JSON.parse(mlops(["registry", "history", "fp", "--json"]).stdout);
    expect(history.map((e: { to: number; approvers?: string[] }) => [e.to, e.approvers ?? []])).toEqual([
      [1, []],
      [2, ["alice"]],
    ]);
    expect(mlops(["registry", "diff", "fp@1", "@champion"]).stdout).toMatch(
      /~ roc_auc\s+0\.87\s+→\s+0\.96\s+\(\+0\.09\)/,
    );
    const report = mlops(["registry", "report", "--out", "site/registry.html"]);
    expect(report.code).toBe(0);
    expect(existsSync(join(workspace, "site/registry.html"))).toBe(true);
    const bad = mlops(["registry", "show", "fq"]);
    expect(bad.code).toBe(2); // could not run: a mistake in the inputs (1 is kept for a gate's refusal)
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: .*no model named "fq" .*models: fp/);
    expect(mlops(["registry", "--help"]).stdout).toMatch(/usage: mlops registry <command>/);
  });
});

describeIf("mlops registry on Azure Blob Storage (bundled CLI, Azurite)", azuriteAvailable(), () => {
  it("reads the same registry from a container, with --json", async () => {
    az ??= await startAzurite();
    const env = { AZURE_STORAGE_CONNECTION_STRING: az.connectionString(DEV_ACCOUNT) };
    const uri = `${az.endpoint(DEV_ACCOUNT)}/models/team-a`;
    const reg = openRegistry(uri, { env });
    await reg.register({
      name: "fp",
      files: [{ path: "model.onnx", source: join(workspace, "strong.onnx") }],
      metrics: { roc_auc: 0.96 },
    });
    await reg.setAlias("fp", "champion", 1, { actor: "octocat", approvers: ["alice"], reason: "first release" });
    const list = JSON.parse(mlops(["registry", "list", "--registry", uri, "--json"], env).stdout);
    expect(list).toEqual({
      registry: uri,
      models: [expect.objectContaining({ name: "fp", latest: 1, aliases: { champion: 1 } })],
    });
    const shown = mlops(["registry", "show", "fp@champion", "--registry", uri], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^fp@1 \(champion\)/);
  });
});
