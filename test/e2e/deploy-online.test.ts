/**
 * deploy-online through dist/, as the runner runs it, against the local Resource Manager stand-in with the
 * online-endpoint routes (test/services/azureml/online.ts; behaviour tied to the 2024-10-01 examples
 * examples/Workspace/OnlineEndpoint/{get,createOrUpdate,listKeys}.json and
 * examples/OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json, and to
 * https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints). The token
 * comes from a fake `az` on PATH, as DefaultAzureCredential reads it after azure/login.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { type FakeArm, RESOURCE_GROUP, SUBSCRIPTION, startFakeArm, WORKSPACE } from "../services/azureml/arm-server";
import { fakeAzCli } from "../services/azureml/fake-az";
import { installOnlineEndpoints, type OnlineStandIn } from "../services/azureml/online";
import { scaledTimeEnv } from "../services/azureml/time-scale";
import { useExampleServer } from "../services/example-server";

const A = "azureml://registries/prod-models/models/failure-predictor/versions/1";
const B = "azureml://registries/prod-models/models/failure-predictor/versions/2";

let fake: FakeArm;
let online: OnlineStandIn;
let workspace: string;

const deploy = (inputs: Record<string, string>) =>
  runAction("deploy-online", {
    root: bundleRoot(),
    workspace,
    timeoutMs: 60_000,
    env: { ...fakeAzCli(fake.token).env, ...scaledTimeEnv() },
    inputs: {
      "subscription-id": SUBSCRIPTION,
      "resource-group": RESOURCE_GROUP,
      workspace: WORKSPACE,
      "azure-endpoint": fake.url,
      endpoint: "fp-online",
      model: B,
      image: "mlopsplants.azurecr.io/failure-predictor:2",
      deployment: "green",
      "sample-request": "sample.json",
      "smoke-requests": "2",
      "step-wait-seconds": "0",
      ...inputs,
    },
  });

const inference = useExampleServer();

beforeEach(async () => {
  workspace = mkdtempSync(join(tmpdir(), "mlops-deploy-online-"));
  writeFileSync(
    join(workspace, "sample.json"),
    JSON.stringify({
      inputs: [{ name: "input", shape: [1, 5], datatype: "FP32", data: [298.1, 308.6, 1551, 42.8, 0] }],
    }),
  );
  fake = await startFakeArm();
  // The inference server (shared/serve) plays the custom container the image would start.
  online = await installOnlineEndpoints(fake, {
    inference: { url: inference.server.httpUrl, model: "failure-predictor" },
  });
  online.seed("fp-online", [
    { name: "blue", model: A, tags: { "mlops-role": "champion", "mlops-model": A }, traffic: 100 },
  ]);
});
afterEach(async () => {
  await online.close();
  await fake.close();
});

describe("deploy-online (bundled)", () => {
  it("blue/green: outputs, summary table, masked key", async () => {
    const r = await deploy({ traffic: "10,50,100" });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      deployment: "green",
      "scoring-uri": `${online.scoringBase}/fp-online/score`,
      "rolled-back": "false",
    });
    expect(JSON.parse(r.outputs.traffic!)).toEqual({ blue: 0, green: 100 });
    expect(JSON.parse(r.outputs["previous-traffic"]!)).toEqual({ blue: 100 });
    expect(online.trafficPuts.map((p) => p.traffic)).toEqual([
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
    ]);
    expect(r.summary).toMatch(/\| step 1: 10% \| blue=90%, green=10% \| 2 \| 0 \|/);
    expect(r.summary).toMatch(/\| smoke test \(0%\) \|/);
    const key = online.endpoints.get("fp-online")!.keys.primaryKey;
    expect(r.masks).toContain(key);
    // The only place the key is printed is the ::add-mask:: command that hides it.
    const printed = (r.stdout + r.stderr).split("\n").filter((l) => !l.startsWith("::add-mask::"));
    expect([...printed, r.summary, JSON.stringify(r.outputs)].join("\n")).not.toContain(key);
    expect(online.deployments.get("fp-online/green")!.body.tags).toEqual({
      "mlops-role": "champion",
      "mlops-model": B,
    });
  });

  it("a failing health check exits 1 and the stand-in's traffic is back at blue=100", async () => {
    online.behave("green", { kind: "error-after", requests: 2 });
    const r = await deploy({ traffic: "50,100" });
    expect(r.exitCode).toBe(1);
    expect(r.errors.join("\n")).toMatch(/the health check at 50% failed .*Traffic was restored to blue=100%/);
    expect(r.outputs["rolled-back"]).toBe("true");
    expect(JSON.parse(r.outputs.traffic!)).toEqual({ blue: 100 });
    expect(online.endpoints.get("fp-online")!.properties.traffic).toEqual({ blue: 100 });
    expect(online.trafficPuts.map((p) => p.traffic)).toEqual([{ blue: 50, green: 50 }, { blue: 100 }]);
    expect(r.summary).toMatch(/failed, traffic restored/);
  });
});
