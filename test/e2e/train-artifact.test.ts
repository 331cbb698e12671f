/**
 * train's upload-artifact through dist/, as the runner runs it, against a stand-in of the Actions results
 * service (test/services/artifact-results.ts) that hands out upload URLs into Azurite, so the artifact zip
 * is really written to blob storage and read back.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { type ArtifactResults, startArtifactResults } from "../services/artifact-results";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";

describeIf("train upload-artifact (bundled)", azuriteAvailable(), () => {
  let az: Azurite;
  let results: ArtifactResults;
  let work: string;
  let modelFile: string;

  beforeAll(async () => {
    az = await startAzurite();
    results = await startArtifactResults(az, "model-artifact.zip");
    work = mkdtempSync(join(tmpdir(), "mlops-train-artifact-"));
    modelFile = join(work, "source.onnx");
    writeFileSync(modelFile, encodeModel(linearClassifierModel({ coefficients: [[0.5, -0.25]], intercepts: [0.1] })));
  }, 60_000);

  afterAll(async () => {
    await results?.close();
    await az?.stop();
  });

  it("uploads the model and the metrics when the trainer writes them to different folders", async () => {
    const trainer = join(work, "trainer.mjs");
    writeFileSync(
      trainer,
      [
        'import { copyFileSync, writeFileSync } from "node:fs";',
        `copyFileSync(${JSON.stringify(modelFile)}, process.env.MLOPS_MODEL_PATH);`,
        "writeFileSync(process.env.MLOPS_METRICS_PATH, JSON.stringify({ roc_auc: 0.9 }));",
      ].join("\n"),
    );
    mkdirSync(join(work, "out"), { recursive: true });
    mkdirSync(join(work, "reports"), { recursive: true });
    const r = await runAction("train", {
      root: bundleRoot(),
      inputs: {
        command: `node ${trainer}`,
        "working-directory": work,
        "model-path": "out/model.onnx",
        "metrics-path": "reports/metrics.json",
        "model-name": "fp",
        register: "false",
        "upload-artifact": "true",
      },
      env: { ACTIONS_RUNTIME_TOKEN: results.token, ACTIONS_RESULTS_URL: results.url },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/upload-artifact: fp-model \(id 77, \d+ bytes\)/);
    expect(results.calls.map((c) => c.method)).toEqual(["CreateArtifact", "FinalizeArtifact"]);
    expect(results.calls[0]!.body).toMatchObject({ name: "fp-model", workflow_run_backend_id: "run-backend-1" });
    const zip = await results.download();
    expect(zip.subarray(0, 2).toString()).toBe("PK");
    expect(zip.includes("out/model.onnx")).toBe(true);
    expect(zip.includes("reports/metrics.json")).toBe(true);
  });
});
