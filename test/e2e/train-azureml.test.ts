/**
 * train with compute: azureml through dist/, as the runner runs it: the token comes from a fake `az` on
 * PATH (what azure/login leaves), Resource Manager is the local stand-in with the Azure ML job routes
 * (test/services/azureml/jobs.ts; shapes from azure-rest-api-specs machinelearningservices
 * stable/2024-10-01 examples/Job/CommandJob/createOrUpdate.json, get.json, examples/Job/cancel.json,
 * examples/Workspace/CodeVersion/createOrUpdate.json, examples/Datastore/listSecrets.json), the
 * workspace's blob storage is Azurite, and the job's command is the repository's example trainer.
 */
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { describeIf } from "../services/availability";
import {
  type FakeArm,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  startFakeArm,
  WORKSPACE,
  WORKSPACE_PATH,
} from "../services/azureml/arm-server";
import { fakeAzCli } from "../services/azureml/fake-az";
import { type AzureMLJobsStandIn, addAzureMLJobs } from "../services/azureml/jobs";
import { addWorkspaceModels, type WorkspaceModelsStandIn } from "../services/azureml/models";
import { scaledTimeEnv } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, DEV_KEY, startAzurite } from "../services/azurite";

const TSX = join(repoRoot, "node_modules/.bin/tsx");
const EXAMPLE = join(repoRoot, "examples/predictive-maintenance/train.ts");

describeIf("train compute: azureml (bundled)", azuriteAvailable(), () => {
  let az: Azurite;
  let fake: FakeArm;
  let aml: AzureMLJobsStandIn;
  let models: WorkspaceModelsStandIn;
  let workspace: string;

  beforeAll(async () => {
    az = await startAzurite();
    fake = await startFakeArm();
    aml = await addAzureMLJobs(fake, az);
    models = addWorkspaceModels(fake, aml);
    workspace = mkdtempSync(join(tmpdir(), "mlops-train-aml-"));
    await writeGenerated(join(workspace, "src/data/plant.csv"), 1500, 8);
  }, 60_000);
  afterAll(async () => {
    await aml?.close();
    await fake?.close();
    await az?.stop();
  });

  const run = (inputs: Record<string, string>, extra: Parameters<typeof runAction>[1] = {}) =>
    runAction("train", {
      root: bundleRoot(),
      workspace,
      timeoutMs: 90_000,
      env: { ...fakeAzCli(fake.token).env, ...scaledTimeEnv() },
      ...extra,
      inputs: {
        compute: "azureml",
        "subscription-id": SUBSCRIPTION,
        "resource-group": RESOURCE_GROUP,
        workspace: WORKSPACE,
        "azure-endpoint": fake.url,
        "compute-target": "cpu-cluster",
        environment: "azureml:sklearn-env:3",
        code: "src",
        "model-name": "failure-predictor",
        params: "model: logreg\niterations: 10",
        ...inputs,
      },
    });

  it("runs the trainer as an Azure ML job, registers the version in the registry and the workspace, and outputs the job, its Studio page and the workspace model", async () => {
    const r = await run({ command: `${TSX} ${EXAMPLE} --data data/plant.csv`, "workspace-model": "failure-predictor" });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    const job = r.outputs["azureml-job"] as string;
    expect(job).toMatch(/^failure-predictor-4242-1-[0-9a-f]{6}$/);
    expect(r.outputs["studio-url"]).toBe(`https://ml.azure.com/runs/${job}?wsid=${WORKSPACE_PATH}`);
    expect(r.outputs["model-version"]).toBe("1");
    expect(r.outputs["model-uri"]).toBe(".mlops/registry#failure-predictor@1");
    expect(aml.jobs.get(job)?.status).toBe("Completed");
    const card = JSON.parse(
      await readFile(join(workspace, ".mlops/registry/models/failure-predictor/versions/1/card.json"), "utf8"),
    );
    expect(card.lineage.azureml).toMatchObject({
      jobName: job,
      jobId: `${WORKSPACE_PATH}/jobs/${job}`,
      experiment: "plant-models",
      jobType: "Command",
    });
    expect(card.metrics.roc_auc).toBe(JSON.parse(r.outputs.metrics as string).roc_auc);
    expect(r.summary).toContain(`[${job}](https://ml.azure.com/runs/${job}?wsid=${WORKSPACE_PATH})`);
    // The workspace model version: the job's output, linked to the job, in the card, the summary and the output.
    expect(r.outputs["workspace-model-id"]).toBe("azureml:failure-predictor:1");
    expect(models.get("failure-predictor", 1)?.properties).toMatchObject({
      jobName: job,
      modelUri: `azureml://jobs/${job}/outputs/model/paths/model.onnx`,
      modelType: "custom_model",
    });
    const studio = `https://ml.azure.com/model/failure-predictor:1/details?wsid=${WORKSPACE_PATH}`;
    expect(card.lineage.azureml.model).toEqual({
      name: "failure-predictor",
      version: "1",
      id: "azureml:failure-predictor:1",
      studioUrl: studio,
    });
    expect(r.summary).toContain(`| Azure ML model | [azureml:failure-predictor:1](${studio}) |`);
    expect(r.summary).toContain("| run | [4242](https://github.com/");
    expect(r.stdout).toContain(`azureml: submitted command job ${job}: https://ml.azure.com/runs/${job}`);
    // The datastore key from listSecrets is masked and appears nowhere else.
    expect(r.masks).toContain(DEV_KEY);
    expect(
      r.stdout
        .split("\n")
        .filter((l) => !l.startsWith("::add-mask::"))
        .join("\n"),
    ).not.toContain(DEV_KEY);
    expect(r.summary).not.toContain(DEV_KEY);
  }, 120_000);

  it("SIGINT while the job runs (a cancelled workflow) cancels the Azure ML job and fails the step", async () => {
    const r = await run(
      { command: "sleep 60", "model-name": "cancelled-model" },
      { signalOn: { after: /azureml: job [^:]+: Running/, signal: "SIGINT" } },
    );
    const job = /azureml: job ([^:]+): Running/.exec(r.stdout)?.[1] as string;
    expect(job).toMatch(/^cancelled-model-4242-1-/);
    expect(r.exitCode).not.toBe(0);
    expect(aml.cancels).toContain(job);
    expect(fake.calls("POST", new RegExp(`/jobs/${job}/cancel$`))).toHaveLength(1);
    expect(r.errors.join("\n")).toMatch(
      new RegExp(
        `the workflow was cancelled \\(got SIGINT\\) while job ${job} was Running; the job was cancelled \\(cancel requested in Azure ML\\)`,
      ),
    );
    expect(r.summary).toContain(`## Azure ML job ${job} did not complete`);
    expect(r.outputs["model-version"]).toBeUndefined();
  }, 120_000);

  it("refuses compute: azureml without the workspace inputs, naming them", async () => {
    const r = await run({ command: "true", "subscription-id": "", workspace: "" });
    expect(r.exitCode).not.toBe(0);
    expect(r.errors[0]).toMatch(/input "subscription-id" is required with compute: azureml/);
    expect(r.errors[0]).toMatch(/input "workspace" is required with compute: azureml/);
  }, 60_000);
});
