/**
 * deploy-online's use case against the local Resource Manager stand-in (test/services/azureml/arm-server.ts)
 * with the online-endpoint routes of test/services/azureml/online.ts, whose behaviour follows the 2024-10-01
 * examples of azure-rest-api-specs (examples/Workspace/OnlineEndpoint/{get,createOrUpdate,listKeys}.json,
 * examples/OnlineDeployment/ManagedOnlineDeployment/{createOrUpdate,update}.json, examples/OnlineDeployment/
 * {list,getLogs}.json, examples/Workspace/OnlineDeployment/delete.json) and the traffic rules and
 * `azureml-model-deployment` header of https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints.
 * Healthy deployments answer through a real inference server (shared/serve, ONNX, OIP v2 JSON).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DeployOnlineOptions, runDeployOnline, RolloutFailed } from "../../shared/deploy";
import type { Logger } from "../../shared/log";
import { startServer } from "../../shared/serve";
import { modelFile } from "../../shared/serve/run-serve";
import { parseServeArgs } from "../../shared/serve/serve-args";
import { specLedger } from "../services/azureml/spec";
import { expectSpecConformance } from "../services/azureml/spec-conformance";
import { logisticModel } from "../../shared/serve/example-models";
import {
  type FakeArm,
  fakeCredential,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  startFakeArm,
  WORKSPACE,
  WORKSPACE_PATH,
} from "../services/azureml/arm-server";
import { addAzureMLJobs } from "../services/azureml/jobs";
import { installOnlineEndpoints, type OnlineStandIn } from "../services/azureml/online";
import { scaledSleep } from "../services/azureml/time-scale";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, DEV_KEY, startAzurite } from "../services/azurite";
import { useExampleServer } from "../services/example-server";

const REG = "azureml://registries/prod-models/models/failure-predictor/versions";
const A = `${REG}/1`;
const B = `${REG}/2`;
const C = `${REG}/3`;
const IMAGE = "mlopsplants.azurecr.io/failure-predictor:2";
const SAMPLE = JSON.stringify({
  inputs: [
    {
      name: "input",
      shape: [2, 5],
      datatype: "FP32",
      data: [298.1, 308.6, 1551, 42.8, 0, 302.5, 311.3, 1305, 68.2, 210],
    },
  ],
});

const inference = useExampleServer();
let fake: FakeArm;
let online: OnlineStandIn;
let lines: string[];

const logger: Logger = {
  info: (m) => void lines.push(m),
  warning: (m) => void lines.push(`warning: ${m}`),
  debug: () => {},
  progress: () => {},
};

function opts(over: Partial<DeployOnlineOptions> = {}): DeployOnlineOptions {
  return {
    workspace: { subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP, workspace: WORKSPACE },
    armEndpoint: fake.url,
    credential: fakeCredential(fake.token),
    endpoint: "fp-online",
    model: B,
    image: IMAGE,
    instanceType: "Standard_DS3_v2",
    instanceCount: 1,
    strategy: "blue-green",
    traffic: [10, 50, 100],
    sampleRequest: SAMPLE,
    smokeRequests: 3,
    maxErrorRate: 0,
    stepWaitSeconds: 0,
    retirePrevious: false,
    logger,
    pollIntervalMs: 1,
    baseDelayMs: 1,
    sleep: scaledSleep,
    ...over,
  };
}

const traffic = (ep = "fp-online") => online.endpoints.get(ep)!.properties.traffic;
const tags = (d: string, ep = "fp-online") => online.deployments.get(`${ep}/${d}`)?.body.tags;
const puts = () => online.trafficPuts.map((p) => p.traffic);

async function failure(p: Promise<unknown>): Promise<RolloutFailed> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RolloutFailed);
  return e as RolloutFailed;
}

beforeEach(async () => {
  lines = [];
  fake = await startFakeArm();
  online = await installOnlineEndpoints(fake, {
    inference: { url: inference.server.httpUrl, model: "failure-predictor" },
    pageSize: 2,
  });
});
afterEach(async () => {
  await online.close();
  await fake.close();
});

describe("deploy-online: blue/green", () => {
  it("first deploy: creates the endpoint in the workspace's region with key auth, smoke-tests with real predictions, then 100%", async () => {
    const r = await runDeployOnline(opts({ model: A }));
    // createOrUpdate.json body: location from the workspace GET (examples/Workspace/get.json), authMode Key.
    const created = fake.calls("PUT", /onlineEndpoints\/fp-online$/)[0]!;
    expect(created.body).toMatchObject({ location: "westeurope", properties: { authMode: "Key" } });
    const dep = fake.calls("PUT", /deployments\/failure-predictor-v1$/)[0]!;
    expect(dep.body).toMatchObject({
      location: "westeurope",
      sku: { capacity: 1 },
      properties: { endpointComputeType: "Managed", model: A, instanceType: "Standard_DS3_v2" },
    });
    expect(r.deployment).toBe("failure-predictor-v1");
    expect(puts()).toEqual([{}, { "failure-predictor-v1": 100 }]);
    expect(traffic()).toEqual({ "failure-predictor-v1": 100 });
    expect(tags("failure-predictor-v1")).toEqual({ "mlops-role": "champion", "mlops-model": A });
    expect(r.smoke).toMatchObject({ requests: 3, errors: 0, passed: true });
    // The real model answered: OIP v2 outputs with a label per row.
    expect(r.smoke!.sample).toMatch(/^\{"model_name":"failure-predictor".*"outputs":\[/);
    expect(online.scored.filter((s) => s.header === "failure-predictor-v1" && s.status === 200)).toHaveLength(6);
    expect(r.scoringUri).toBe(`${online.scoringBase}/fp-online/score`);
    expect(r.rolledBack).toBe(false);
    expect(lines.some((l) => /deployment failure-predictor-v1: (Creating|InProgress)/.test(l))).toBe(true);
  });

  it("moves A → B through 10/50/100 with a health check after each step, then B is champion and A stays at 0%", async () => {
    online.seed("fp-online", [
      { name: "blue", model: A, tags: { "mlops-role": "champion", "mlops-model": A }, traffic: 100 },
    ]);
    const r = await runDeployOnline(opts({ deployment: "green" }));
    expect(puts()).toEqual([
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
    ]);
    expect(r.steps.map((s) => s.check?.passed)).toEqual([true, true, true]);
    expect(r.steps.map((s) => s.check?.requests)).toEqual([3, 3, 3]);
    expect(traffic()).toEqual({ blue: 0, green: 100 });
    expect(tags("green")).toEqual({ "mlops-role": "champion", "mlops-model": B });
    expect(tags("blue")).toEqual({ "mlops-model": A });
    expect(online.deployments.has("fp-online/blue")).toBe(true);
    expect(r.previousTraffic).toEqual({ blue: 100 });
    expect(r.summary).toMatch(/\| step 2: 50% \| blue=50%, green=50% \| 3 \| 0 \|/);
    expect(r.summary).toContain("https://ml.azure.com/endpoints/realtime/fp-online/detail?wsid=");

    // Re-running with the same model changes nothing.
    const before = fake.requests.filter((q) => q.method !== "GET").length;
    const again = await runDeployOnline(opts({ deployment: "green" }));
    expect(again.noop).toBe(true);
    expect(fake.requests.filter((q) => q.method !== "GET").length).toBe(before);
    expect(online.trafficPuts).toHaveLength(3);
  });

  it("retire-previous deletes the old deployment once the new one holds 100%", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    const r = await runDeployOnline(opts({ deployment: "green", traffic: [100], retirePrevious: true }));
    expect(r.retired).toEqual(["blue"]);
    expect(online.deployments.has("fp-online/blue")).toBe(false);
    expect(fake.calls("DELETE", /deployments\/blue$/)).toHaveLength(1);
  });

  it("a smoke test that fails moves no traffic", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    online.behave("green", { kind: "error" });
    online.logs.set("green", "loading model\nTraceback: KeyError 'input'");
    const e = await failure(runDeployOnline(opts({ deployment: "green" })));
    expect(e.message).toMatch(/smoke test failed \(got 3 errors in 3 requests, first: "HTTP 500/);
    expect(e.message).toMatch(/No traffic was moved; the endpoint still serves blue=100%/);
    expect(e.message).toContain("Traceback: KeyError 'input'");
    expect(online.trafficPuts).toEqual([]);
    expect(traffic()).toEqual({ blue: 100 });
    expect(e.result.rolledBack).toBe(false);
  });

  it("a health check that fails at 50% puts the traffic back to A=100 in one PUT and says so", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    // 3 smoke requests and 3 at 10% pass; the 50% check fails.
    online.behave("green", { kind: "error-after", requests: 6, status: 503 });
    const e = await failure(runDeployOnline(opts({ deployment: "green" })));
    expect(puts()).toEqual([{ blue: 90, green: 10 }, { blue: 50, green: 50 }, { blue: 100 }]);
    expect(traffic()).toEqual({ blue: 100 });
    expect(e.message).toMatch(/the health check at 50% failed \(got 3 errors in 3 requests, first: "HTTP 503/);
    expect(e.message).toMatch(/Traffic was restored to blue=100%; green is left at 0% for diagnosis/);
    expect(e.result.rolledBack).toBe(true);
    expect(e.result.traffic).toEqual({ blue: 100 });
    expect(e.result.summary).toMatch(/\| rollback \| blue=100% \|/);
    expect(tags("blue")).toMatchObject({ "mlops-role": "champion" });
    expect(online.deployments.has("fp-online/green")).toBe(true);
  });

  it("provisioning that ends Failed reports the service's message and leaves the traffic alone", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    online.failProvisioning("green", {
      code: "ResourceNotReady",
      message: "User container has crashed or terminated: Liveness probe failed.",
    });
    const e = await failure(runDeployOnline(opts({ deployment: "green" })));
    expect(e.message).toMatch(
      /deployment green: provisioning failed .*ResourceNotReady: User container has crashed or terminated/,
    );
    expect(e.message).toMatch(/No traffic was moved/);
    expect(online.trafficPuts).toEqual([]);
    expect(traffic()).toEqual({ blue: 100 });
  });

  it("a cancelled workflow during a step puts the traffic back", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    const cancel = new AbortController();
    online.onTraffic = (_ep, t) => {
      if (t.green === 10) setTimeout(() => cancel.abort(new Error("cancelled (SIGINT)")), 50);
    };
    const started = Date.now();
    const e = await failure(runDeployOnline(opts({ deployment: "green", stepWaitSeconds: 60, signal: cancel.signal })));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e.message).toMatch(/the workflow was cancelled \(SIGINT\)\. Traffic was restored to blue=100%/);
    expect(puts()).toEqual([{ blue: 90, green: 10 }, { blue: 100 }]);
    expect(traffic()).toEqual({ blue: 100 });
  });

  it("a cancel while a traffic PUT is still running waits for that operation, then puts the traffic back", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    const cancel = new AbortController();
    online.onEndpointPut = (_ep, t) => {
      if (t.green === 10) cancel.abort(new Error("cancelled (SIGINT)"));
    };
    const e = await failure(runDeployOnline(opts({ deployment: "green", signal: cancel.signal })));
    expect(e.message).toMatch(/the workflow was cancelled \(SIGINT\)\. Traffic was restored to blue=100%/);
    expect(e.result.rolledBack).toBe(true);
    expect(fake.calls("PUT", /onlineEndpoints\/fp-online$/).map((c) => c.status)).toEqual([200, 200]);
    expect(puts()).toEqual([{ blue: 90, green: 10 }, { blue: 100 }]);
    expect(traffic()).toEqual({ blue: 100 });
  });
});

describe("deploy-online: cancelled after the traffic moved", () => {
  it("says the traffic moved (not that nothing changed), and a re-run finishes the roles", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    const cancel = new AbortController();
    const log: Logger = {
      ...logger,
      info: (m) => {
        lines.push(m);
        if (
          /^deployment green: (Succeeded|Updating|InProgress)|no longer the champion/.test(m) &&
          !cancel.signal.aborted &&
          traffic().green === 100
        )
          cancel.abort(new Error("cancelled (SIGINT)"));
      },
    };
    const e = await failure(runDeployOnline(opts({ deployment: "green", signal: cancel.signal, logger: log })));
    expect(e.message).toMatch(
      /^deployment green: the workflow was cancelled \(SIGINT\) after the traffic moved \(got traffic blue=0%, green=100%\)/,
    );
    expect(e.message).not.toContain("nothing was changed");
    expect(e.result).toMatchObject({ rolledBack: false, traffic: { blue: 0, green: 100 } });
    expect(traffic()).toEqual({ blue: 0, green: 100 });
    // Running again changes no traffic and completes the roles.
    const r = await runDeployOnline(opts({ deployment: "green" }));
    expect(r.noop).toBe(true);
    expect(tags("green")).toEqual({ "mlops-role": "champion", "mlops-model": B });
    expect(tags("blue")?.["mlops-role"]).toBeUndefined();
  });
});

describe("deploy-online: A/B", () => {
  it("challenger-traffic 10 gives {A: 90, B: 10} and tags the roles", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, traffic: 100 }]);
    const r = await runDeployOnline(opts({ strategy: "ab", challengerTraffic: 10, deployment: "green" }));
    expect(puts()).toEqual([{ blue: 90, green: 10 }]);
    expect(traffic()).toEqual({ blue: 90, green: 10 });
    expect(tags("green")).toEqual({ "mlops-role": "challenger", "mlops-model": B });
    expect(tags("blue")).toMatchObject({ "mlops-role": "champion" });
    expect(r.traffic).toEqual({ blue: 90, green: 10 });
    expect(r.steps[0]!.check).toMatchObject({ requests: 3, errors: 0 });
  });

  it("a new challenger replaces the old one: traffic moves to it, then the old challenger is deleted", async () => {
    online.seed("fp-online", [
      { name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 90 },
      { name: "green", model: B, tags: { "mlops-role": "challenger", "mlops-model": B }, traffic: 10 },
    ]);
    const r = await runDeployOnline(opts({ strategy: "ab", challengerTraffic: 20, model: C }));
    expect(r.deployment).toBe("failure-predictor-v3");
    expect(puts()).toEqual([{ blue: 80, green: 0, "failure-predictor-v3": 20 }]);
    expect(r.retired).toEqual(["green"]);
    expect(online.deployments.has("fp-online/green")).toBe(false);
    // The delete came after the traffic moved off it (the service refuses to delete a deployment with traffic).
    const order = fake.requests.filter(
      (q) => q.method === "DELETE" || (q.method === "PUT" && /onlineEndpoints\/fp-online$/.test(q.path)),
    );
    expect(order.map((q) => q.method)).toEqual(["PUT", "DELETE"]);
    expect(traffic()).toEqual({ blue: 80, "failure-predictor-v3": 20 });
  });

  it("needs a champion serving traffic", async () => {
    await expect(runDeployOnline(opts({ strategy: "ab", challengerTraffic: 10 }))).rejects.toThrow(
      /strategy: ab needs a champion deployment serving traffic .*Deploy the champion with strategy: blue-green first/,
    );
  });
});

describe("deploy-online: Resource Manager faults", () => {
  it("429 with Retry-After and 500 on GET and PUT are retried, then the rollout succeeds", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    fake.fault({
      method: "GET",
      path: /onlineEndpoints\/fp-online$/,
      status: 429,
      headers: { "retry-after": "0" },
      body: { error: { code: "TooManyRequests", message: "throttled" } },
    });
    fake.fault({
      method: "PUT",
      path: /deployments\/green$/,
      status: 500,
      body: { error: { code: "InternalServerError", message: "boom" } },
    });
    fake.fault({
      method: "PUT",
      path: /onlineEndpoints\/fp-online$/,
      status: 429,
      headers: { "retry-after": "0" },
      times: 2,
    });
    const r = await runDeployOnline(opts({ deployment: "green", traffic: [50, 100] }));
    expect(r.traffic).toEqual({ blue: 0, green: 100 });
    expect(fake.requests.filter((q) => q.status === 429)).toHaveLength(3);
    expect(fake.requests.filter((q) => q.status === 500)).toHaveLength(1);
    expect(lines.filter((l) => /HTTP 429.*\(Retry-After\)/.test(l))).toHaveLength(3);
  });

  it("waits between polls of a long-running operation what its Retry-After asks (10 s, the spec's minimum), on the scaled clock", async () => {
    const waits: number[] = [];
    await runDeployOnline(opts({ model: A, sleep: (ms, signal) => (waits.push(ms), scaledSleep(ms, signal)) }));
    // pollIntervalMs is 1: every 10 s wait is Azure ML's Retry-After, read and honoured.
    expect(waits.filter((ms) => ms === 10_000).length).toBeGreaterThan(2);
  });

  it("401 tells to run azure/login", async () => {
    await expect(runDeployOnline(opts({ credential: fakeCredential("not-the-token") }))).rejects.toThrow(
      /got HTTP 401 InvalidAuthenticationToken.*run azure\/login/,
    );
  });
});

describe("deploy-online: secrets", () => {
  it("the endpoint key is handed to onSecret and appears in no log line, result or error", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    const secrets: string[] = [];
    const ok = await runDeployOnline(opts({ deployment: "green", onSecret: (s) => secrets.push(s) }));
    const key = online.endpoints.get("fp-online")!.keys.primaryKey;
    expect(secrets).toEqual([key]);
    online.behave("failure-predictor-v3", { kind: "error" });
    const e = await failure(runDeployOnline(opts({ model: C })));
    const everything = [...lines, JSON.stringify(ok), e.message, JSON.stringify(e.result)].join("\n");
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(online.endpoints.get("fp-online")!.keys.secondaryKey);
    // The key did reach the scoring server (the requests were authenticated).
    expect(online.scored.filter((s) => s.status === 401)).toEqual([]);
    expect(WORKSPACE_PATH).toContain(WORKSPACE);
  });
});

describe("deploy-online: endpoint authentication", () => {
  it("an AMLToken endpoint: the token from POST .../token (examples/Workspace/OnlineEndpoint/getToken.json) authenticates the checks and is masked", async () => {
    online.seed(
      "fp-online",
      [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }],
      "AMLToken",
    );
    const secrets: string[] = [];
    const r = await runDeployOnline(opts({ deployment: "green", onSecret: (s) => secrets.push(s) }));
    const token = online.endpoints.get("fp-online")!.token;
    expect(secrets).toEqual([token]);
    expect(fake.calls("POST", /onlineEndpoints\/fp-online\/token$/)).toHaveLength(1);
    expect(fake.calls("POST", /onlineEndpoints\/fp-online\/listKeys$/)).toHaveLength(0);
    expect(r.smoke).toMatchObject({ errors: 0, passed: true });
    expect(online.scored.filter((s) => s.status === 401)).toEqual([]);
    expect([...lines, JSON.stringify(r)].join("\n")).not.toContain(token);
  });

  it("an AADToken endpoint is refused with what to do, before anything is created", async () => {
    online.seed(
      "fp-online",
      [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }],
      "AADToken",
    );
    await expect(runDeployOnline(opts({ deployment: "green" }))).rejects.toThrow(
      /endpoint: cannot get a credential for the scoring URI of "fp-online" \(got authMode "AADToken"\)/,
    );
  });
});

describe("deploy-online: stopped early", () => {
  it("timeout-minutes that runs out during the smoke test fails without touching the traffic", async () => {
    online.seed("fp-online", [{ name: "blue", model: A, tags: { "mlops-role": "champion" }, traffic: 100 }]);
    online.behave("green", { kind: "slow", ms: 5_000 });
    const e = await runDeployOnline(opts({ deployment: "green", timeoutMinutes: 0.02 })).catch((err: Error) => err);
    expect((e as Error).message).toMatch(
      /did not finish within timeout-minutes \(0\.02\).*(nothing was changed on the traffic map|No traffic was moved)/,
    );
    expect(online.trafficPuts).toEqual([]);
    expect(traffic()).toEqual({ blue: 100 });
  });
});

describeIf("deploy-online: scoring code from a folder (stand-in + Azurite)", azuriteAvailable(), () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  it("uploads code-path once as a code asset (examples/Workspace/CodeVersion/createOrUpdate.json) and sets codeConfiguration and environmentId", async () => {
    const jobs = await addAzureMLJobs(fake, azurite);
    const dir = mkdtempSync(join(tmpdir(), "mlops-score-"));
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "score.py"), "def init():\n    pass\n\ndef run(raw):\n    return [0]\n");
    const secrets: string[] = [];
    await runDeployOnline(
      opts({
        model: A,
        image: undefined,
        codePath: dir,
        scoringScript: "src/score.py",
        environment: "azureml:sklearn-env:3",
        onSecret: (s) => secrets.push(s),
      }),
    );
    // The datastore's account key from listSecrets is handed over for masking, like the endpoint key.
    expect(secrets).toContain(DEV_KEY);
    const body = fake.calls("PUT", /deployments\/failure-predictor-v1$/)[0]!.body as {
      properties: Record<string, unknown>;
    };
    const codeId = (body.properties.codeConfiguration as { codeId: string }).codeId;
    expect(codeId).toMatch(new RegExp(`^${WORKSPACE_PATH}/codes/mlops-code-[0-9a-f]{40}/versions/1$`));
    expect(body.properties.codeConfiguration).toEqual({ codeId, scoringScript: "src/score.py" });
    expect(body.properties.environmentId).toBe(`${WORKSPACE_PATH}/environments/sklearn-env/versions/3`);
    expect(jobs.codes.has(codeId)).toBe(true);
    // The folder is in the workspace's default datastore, where the code version's codeUri points.
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString(DEV_ACCOUNT)).getContainerClient(
      "azureml-blobstore-0000",
    );
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: "LocalUpload/" })) names.push(b.name);
    expect(names.filter((n) => n.endsWith("/src/score.py"))).toHaveLength(1);
    expect(jobs.codes.get(codeId)!.properties.codeUri).toMatch(/\/azureml-blobstore-0000\/LocalUpload\/[0-9a-f]{64}$/);
    await jobs.close();
  });
});

/** A fresh stand-in with other options (routes of the first would answer first). */
async function restart(o: Parameters<typeof installOnlineEndpoints>[1]): Promise<OnlineStandIn> {
  await online.close();
  await fake.close();
  fake = await startFakeArm();
  return installOnlineEndpoints(fake, o);
}

