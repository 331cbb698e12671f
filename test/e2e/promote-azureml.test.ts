/**
 * promote through dist/, as the runner runs it, into an Azure ML registry: the local Resource Manager
 * stand-in (test/services/azureml/registries.ts, routes tied to azure-rest-api-specs machinelearningservices
 * stable/2024-10-01 examples/Registry/ModelContainer/*.json and examples/Registry/ModelVersion/*.json),
 * Azurite as the registry's storage, and an `az` on PATH that DefaultAzureCredential's AzureCliCredential
 * asks for the token (what azure/login leaves on a runner).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { describeIf } from "../services/availability";
import { type FakeArm, RESOURCE_GROUP, SUBSCRIPTION, startFakeArm } from "../services/azureml/arm-server";
import { fakeAzCli } from "../services/azureml/fake-az";
import { addRegistryRoutes, type RegistryStandIn } from "../services/azureml/registries";
import { scaledTimeEnv } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";

const REGISTRY = "contoso-models";
let workspace: string;
let az: Azurite;
let fake: FakeArm;
let aml: RegistryStandIn;
let azEnv: Record<string, string>;
const dev = () => join(workspace, "dev-registry");
const prod = () => join(workspace, "prod-registry");

async function registerInDev(weight: number): Promise<number> {
  const file = join(workspace, `model-${weight}.onnx`);
  writeFileSync(file, encodeModel(linearClassifierModel({ coefficients: [[weight, 1]], intercepts: [0] })));
  const card = await openRegistry(dev()).register({
    name: "fp",
    files: [{ path: "model.onnx", source: file }],
    metrics: { f1: 0.8 },
  });
  return card.version;
}

const promoteRun = (inputs: Record<string, string>) =>
  runAction("promote", {
    root: bundleRoot(),
    workspace,
    inputs: {
      "from-registry": dev(),
      "to-registry": `azureml://registries/${REGISTRY}/models/fp`,
      "alias-registry": prod(),
      "subscription-id": SUBSCRIPTION,
      "resource-group": RESOURCE_GROUP,
      "azure-endpoint": fake.url,
      "github-token": "",
      ...inputs,
    },
    env: azEnv,
    timeoutMs: 60_000,
  });

describeIf("promote into an Azure ML registry (bundled)", azuriteAvailable(), () => {
  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), "mlops-promote-aml-"));
    az = await startAzurite();
    fake = await startFakeArm();
    aml = await addRegistryRoutes(fake, az);
    azEnv = { ...fakeAzCli(fake.token).env, ...scaledTimeEnv() };
    await registerInDev(1);
    await registerInDev(2);
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await az?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("publishes fp@1 to the Azure ML registry and makes it champion in alias-registry", async () => {
    const r = await promoteRun({ model: "fp@1", "require-decision": "promote", "expected-champion": "none" });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      version: "1",
      promoted: "true",
      "model-uri": `${prod()}#fp@1`,
      "azureml-model-id": `azureml://registries/${REGISTRY}/models/fp/versions/1`,
    });
    expect(r.summary).toContain(`Azure ML registry **${REGISTRY}**: \`fp\` version 1 published in this run`);
    expect(aml.get(REGISTRY, "fp", 1)?.properties).toMatchObject({
      modelType: "custom_model",
      tags: { "mlops.source": `${dev()}#fp@1` },
    });
    expect(await openRegistry(prod()).getAlias("fp", "champion")).toBe(1);
    // The upload SAS was masked and is printed nowhere.
    const sas = aml.uploads[0]!.sasUri;
    expect(r.masks).toContain(sas);
    const sig = new URLSearchParams(sas.slice(sas.indexOf("?") + 1)).get("sig")!;
    // ::add-mask:: lines are read by the runner and never shown; everything else must not carry it.
    const shown = r.stdout
      .split("\n")
      .filter((l) => !l.startsWith("::add-mask::"))
      .join("\n");
    expect(shown).toContain("Azure ML: created fp version 1 in registry contoso-models (3 files");
    for (const text of [shown, r.stderr, r.summary, JSON.stringify(r.outputs)]) {
      expect(text).not.toContain(sig);
      expect(text).not.toContain(encodeURIComponent(sig));
    }
  });

  it("a refused decision leaves the Azure ML registry and alias-registry untouched", async () => {
    const puts = fake.requests.filter((q) => q.method !== "GET").length;
    const history = await openRegistry(prod()).history("fp");
    const r = await promoteRun({ model: "fp@2", "require-decision": "reject" });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(/^require-decision: the comparison did not recommend promotion \(got "reject"\)/),
    ]);
    expect(r.outputs["model-uri"]).toBeUndefined();
    expect(r.outputs["azureml-model-id"]).toBeUndefined();
    expect(fake.requests.filter((q) => q.method !== "GET").length).toBe(puts);
    expect(aml.get(REGISTRY, "fp", 2)).toBeUndefined();
    expect(await openRegistry(prod()).history("fp")).toEqual(history);
    expect(await openRegistry(prod()).listVersions("fp")).toHaveLength(1);
  });

  it("without alias-registry it fails naming the input and how to fix it", async () => {
    const r = await promoteRun({ model: "fp@2", "alias-registry": "" });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^alias-registry: required when to-registry is an Azure ML registry .*Set alias-registry: to/,
      ),
    ]);
  });
});
