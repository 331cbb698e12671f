/**
 * The CD pipeline of workflows-examples/cd.yml, executed job by job through dist/ as GitHub would run it,
 * with the step inputs and outputs read from cd.yml itself: against two Azurite accounts (dev and prod
 * registries), Debian's docker-registry (the plants' registry) and a local Teams webhook stand-in.
 * First the bootstrap into an empty prod (refused, then promoted with first-release), then a better
 * candidate over the champion, then the reject path: a worse candidate stops before notify and promote,
 * and prod is untouched.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FEATURES, generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { promote } from "../../shared/promote";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot } from "../harness/run-action";
import { type JobRecord, runWorkflow } from "../harness/workflow-runner";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, SECOND_ACCOUNT, startAzurite } from "../services/azurite";
import { baseImageAvailability, skopeoCopyToRegistry, skopeoInspect, writeBaseLayout } from "../services/base-image";
import { type RegistryService, registryAvailability, startRegistry } from "../services/oci-registry";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";

const CD = join(repoRoot, "workflows-examples/cd.yml");
const compareOf = (jobs: Record<string, JobRecord[]>) => jobs.compare![0]!.steps.find((s) => s.id === "compare")!.result!;
const STUDIO_JOB = "https://ml.azure.com/runs/failure-predictor-4101-1-a1b2c3?wsid=/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/plant-ml";
const TRAINED_IN = {
  repository: "plant/predictive-maintenance",
  gitSha: "4f2c0a9e1b7d3c5a6e8f0b1d2c3e4f5a6b7c8d9e",
  workflow: "ci",
  runId: "4101",
  runUrl: "https://github.com/plant/predictive-maintenance/actions/runs/4101",
  command: "python ml/train.py",
  durationSeconds: 312,
  azureml: {
    jobName: "failure-predictor-4101-1-a1b2c3",
    jobId: "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/plant-ml/jobs/failure-predictor-4101-1-a1b2c3",
    studioUrl: STUDIO_JOB,
    experiment: "predictive-maintenance",
    jobType: "Command",
  },
};

function available() {
  for (const a of [azuriteAvailable(), registryAvailability(), baseImageAvailability()]) if (!a.ok) return a;
  return { ok: true as const };
}

describeIf("the CD workflow, end to end (bundled)", available(), () => {
  let azurite: Azurite;
  let oci: RegistryService;
  let teams: TeamsCaptureServer;
  let workspace: string;
  let models: string;
  let vars: Record<string, string>;
  let env: Record<string, string>;
  const dev = () => openRegistry(vars.DEV_REGISTRY, { env });
  const prod = () => openRegistry(vars.PROD_REGISTRY, { env });

  const run = (inputs: Record<string, string> = {}, overrides: Record<string, string> = {}) =>
    runWorkflow(CD, {
      root: bundleRoot(),
      workspace,
      eventName: "workflow_dispatch",
      inputs: { candidate: "failure-predictor@challenger", ...inputs },
      vars: { ...vars, ...overrides },
      secrets: { TEAMS_WEBHOOK_URL: teams.webhookUrl },
      env,
    });

  beforeAll(async () => {
    [azurite, oci, teams] = await Promise.all([startAzurite(), startRegistry(), startTeamsCapture()]);
    workspace = mkdtempSync(join(tmpdir(), "mlops-cd-ws-"));
    mkdirSync(join(workspace, "data"));
    await writeGenerated(join(workspace, "data/holdout.csv"), 3000, 21);
    // What the plants' applications call (cd.yml checks every candidate against it).
    mkdirSync(join(workspace, "deploy"));
    writeFileSync(
      join(workspace, "deploy/interface.yml"),
      [
        "inputs:",
        "  - { name: Type, dtype: string, shape: [null, 1] }",
        ...FEATURES.slice(1).map((f) => `  - { name: "${f}", dtype: float, shape: [null, 1] }`),
        "outputs:",
        "  - { name: label, dtype: int64, shape: [null] }",
        "  - { name: probabilities, dtype: float, shape: [null, 2] }",
        "",
      ].join("\n"),
    );
    const base = join(workspace, "base-layout");
    await writeBaseLayout(base, { withNode: false, arm64Stub: true });
    await skopeoCopyToRegistry(`oci:${base}:base`, `${oci.host}/mirror/node:24`);
    vars = {
      DEV_REGISTRY: `${azurite.endpoint(DEV_ACCOUNT)}/models-dev`,
      PROD_REGISTRY: `${azurite.endpoint(SECOND_ACCOUNT)}/models-prod`,
      EDGE_REGISTRY_HOST: oci.host,
      EDGE_BASE_IMAGE: `${oci.host}/mirror/node:24`,
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
      AZURE_TENANT_ID: "00000000-0000-0000-0000-000000000000",
      AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    };
    // What azure/login provides in a real run, here as the Azurite accounts' connection strings.
    env = {
      [`AZURE_STORAGE_CONNECTION_STRING_${DEV_ACCOUNT.toUpperCase()}`]: azurite.connectionString(DEV_ACCOUNT),
      [`AZURE_STORAGE_CONNECTION_STRING_${SECOND_ACCOUNT.toUpperCase()}`]: azurite.connectionString(SECOND_ACCOUNT),
    };
    // The state a previous CD run left: v1 is the prod champion; CI registered v2 as the challenger.
    models = mkdtempSync(join(tmpdir(), "mlops-cd-models-"));
    const train = generatedDataset(8000, 5);
    writeFileSync(join(models, "weak.onnx"), modelToOnnx(trainLogistic(train, { iterations: 2 })));
    writeFileSync(join(models, "strong.onnx"), modelToOnnx(trainGbt(train, { nEstimators: 80, maxDepth: 4 })));
    const v1 = await dev().register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: join(models, "weak.onnx") }],
    });
    await promote({ from: dev(), to: prod(), model: `failure-predictor@${v1.version}`, expectedChampion: null });
    // v2 was trained as an Azure ML job by the CI workflow: its card says where (what train records).
    const v2 = await dev().register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: join(models, "strong.onnx") }],
      lineage: TRAINED_IN,
    });
    await dev().setAlias("failure-predictor", "challenger", v2.version);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([azurite?.stop(), oci?.stop(), teams?.close()]);
  });

  it("bootstraps an empty prod: without a champion the comparison refuses, with first-release it is judged on its own", async () => {
    const empty = { PROD_REGISTRY: `${azurite.endpoint(SECOND_ACCOUNT)}/models-first` };
    const first = () => openRegistry(empty.PROD_REGISTRY, { env });
    const refused = await run({}, empty);
    expect(refused.compare![0]!.result).toBe("failure");
    const compareStep = refused.compare![0]!.steps.find((s) => s.id === "compare")!;
    expect(compareStep.result!.errors).toEqual([
      expect.stringMatching(/^champion: no model named "failure-predictor" .*If this is the model's first release, set champion: none\.$/),
    ]);
    expect(refused.notify![0]!.result).toBe("skipped");
    expect(refused.promote![0]!.result).toBe("skipped");
    expect(await first().getAlias("failure-predictor", "champion")).toBeUndefined();

    const bootstrap = await run({ "first-release": "true" }, empty);
    const failedSteps = Object.values(bootstrap).flatMap((runs) => runs.flatMap((r) => r.steps)).filter((s) => s.status === "failure");
    expect(failedSteps.map((s) => s.result?.errors)).toEqual([]);
    expect(bootstrap.compare![0]!.outputs).toMatchObject({ decision: "promote", "champion-version": "" });
    expect(compareOf(bootstrap).outputs.contract).toBe("compatible"); // checked against deploy/interface.yml
    expect(compareOf(bootstrap).summary).toContain("No champion (champion: none, a first release)");
    expect(bootstrap.promote![0]!.outputs.version).toBe("1");
    expect(await first().getAlias("failure-predictor", "champion")).toBe(1);
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
  });

  it("compares, asks Teams, promotes dev -> prod and packages the image for every plant", async () => {
    const jobs = await run();
    const steps = Object.values(jobs).flatMap((runs) => runs.flatMap((r) => r.steps));
    for (const s of steps) if (s.status === "failure") throw new Error(`${s.action}: ${s.result?.errors.join(" ")}`);
    // No job output carries a secret (GitHub would pass it on empty).
    expect(Object.values(jobs).flatMap((runs) => runs.flatMap((r) => r.skippedOutputs))).toEqual([]);
    expect(jobs.compare![0]!.outputs, jobs.compare![0]!.outputs.reason).toMatchObject({
      decision: "promote",
      "candidate-version": "2",
      "champion-version": "1",
    });
    expect(jobs.notify![0]!.result).toBe("success");
    expect(teams.requests).toHaveLength(2);
    expect(JSON.stringify(teams.requests[1]!.json)).toContain("failure-predictor");
    // The card links the run that trained the candidate and its Azure ML job, read from the candidate's card
    // through compare-models' candidate-lineage and the job outputs cd.yml passes on.
    expect(JSON.parse(jobs.compare![0]!.outputs["candidate-lineage"] as string)).toMatchObject({ runUrl: TRAINED_IN.runUrl, azureml: { studioUrl: STUDIO_JOB } });
    const facts = JSON.stringify(teams.requests[1]!.json);
    expect(facts).toContain(JSON.stringify({ title: "Trained in", value: `[ci](${TRAINED_IN.runUrl})` }));
    expect(facts).toContain(JSON.stringify({ title: "Azure ML job", value: `[failure-predictor-4101-1-a1b2c3](${STUDIO_JOB})` }));

    expect(jobs.promote![0]!.result).toBe("success");
    const promoted = jobs.promote![0]!.outputs;
    expect(promoted.version).toBe("2");
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(2);
    const card = await prod().resolve("failure-predictor@2");
    expect(card.lineage.source).toMatchObject({ name: "failure-predictor", version: 2 });

    expect(jobs.package!.map((r) => [r.matrix?.plant, r.result])).toEqual([
      ["plant-north", "success"],
      ["plant-south", "success"],
    ]);
    const digests = jobs.package!.map((r) => r.steps.find((s) => s.id === "image")!.result!.outputs.digest);
    expect(digests[0]).toBe(digests[1]); // same inputs, same image, for every plant
    for (const plant of ["plant-north", "plant-south"]) {
      const pushed = (await skopeoInspect(`${oci.host}/${plant}/failure-predictor:2`)) as { Digest: string };
      expect(pushed.Digest).toBe(digests[0]);
    }
    // What needs GitHub or Azure itself was not run here, and said so.
    expect(steps.filter((s) => s.status === "not-run-here").map((s) => s.uses?.split("@")[0])).toEqual(
      expect.arrayContaining(["actions/checkout", "azure/login", "actions/upload-artifact"]),
    );
  }, 180_000);

  it("stops a worse candidate after the comparison: no approval request, prod untouched", async () => {
    const v3 = await dev().register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: join(models, "weak.onnx") }],
    });
    await dev().setAlias("failure-predictor", "challenger", v3.version);
    const prodHistory = await prod().history("failure-predictor");
    const posts = teams.requests.length;

    const jobs = await run();
    expect(jobs.compare![0]!.result).toBe("success");
    expect(jobs.compare![0]!.outputs.decision).toBe("reject");
    expect(jobs.notify![0]!.result).toBe("skipped");
    expect(jobs.promote![0]!.result).toBe("skipped");
    expect(jobs.package!.every((r) => r.result === "skipped")).toBe(true);
    expect(teams.requests.length).toBe(posts);
    expect(await prod().history("failure-predictor")).toEqual(prodHistory);
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(2);
  });
});
