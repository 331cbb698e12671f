/** The example workflows work as copied: actionlint-clean, and consistent with this suite's action.yml files. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { lintSources, workflowFiles } from "../scripts/actionlint.mjs";
import { repoRoot } from "./harness/run-action";
import { checkWorkflow, loadWorkflow } from "./harness/workflow-check";

const dir = join(repoRoot, "workflows-examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

describe("workflows-examples", () => {
  it("has the PR, CI, CD, drift and rollback workflows", () => {
    expect(files.sort()).toEqual([
      "cd.yml",
      "ci.yml",
      "compare-sharded.yml",
      "drift.yml",
      "pr.yml",
      "rollback.yml",
      "score.yml",
    ]);
  });

  it("is clean under actionlint", async () => {
    const findings = await lintSources(workflowFiles().map((f) => ({ path: f, text: readFileSync(f, "utf8") })));
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
  });

  for (const file of files) {
    it(`${file}: inputs, outputs and permissions agree with the actions`, () => {
      expect(checkWorkflow(file, loadWorkflow(readFileSync(join(dir, file), "utf8")), repoRoot)).toEqual([]);
    });
  }
});

describe("the checks catch mistakes", () => {
  const cd = () => loadWorkflow(readFileSync(join(dir, "cd.yml"), "utf8"));

  it("a misspelt input of one of our actions", () => {
    const wf = cd();
    const step = wf.jobs.compare!.steps!.find((s) => s.id === "compare")!;
    step.with!["primary-metrc"] = step.with!["primary-metric"];
    delete step.with!["primary-metric"];
    expect(checkWorkflow("cd.yml", wf, repoRoot).join("\n")).toMatch(
      /input "primary-metrc" is not an input of compare-models/,
    );
  });

  it("a missing required input", () => {
    const wf = cd();
    delete wf.jobs.compare!.steps!.find((s) => s.id === "compare")!.with!.label;
    expect(checkWorkflow("cd.yml", wf, repoRoot).join("\n")).toMatch(
      /required input "label" of compare-models is not given/,
    );
  });

  it("a misspelt step output and a misspelt job output", () => {
    const wf = cd();
    wf.jobs.compare!.outputs!.decision = "${{ steps.compare.outputs.decison }}";
    wf.jobs.promote!.steps!.find((s) => s.id === "promote")!.with!["require-decision"] =
      "${{ needs.compare.outputs.decisions }}";
    const problems = checkWorkflow("cd.yml", wf, repoRoot).join("\n");
    expect(problems).toMatch(/steps\.compare\.outputs\.decison is not an output/);
    expect(problems).toMatch(/needs\.compare\.outputs\.decisions is not an output of job compare/);
  });

  it("an unpinned third-party action, a job without timeout and an expression inside run:", () => {
    const wf = cd();
    wf.jobs.compare!.steps![0]!.uses = "actions/checkout@v4";
    delete wf.jobs.notify!["timeout-minutes"];
    wf.jobs.notify!.steps!.push({ run: "echo ${{ github.event.workflow_run.head_commit.message }}" });
    const problems = checkWorkflow("cd.yml", wf, repoRoot).join("\n");
    expect(problems).toMatch(/actions\/checkout@v4 is not pinned/);
    expect(problems).toMatch(/jobs\.notify: has no timeout-minutes/);
    expect(problems).toMatch(/inside run:/);
  });

  it("actionlint itself reports a broken workflow", async () => {
    const wf = cd();
    (wf.jobs.notify as Record<string, unknown>)["runs-on"] = undefined;
    const findings = await lintSources([{ path: "cd.yml", text: stringify(wf) }]);
    expect(findings.length).toBeGreaterThan(0);
  });
});
