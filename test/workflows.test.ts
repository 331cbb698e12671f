/** The example workflows work as copied: actionlint-clean, and consistent with this suite's action.yml files. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { lintSources, workflowFiles } from "../scripts/actionlint.mjs";
import { repoRoot } from "./harness/run-action";
import { triggers } from "./harness/triggers";
import { checkWorkflow, loadWorkflow } from "./harness/workflow-check";
import { loadWorkflow as parseWorkflowFile } from "./harness/workflow-model";

const dir = join(repoRoot, "workflows-examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
/**
 * The files of workflows-examples/ that are not the template repository's, as its README's "Beyond the
 * template" explains: one that differs from the template's file of the same name, or one the template lacks.
 */
const BEYOND_TEMPLATE: Record<string, "differs" | "standalone"> = {
  "score.yml": "standalone",
  "compare-sharded.yml": "standalone",
};

describe("workflows-examples", () => {
  it("has the PR, CI, CD, drift and rollback workflows, the reusable pipeline of one model, scoring and sharded comparison", () => {
    expect(files.sort()).toEqual([
      "cd.yml",
      "ci.yml",
      "compare-sharded.yml",
      "drift.yml",
      "model-cd.yml",
      "model-ci.yml",
      "model-pr.yml",
      "pr.yml",
      "rollback.yml",
      "score.yml",
    ]);
  });

  it("are the template repository's workflows, byte for byte, but for the ones the README says go beyond it", () => {
    const template = join(repoRoot, "examples/model-repository/.github/workflows");
    const templateFiles = readdirSync(template).filter((f) => f.endsWith(".yml"));
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    expect(readme).toMatch(/^## Beyond the template$/m);
    const beyond = readme.slice(readme.indexOf("## Beyond the template")).split(/\n## /)[0]!;
    for (const [f, why] of Object.entries(BEYOND_TEMPLATE)) {
      expect(beyond, `${f} is explained in the README's "Beyond the template"`).toContain(`[\`${f}\`](${f})`);
      expect(files, f).toContain(f);
      // What the README says about it holds: a file the template has is a different workflow here, a file it
      // lacks is not in it.
      if (why === "differs")
        expect(readFileSync(join(dir, f), "utf8"), f).not.toBe(readFileSync(join(template, f), "utf8"));
      else expect(templateFiles, f).not.toContain(f);
    }
    for (const f of templateFiles.filter((t) => !(t in BEYOND_TEMPLATE))) {
      expect(files, f).toContain(f);
      expect(readFileSync(join(dir, f), "utf8"), f).toBe(readFileSync(join(template, f), "utf8"));
    }
    expect(files.filter((f) => !templateFiles.includes(f) && !(f in BEYOND_TEMPLATE))).toEqual([]);
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

describe("the template's triggers (on: filters as GitHub applies them)", () => {
  const template = join(repoRoot, "examples/model-repository");
  const on = async (file: string) =>
    (await parseWorkflowFile(join(template, ".github/workflows", file), template)).template.events;
  const pr = (action: string, changedFiles: string[]) => ({
    name: "pull_request",
    ref: "refs/pull/17/merge",
    payload: { action, pull_request: { number: 17, base: { ref: "main" } } },
    changedFiles,
  });

  it("a change to docs only starts neither the PR gate nor CI; code, data or workflow changes do", async () => {
    const [prOn, ciOn] = await Promise.all([on("pr.yml"), on("ci.yml")]);
    const docs = ["README.md", "docs/plants.md"];
    expect(triggers(prOn, pr("opened", docs)).runs).toBe(false);
    expect(triggers(ciOn, { name: "push", ref: "refs/heads/main", payload: {}, changedFiles: docs }).runs).toBe(false);
    for (const files of [["ml/train.py"], ["data/train.csv"], ["README.md", ".github/workflows/model-ci.yml"]]) {
      expect(triggers(prOn, pr("synchronize", files)).runs, files.join()).toBe(true);
      expect(
        triggers(ciOn, { name: "push", ref: "refs/heads/main", payload: {}, changedFiles: files }).runs,
        files.join(),
      ).toBe(true);
    }
    // Adding the full-training label re-runs the gate; CI runs for main only.
    expect(triggers(prOn, pr("labeled", ["ml/train.py"])).runs).toBe(true);
    expect(
      triggers(ciOn, { name: "push", ref: "refs/heads/feature", payload: {}, changedFiles: ["ml/train.py"] }).runs,
    ).toBe(false);
    expect(
      triggers(ciOn, { name: "repository_dispatch", ref: "refs/heads/main", payload: { action: "retrain" } }).runs,
    ).toBe(true);
  });

  it("a release tag of a model starts cd, whatever changed; other tags and branch pushes do not", async () => {
    const cdOn = await on("cd.yml");
    const push = (ref: string) => triggers(cdOn, { name: "push", ref, payload: {}, changedFiles: ["README.md"] }).runs;
    expect(push("refs/tags/failure-predictor/v7")).toBe(true);
    expect(push("refs/tags/heat-dissipation/v1")).toBe(true);
    expect(push("refs/tags/pump-vibration/v1")).toBe(false);
    expect(push("refs/tags/v1.0.0")).toBe(false);
    expect(push("refs/heads/main")).toBe(false);
  });
});

describe("the checks catch mistakes", () => {
  const cd = () => loadWorkflow(readFileSync(join(dir, "model-cd.yml"), "utf8"));

  it("a misspelt input of one of our actions", () => {
    const wf = cd();
    const step = wf.jobs.staging!.steps!.find((s) => s.id === "compare")!;
    step.with!["primary-metrc"] = step.with!["primary-metric"];
    delete step.with!["primary-metric"];
    expect(checkWorkflow("model-cd.yml", wf, repoRoot).join("\n")).toMatch(
      /input "primary-metrc" is not an input of compare-models/,
    );
  });

  it("a missing required input", () => {
    const wf = cd();
    delete wf.jobs.staging!.steps!.find((s) => s.id === "compare")!.with!.label;
    expect(checkWorkflow("model-cd.yml", wf, repoRoot).join("\n")).toMatch(
      /required input "label" of compare-models is not given/,
    );
  });

  it("a misspelt step output and a misspelt job output", () => {
    const wf = cd();
    wf.jobs.staging!.outputs!.decision = "${{ steps.compare.outputs.decison }}";
    wf.jobs.production!.steps!.find((s) => s.id === "promote")!.with!["require-decision"] =
      "${{ needs.staging.outputs.decisions }}";
    const problems = checkWorkflow("model-cd.yml", wf, repoRoot).join("\n");
    expect(problems).toMatch(/steps\.compare\.outputs\.decison is not an output/);
    expect(problems).toMatch(/needs\.staging\.outputs\.decisions is not an output of job staging/);
  });

  it("an unpinned third-party action, a job without timeout and an expression inside run:", () => {
    const wf = cd();
    wf.jobs.staging!.steps![0]!.uses = "actions/checkout@v4";
    delete wf.jobs.notify!["timeout-minutes"];
    wf.jobs.notify!.steps!.push({ run: "echo ${{ github.event.workflow_run.head_commit.message }}" });
    const problems = checkWorkflow("model-cd.yml", wf, repoRoot).join("\n");
    expect(problems).toMatch(/actions\/checkout@v4 is not pinned/);
    expect(problems).toMatch(/jobs\.notify: has no timeout-minutes/);
    expect(problems).toMatch(/inside run:/);
  });

  it("a write to prod or a push to the plants outside the job bound to production", () => {
    const wf = cd();
    const promoteStep = wf.jobs.production!.steps!.find((s) => s.id === "promote")!;
    const push = wf.jobs.production!.steps!.find((s) => s.id === "image")!;
    wf.jobs.staging!.steps!.push(promoteStep);
    wf.jobs.notify!.steps!.push(push);
    delete wf.jobs.production!.environment;
    const problems = checkWorkflow("model-cd.yml", wf, repoRoot).join("\n");
    expect(problems).toMatch(
      /jobs\.staging\.steps\[promote\]: promote writes the prod registry .* \(got environment: staging\)/,
    );
    expect(problems).toMatch(/jobs\.notify\.steps\[image\]: package-edge .* \(got no environment\)/);
    expect(problems).toMatch(/jobs\.production\.steps\[promote\]: .* \(got no environment\)/);
  });

  it("staging pushes only to the staging registry: its image step passes, the same step aimed at the plants' registry (directly, through a step output or a literal host) does not", () => {
    const staged = cd().jobs.staging!.steps!.find((s) => s.id === "image")!;
    expect(String(staged.with!.targets)).toContain("vars.AZUREML_STAGING_REGISTRY");
    expect(checkWorkflow("model-cd.yml", cd(), repoRoot)).toEqual([]);
    for (const targets of [
      String(staged.with!.targets).replace("AZUREML_STAGING_REGISTRY", "EDGE_REGISTRY_HOST"),
      "${{ vars.EDGE_REGISTRY_HOST }}/plant-north/${{ inputs.model }}:champion",
      "${{ vars.AZUREML_STAGING_REGISTRY }}/fp:v1\n${{ vars.EDGE_REGISTRY_HOST }}/plant-north/fp:v1",
      "${{ steps.compare.outputs.reason }}",
      "${{ format('{0}/{1}', vars.AZUREML_STAGING_REGISTRY, env.PLANT) }}",
      "plantregistry.azurecr.io/plant-north/failure-predictor:v1",
    ]) {
      const wf = cd();
      wf.jobs.staging!.steps!.find((s) => s.id === "image")!.with!.targets = targets;
      expect(checkWorkflow("model-cd.yml", wf, repoRoot).join("\n"), targets).toMatch(
        /jobs\.staging\.steps\[image\]: package-edge writes the prod registry or pushes to the plants: only a job with environment: production may \(got environment: staging\)/,
      );
    }
  });

  it("actionlint itself reports a broken workflow", async () => {
    const wf = cd();
    (wf.jobs.notify as Record<string, unknown>)["runs-on"] = undefined;
    const findings = await lintSources([{ path: "cd.yml", text: stringify(wf) }]);
    expect(findings.length).toBeGreaterThan(0);
  });
});