/** The image's entrypoint, in process: the server on the model its arguments name (parseServeArgs). */
async function containerServer(args: ReturnType<typeof parseServeArgs>) {
  const server = await startServer({
    model: modelFile(args.model),
    modelName: args.modelName,
    modelVersion: args.modelVersion,
    host: "127.0.0.1",
    httpPort: 0,
    grpcPort: null,
    processMetrics: false,
  });
  return { url: server.httpUrl, close: () => server.close() };
}

describe("deploy-online: the inference server as a custom container", () => {
  expectSpecConformance({ requests: 20 });

  it("the old request shape (a custom_model with neither environment nor scoring script) is refused as Azure ML refuses it", async () => {
    const e = await failure(runDeployOnline(opts({ model: A, image: undefined })));
    expect(e.message).toMatch(
      /provisioning failed .*BadArgument: Model .* is of type custom_model: only MLflow and Triton models deploy without an environment/,
    );
    expect(puts()).toEqual([{}]);
  });

  it("deploys package-edge's image with OIP v2 routes; the container loads the model mounted at AZUREML_MODEL_DIR and the checks get OIP v2 answers", async () => {
    const mounts: { env: Record<string, string>; args: ReturnType<typeof parseServeArgs> }[] = [];
    const root = mkdtempSync(join(tmpdir(), "mlops-aml-mount-"));
    online = await restart({
      runContainer: async ({ env }) => {
        // What Azure ML does: mount the model under AZUREML_MODEL_DIR, start the image with the deployment's
        // environment variables (the image's own MLOPS_MODEL points at a model baked in that is not there).
        const dir = join(root, env.AZUREML_MODEL_DIR!, "failure-predictor");
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "model.onnx"), logisticModel());
        const args = parseServeArgs([], {
          MLOPS_MODEL: "/models/baked/model.onnx",
          ...env,
          AZUREML_MODEL_DIR: join(root, env.AZUREML_MODEL_DIR!),
          PORT: "0",
          MLOPS_GRPC_PORT: "off",
        });
        mounts.push({ env, args });
        return containerServer(args);
      },
    });
    const r = await runDeployOnline(opts({ model: A }));
    const env = fake.calls("PUT", /environments\/mlops-inference-server\/versions\/[0-9a-f]{16}$/)[0]!;
    expect(env.body).toEqual({
      properties: {
        image: IMAGE,
        osType: "Linux",
        inferenceConfig: {
          livenessRoute: { path: "/v2/health/live", port: 8080 },
          readinessRoute: { path: "/v2/health/ready", port: 8080 },
          scoringRoute: { path: "/v2/models/failure-predictor/infer", port: 8080 },
        },
        description: expect.stringContaining("AZUREML_MODEL_DIR"),
      },
    });
    const dep = fake.calls("PUT", /deployments\/failure-predictor-v1$/)[0]!.body as {
      properties: Record<string, unknown>;
    };
    expect(dep.properties).toMatchObject({
      model: A,
      environmentVariables: { MLOPS_MODEL_NAME: "failure-predictor", MLOPS_MODEL_VERSION: "1" },
    });
    expect(dep.properties.environmentId).toBe(env.path);
    expect(dep.properties.codeConfiguration).toBeUndefined();
    // The server took the mounted model, not the one the image names.
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.env.AZUREML_MODEL_DIR).toBe("/var/azureml-app/azureml-models/failure-predictor/1");
    expect(mounts[0]!.args.model).toBe(join(root, "/var/azureml-app/azureml-models/failure-predictor/1"));
    expect(r.smoke).toMatchObject({ requests: 3, errors: 0, passed: true });
    expect(r.smoke!.sample).toMatch(/^\{"model_name":"failure-predictor","model_version":"1".*"outputs":\[/);
    expect(r.traffic).toEqual({ "failure-predictor-v1": 100 });
    // A second rollout with the same image reuses the environment version (immutable, named after its content).
    await runDeployOnline(opts({ model: B, deployment: "green" }));
    expect(fake.calls("PUT", /environments\/mlops-inference-server\//)).toHaveLength(1);
  });

  it("a model baked into the image (<name>@<version>, a staging candidate not in Azure ML): the deployment names no model, nothing is mounted, the image's model answers; a re-run reuses it", async () => {
    const started: {
      env: Record<string, string>;
      model: string | undefined;
      args: ReturnType<typeof parseServeArgs>;
    }[] = [];
    const root = mkdtempSync(join(tmpdir(), "mlops-aml-baked-"));
    const baked = join(root, "models/failure-predictor/model.onnx");
    mkdirSync(join(root, "models/failure-predictor"), { recursive: true });
    writeFileSync(baked, logisticModel());
    online = await restart({
      runContainer: async ({ env, model }) => {
        // The image's own environment (package-edge's edgeImageSettings), then the deployment's.
        const args = parseServeArgs([], {
          MLOPS_MODEL: baked,
          MLOPS_MODEL_NAME: "failure-predictor",
          MLOPS_MODEL_VERSION: "7",
          ...env,
          PORT: "0",
          MLOPS_GRPC_PORT: "off",
        });
        started.push({ env, model, args });
        return containerServer(args);
      },
    });
    const r = await runDeployOnline(opts({ model: "failure-predictor@7", traffic: [100], retirePrevious: true }));
    const dep = fake.calls("PUT", /deployments\/failure-predictor-v7$/)[0]!.body as {
      properties: Record<string, unknown>;
      tags: Record<string, string>;
    };
    expect(dep.properties).not.toHaveProperty("model");
    expect(dep.properties.environmentVariables).toEqual({
      MLOPS_MODEL_NAME: "failure-predictor",
      MLOPS_MODEL_SOURCE: "image",
    });
    expect(dep.tags["mlops-model"]).toBe("failure-predictor@7");
    expect(started).toHaveLength(1);
    expect(started[0]!.model).toBeUndefined();
    expect(started[0]!.env).not.toHaveProperty("AZUREML_MODEL_DIR");
    expect(started[0]!.args.model).toBe(baked);
    expect(r.smoke).toMatchObject({ requests: 3, errors: 0, passed: true });
    expect(r.smoke!.sample).toMatch(/^\{"model_name":"failure-predictor","model_version":"7".*"outputs":\[/);
    expect(r.traffic).toEqual({ "failure-predictor-v7": 100 });
    expect(r.summary).toContain("Model `failure-predictor@7`");
    expect(specLedger.mismatches).toEqual([]);
    // The same image and model again: the deployment is reused, nothing is created or moved.
    const again = await runDeployOnline(opts({ model: "failure-predictor@7", traffic: [100], retirePrevious: true }));
    expect(again.noop).toBe(true);
    expect(fake.calls("PUT", /deployments\/failure-predictor-v7$/)).toHaveLength(1);
    // Another image under the same name and version is a new deployment body, not a no-op.
    await runDeployOnline(opts({ model: "failure-predictor@7", image: `${IMAGE}-rebuilt`, traffic: [100] }));
    expect(fake.calls("PUT", /deployments\/failure-predictor-v7$/)).toHaveLength(2);
  });

  it("a model baked into the image must be the version model: names: an image holding another fails the smoke test, no traffic moves", async () => {
    const root = mkdtempSync(join(tmpdir(), "mlops-aml-baked-"));
    const baked = join(root, "model.onnx");
    writeFileSync(baked, logisticModel());
    online = await restart({
      runContainer: async ({ env }) =>
        containerServer(
          parseServeArgs([], {
            MLOPS_MODEL: baked,
            MLOPS_MODEL_NAME: "failure-predictor",
            MLOPS_MODEL_VERSION: "7",
            ...env,
            PORT: "0",
            MLOPS_GRPC_PORT: "off",
          }),
        ),
    });
    const failed = await runDeployOnline(opts({ model: "failure-predictor@8", traffic: [100] })).catch(
      (e: unknown) => e as Error,
    );
    expect(failed).toBeInstanceOf(RolloutFailed);
    expect((failed as Error).message).toMatch(
      /^deployment failure-predictor-v8: the smoke test failed \(got 3 errors in 3 requests, first: "HTTP 200, answered by model \\"failure-predictor@7\\", not \\"failure-predictor@8\\" \(the image holds another model than model: names; give the version package-edge built into it\)/,
    );
    expect((failed as RolloutFailed).result.traffic).toEqual({});
  });

  it("<name>@<version> without image is refused naming both inputs, before anything is created", async () => {
    await expect(runDeployOnline(opts({ model: "failure-predictor@7", image: undefined }))).rejects.toThrow(
      /^model: "failure-predictor@7" names the model inside an inference server image \(<name>@<version>\), but image is empty\. Set image: /,
    );
    await expect(runDeployOnline(opts({ model: "failure-predictor:7" }))).rejects.toThrow(
      /^model: not an Azure ML model reference .*; with image, <name>@<version> names the model baked into it\.$/,
    );
    expect(fake.requests).toEqual([]);
  });

  it("the stand-in, as Azure ML: a deployment without a model needs an environment (no-code deployment is for MLflow and Triton models)", async () => {
    online.seed("fp-online", []);
    const res = await fetch(
      `${fake.url}${WORKSPACE_PATH}/onlineEndpoints/fp-online/deployments/bare?api-version=2024-10-01`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          location: "westeurope",
          sku: { name: "Default", capacity: 1 },
          properties: { endpointComputeType: "Managed", instanceType: "Standard_DS3_v2" },
        }),
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^A deployment without a model needs an environment/,
    );
    // The request itself matched the spec: the model is optional there.
    expect(specLedger.mismatches).toEqual([]);
  });

  it("an answer that is not Open Inference Protocol v2 fails the smoke test", async () => {
    online = await restart({
      runContainer: async () => {
        const { createServer } = await import("node:http");
        const server = createServer((req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(req.url?.startsWith("/v2/health") ? "{}" : JSON.stringify({ predictions: [0, 1] }));
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        return {
          url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
          close: () => new Promise<void>((done) => server.close(() => done())),
        };
      },
    });
    const e = await failure(runDeployOnline(opts({ model: A })));
    expect(e.message).toMatch(
      /smoke test failed \(got 3 errors in 3 requests, first: "HTTP 200, the answer has no outputs \(not an Open Inference Protocol v2 response\)/,
    );
    expect(puts()).toEqual([{}]);
  });

  it("a container that never becomes ready ends the provisioning Failed with the readiness probe in the message", async () => {
    online = await restart({
      runContainer: async () => {
        const { createServer } = await import("node:http");
        const server = createServer((_req, res) => {
          res.writeHead(503);
          res.end();
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        return {
          url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
          close: () => new Promise<void>((done) => server.close(() => done())),
        };
      },
    });
    const e = await failure(runDeployOnline(opts({ model: A })));
    expect(e.message).toMatch(
      /provisioning failed .*ResourceNotReady: User container has crashed or terminated: Readiness probe failed: HTTP 503 on \/v2\/health\/ready/,
    );
  });

  it("image with a sample-request that is not an OIP v2 inference request is refused before anything is created", async () => {
    await expect(
      runDeployOnline(opts({ model: A, sampleRequest: JSON.stringify({ input_data: [[1, 2, 3]] }) })),
    ).rejects.toThrow(
      /sample-request: the inference server speaks Open Inference Protocol v2, and the file is not an inference request/,
    );
    expect(fake.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  it("image together with environment or a scoring script is refused", async () => {
    await expect(runDeployOnline(opts({ model: A, environment: "azureml:sklearn-env:3" }))).rejects.toThrow(
      /image: the inference server image serves the model itself/,
    );
  });
});
