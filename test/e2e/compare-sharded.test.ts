/**
 * Sharded compare-models through dist/, as the runner runs it: workflows-examples/compare-sharded.yml, called
 * as its header shows (`uses: ./.github/workflows/compare-sharded.yml`), run by the workflow harness: its
 * matrix of shard jobs fanned out from the caller's `shards` input, each a separate process, passing states
 * through a stand-in of the Actions artifact service backed by Azurite, then the merge job; and the same
 * comparison on one machine. On tie-heavy data (9 distinct scores) the merged metrics, the decision and the
 * significance bootstrap equal the unsharded run's exactly. Also: shards by row hash through state-dir (as
 * outside Actions), and the refusals of a merge that lacks a shard or resolves other models.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stringify } from "yaml";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { runWorkflow } from "../harness/workflow-runner";
import { type ArtifactService, startArtifactService } from "../services/artifact-service";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";

describeIf("compare-models sharded over a matrix (bundled)", azuriteAvailable(), () => {
  let az: Azurite;
  let artifacts: ArtifactService;
  let work: string;
  // The features are the models' own (their metadata), as a trainer writes them: the workflow has no features input.
  const metadata = { features: JSON.stringify(["f0", "f1"]) };

  beforeAll(async () => {
    az = await startAzurite();
    artifacts = await startArtifactService(az.connectionString());
    work = mkdtempSync(join(tmpdir(), "mlops-compare-sharded-"));
    // Two features of three values each: 9 distinct scores per model, so ties everywhere.
    let seed = 11;
    const rnd = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    mkdirSync(join(work, "holdout"));
    mkdirSync(join(work, ".github/workflows"), { recursive: true });
    copyFileSync(
      join(repoRoot, "workflows-examples/compare-sharded.yml"),
      join(work, ".github/workflows/compare-sharded.yml"),
    );
    for (let f = 0; f < 6; f++) {
      let text = "f0,f1,region,y\n";
      for (let i = 0; i < 400; i++) {
        const a = Math.floor(rnd() * 3);
        const b = Math.floor(rnd() * 3);
        const y = rnd() < 0.15 + 0.2 * a + 0.1 * b ? 1 : 0;
        text += `${a},${b},${["north", "south"][Math.floor(rnd() * 2)]},${y}\n`;
      }
      writeFileSync(join(work, "holdout", `part-${f}.csv`), text);
    }
    writeFileSync(
      join(work, "candidate.onnx"),
      encodeModel(
        linearClassifierModel({ coefficients: [[0.9, 0.4]], intercepts: [-1.2], inputName: "input", metadata }),
      ),
    );
    writeFileSync(
      join(work, "champion.onnx"),
      encodeModel(linearClassifierModel({ coefficients: [[0.5, 0.6]], intercepts: [-1], metadata })),
    );
  }, 120_000);

  afterAll(async () => {
    await artifacts?.stop();
    await az?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const caller = {
    candidate: "candidate.onnx",
    champion: "champion.onnx",
    data: "holdout/*.csv",
    label: "y",
    shards: "[1, 2, 3, 4]",
    significance: "{samples: 300, seed: 5}",
    "slice-by": "region",
    "max-slice-regression": "0.5",
  };

  const run = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runAction("compare-models", { root: bundleRoot(), workspace: work, inputs, env });

  it("4 shard jobs and a merge job equal one machine exactly, ties, significance, slices and curves included", async () => {
    // The caller, as compare-sharded.yml's header shows it.
    writeFileSync(
      join(work, ".github/workflows/compare.yml"),
      stringify({
        name: "compare",
        on: { workflow_dispatch: null },
        permissions: {},
        jobs: {
          compare: {
            uses: "./.github/workflows/compare-sharded.yml",
            permissions: { contents: "read" },
            with: caller,
            secrets: "inherit",
          },
        },
      }),
    );
    const wf = await runWorkflow(".github/workflows/compare.yml", {
      repository: work,
      root: bundleRoot(),
      eventName: "workflow_dispatch",
      artifactService: artifacts,
    });
    const shards = wf.jobs["compare/shard"]!;
    expect(shards.map((j) => j.matrix.shard)).toEqual([1, 2, 3, 4]);
    for (const job of shards) {
      const shard = job.matrix.shard as number;
      const step = job.steps.find((s) => s.action === "compare-models")!;
      const r = step.result!;
      expect(r.errors).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(step.inputs!.shard).toBe(`${shard}/4`);
      expect(r.outputs.decision ?? "").toBe("");
      // 6 files round robin over 4 shards: files 0 and 4, 1 and 5, 2, 3
      expect(Number(r.outputs.rows)).toBe(shard <= 2 ? 800 : 400);
    }
    // Each shard job uploaded its state, the merge job its report.
    expect(artifacts.artifacts.map((a) => a.name).sort()).toEqual([
      "compare-models-report",
      ...[1, 2, 3, 4].map((i) => `compare-models-state-${i}-of-4`),
    ]);
    expect(new Set(artifacts.artifacts.map((a) => a.job)).size).toBe(5);
    const mergeStep = wf.jobs["compare/merge"]![0]!.steps.find((s) => s.id === "compare")!;
    const merged = mergeStep.result!;
    expect(merged.errors).toEqual([]);
    expect(merged.exitCode).toBe(0);
    expect(wf.conclusion).toBe("success");
    // The called workflow's outputs reach the caller.
    expect(wf.jobs.compare![0]!.outputs.decision).toBe(merged.outputs.decision);

    // One machine: the merge step's inputs, without merging.
    const single = await run({ ...mergeStep.inputs!, merge: "false" });
    expect(single.errors).toEqual([]);
    expect(single.exitCode).toBe(0);
    for (const out of ["decision", "reason", "candidate-metrics", "champion-metrics", "deltas", "rules", "rows"]) {
      expect(merged.outputs[out], out).toBe(single.outputs[out]);
    }
    expect(JSON.parse(single.outputs.rules!).find((r: { rule: string }) => r.rule === "significance")).toBeDefined();
    const report = (r: typeof single) =>
      JSON.parse(readFileSync(r.outputs.report!.replace(/report\.md$/, "report.json"), "utf8")) as Record<
        string,
        unknown
      >;
    const rules = JSON.parse(merged.outputs.rules!) as { rule: string }[];
    expect(rules.map((r) => r.rule)).toContain("max-slice-regression");
    expect(report(merged).slices).toEqual(report(single).slices);
    // The report's curves come from the merged state: the same points as one machine's.
    type Side = { curves?: { task: string; binary?: { roc: { fpr: number[] }; pr: unknown; calibration: unknown } } };
    const [m, s] = [report(merged), report(single)] as unknown as [Record<string, Side>, Record<string, Side>];
    for (const side of ["candidate", "champion"]) {
      expect(s[side]!.curves?.task).toBe("binary");
      expect(s[side]!.curves!.binary!.roc.fpr.length).toBeGreaterThan(2);
      expect(m[side]!.curves, side).toEqual(s[side]!.curves);
    }
    expect(Number(merged.outputs.rows)).toBe(2400);
  });

  it("shards by row hash through state-dir (outside Actions) equal one machine; a merge refuses a missing shard or other models", async () => {
    const base = {
      candidate: caller.candidate,
      champion: caller.champion,
      label: caller.label,
      data: "holdout/part-0.csv",
      "shard-by": "rows",
      significance: "{samples: 100, seed: 2}",
      "fail-on-reject": "false",
    };
    const single = await run({ ...base, merge: "false" });
    expect(single.exitCode).toBe(0);
    const dir = join(work, "states");
    let rows = 0;
    for (const shard of [1, 2, 3]) {
      const r = await run({ ...base, merge: "false", shard: `${shard}/3`, "state-dir": dir });
      expect(r.errors).toEqual([]);
      rows += Number(r.outputs.rows);
    }
    expect(rows).toBe(400);
    const merged = await run({ ...base, merge: "true", "state-dir": dir });
    expect(merged.errors).toEqual([]);
    for (const out of ["decision", "candidate-metrics", "champion-metrics", "rules", "rows"]) {
      expect(merged.outputs[out], out).toBe(single.outputs[out]);
    }
    const swapped = await run({ ...base, merge: "true", "state-dir": dir, champion: "candidate.onnx" });
    expect(swapped.exitCode).toBe(1);
    expect(swapped.errors.join("\n")).toMatch(
      /^merge: the models differ from the ones the shards evaluated \(got candidate .*, champion /,
    );
    rmSync(join(dir, "compare-models-state-2-of-3"), { recursive: true });
    const partial = await run({ ...base, merge: "true", "state-dir": dir });
    expect(partial.exitCode).toBe(1);
    expect(partial.errors).toEqual([
      "merge: shard 2 of 3 missing (got 1, 3). Every shard job must succeed before the merge; re-run the failed ones.",
    ]);
  });
});
