/**
 * promote into an Azure ML registry, in process, against the local Resource Manager stand-in
 * (test/services/azureml/registries.ts: routes tied to azure-rest-api-specs machinelearningservices
 * stable/2024-10-01 examples/Registry/ModelContainer/{get,createOrUpdate}.json,
 * examples/Registry/ModelVersion/{get,createOrUpdate,createOrGetStartPendingUpload}.json) with the
 * registry's storage in Azurite. Long-running operations follow
 * https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations (Azure-AsyncOperation),
 * throttling https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
 * (429 with Retry-After).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConflictError, UserError } from "../../shared/errors";
import { recordingLogger } from "../../shared/log";
import { type PromoteStepOptions, runPromote } from "../../shared/promote";
import { CARD_SHA_PROPERTY, cardDigest } from "../../shared/promote/azureml-target";
import { openRegistry } from "../../shared/registry";
import { describeIf } from "../services/availability";
import {
  armError,
  type FakeArm,
  fakeCredential,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  startFakeArm,
} from "../services/azureml/arm-server";
import { addRegistryRoutes, type RegistryStandIn, UPLOAD_CONTAINER } from "../services/azureml/registries";
import { expectSpecConformance } from "../services/azureml/spec-conformance";
import { scaledSleep } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";

const REGISTRY = "prod-models";
const work = mkdtempSync(join(tmpdir(), "promote-azureml-"));
const devUri = join(work, "dev");
const aliasUri = join(work, "prod");
const sources: Record<string, Buffer> = {};

let az: Azurite;
let fake: FakeArm;
let aml: RegistryStandIn;
const logger = recordingLogger();
const secrets: string[] = [];
/** Everything the promotions returned or threw, checked for the upload SAS at the end. */
const seen: string[] = [];

async function register(name: string, f1: number): Promise<number> {
  const dir = join(work, `src-${name}-${f1}`);
  mkdirSync(dir, { recursive: true });
  const bytes = randomBytes(4096 + Math.round(f1 * 1000));
  writeFileSync(join(dir, "model.onnx"), bytes);
  writeFileSync(join(dir, "metrics.json"), JSON.stringify({ f1 }));
  const card = await openRegistry(devUri).register({
    name,
    dir,
    metrics: { f1 },
    lineage: { gitSha: "a1b2c3d", dataHash: "sha256:da7a" },
  });
  sources[`${name}@${card.version}`] = bytes;
  return card.version;
}

function run(o: Partial<PromoteStepOptions> & { model: string }, token?: string) {
  const name = o.model.replace(/@.*$/, "");
  return runPromote({
    alias: "champion",
    fromRegistry: devUri,
    toRegistry: `azureml://registries/${REGISTRY}/models/${name}`,
    aliasRegistry: aliasUri,
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RESOURCE_GROUP,
    azure: {
      endpoint: fake.url,
      credential: fakeCredential(token ?? fake.token),
      pollIntervalMs: 1,
      baseDelayMs: 1,
      sleep: scaledSleep,
    },
    onSecret: (s) => secrets.push(s),
    actor: "alice",
    approvers: ["bob", "carol"],
    runUrl: "https://github.com/o/r/actions/runs/9",
    logger,
    ...o,
  }).then(
    (r) => {
      seen.push(JSON.stringify(r));
      return r;
    },
    (e: Error) => {
      seen.push(e.message, String(e.stack));
      throw e;
    },
  );
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promotion to fail");
}

const count = (method: string, path: RegExp) => fake.calls(method, path).length;
const alias = (name: string) => openRegistry(aliasUri).getAlias(name, "champion");
/** The card digest of fp@<version> in the alias registry: what the Azure ML version must carry. */
const digestOf = async (version: number) => cardDigest(await openRegistry(aliasUri).resolve(`fp@${version}`));

async function uploadedFiles(blobUri: string): Promise<Record<string, Buffer>> {
  const container = BlobServiceClient.fromConnectionString(az.connectionString()).getContainerClient(UPLOAD_CONTAINER);
  const prefix = `${blobUri.slice(blobUri.indexOf(UPLOAD_CONTAINER) + UPLOAD_CONTAINER.length + 1)}/`;
  const out: Record<string, Buffer> = {};
  for await (const b of container.listBlobsFlat({ prefix }))
    out[b.name.slice(prefix.length)] = await container.getBlobClient(b.name).downloadToBuffer();
  return out;
}

describeIf("promote into an Azure ML registry (Resource Manager stand-in + Azurite)", azuriteAvailable(), () => {
  beforeAll(async () => {
    az = await startAzurite();
    fake = await startFakeArm();
    aml = await addRegistryRoutes(fake, az);
    await register("fp", 0.8);
    await register("fp", 0.85);
  }, 60_000);
  expectSpecConformance({ requests: 20, responses: 20 });
  afterAll(async () => {
    await fake?.close();
    await az?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("creates the version with lineage, uploads byte-equal files, then moves the alias in alias-registry", async () => {
    const r = await run({ model: "fp@1", requireDecision: "promote", expectedChampion: null });
    expect(r).toMatchObject({ version: 1, promoted: true, copied: true, previousVersion: null });
    expect(r.uri).toBe(`${aliasUri}#fp@1`);
    expect(r.azuremlModelId).toBe(`azureml://registries/${REGISTRY}/models/fp/versions/1`);
    expect(r.summary).toContain(`Azure ML registry **${REGISTRY}**: \`fp\` version 1 published in this run`);

    // The container was created first (long-running PUT), then the version (long-running PUT, polled).
    expect(count("PUT", /\/registries\/prod-models\/models\/fp$/)).toBe(1);
    expect(count("PUT", /\/models\/fp\/versions\/1$/)).toBe(1);
    expect(fake.requests.filter((q) => q.path.startsWith("/operations/")).length).toBeGreaterThanOrEqual(2);

    const card = await openRegistry(aliasUri).resolve("fp@1");
    const v = aml.get(REGISTRY, "fp", 1)!;
    const upload = aml.uploads.find((u) => u.model === "fp" && u.version === "1")!;
    expect(v.properties).toMatchObject({
      modelType: "custom_model",
      modelUri: upload.blobUri,
      provisioningState: "Succeeded",
      description: `fp version 1, promoted by mlops-actions from ${devUri}#fp@1.`,
      tags: {
        "mlops.source": `${devUri}#fp@1`,
        "mlops.alias-registry": aliasUri,
        "mlops.git-sha": "a1b2c3d",
        "mlops.data-hash": "sha256:da7a",
        "mlops.approvers": "bob, carol",
        "mlops.run-url": "https://github.com/o/r/actions/runs/9",
        "metric.f1": "0.8",
      },
      properties: {
        [CARD_SHA_PROPERTY]: cardDigest(card),
        "mlops.source": `${devUri}#fp@1`,
        "mlops.metrics": '{"f1":0.8}',
      },
    });
    expect(v.properties.modelUri).not.toContain("?");

    const files = await uploadedFiles(upload.blobUri);
    expect(Object.keys(files).sort()).toEqual(["card.json", "metrics.json", "model.onnx"]);
    expect(files["model.onnx"]!.equals(sources["fp@1"]!)).toBe(true);
    expect(JSON.parse(files["metrics.json"]!.toString())).toEqual({ f1: 0.8 });
    expect(JSON.parse(files["card.json"]!.toString())).toEqual(card);

    expect(await alias("fp")).toBe(1);
    const history = await openRegistry(aliasUri).history("fp", { alias: "champion" });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ from: null, to: 1, actor: "alice", approvers: ["bob", "carol"] });
    // The SAS was handed to the caller to mask.
    expect(secrets).toContain(upload.sasUri);
  });

  it("re-run: no new version, no second upload, the alias stays", async () => {
    const puts = count("PUT", /\/versions\/\d+$/);
    const pending = count("POST", /startPendingUpload$/);
    const r = await run({ model: "fp@1", requireDecision: "promote" });
    expect(r).toMatchObject({ version: 1, promoted: false, copied: false });
    expect(r.azuremlModelId).toBe(`azureml://registries/${REGISTRY}/models/fp/versions/1`);
    expect(r.summary).toContain("already published, reused");
    expect(count("PUT", /\/versions\/\d+$/)).toBe(puts);
    expect(count("POST", /startPendingUpload$/)).toBe(pending);
    expect((await openRegistry(aliasUri).listVersions("fp")).length).toBe(1);
  });

  it("a second model version becomes version 2 in both registries", async () => {
    const r = await run({ model: "fp@2", expectedChampion: 1, reason: "better f1" });
    expect(r).toMatchObject({ version: 2, previousVersion: 1, promoted: true });
    expect(aml.get(REGISTRY, "fp", 2)?.properties.tags?.["metric.f1"]).toBe("0.85");
    expect(await alias("fp")).toBe(2);
  });

  it("expected-champion race during publication: ConflictError, the Azure ML version exists, the alias did not move", async () => {
    await register("fp", 0.9); // dev fp@3
    // Another run rolls the alias back to 1 while this run creates version 3 in Azure ML.
    aml.onVersionPut = async () => {
      aml.onVersionPut = undefined;
      await openRegistry(aliasUri).setAlias("fp", "champion", 1, { actor: "someone-else" });
    };
    const e = await failure(run({ model: "fp@3", expectedChampion: 2 }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toMatch(
      /^expected-champion: champion of "fp" .* points to version 1, not the expected version 2/,
    );
    // Documented behaviour: the published version stays (immutable, and not the champion); the alias did not move.
    expect(aml.get(REGISTRY, "fp", 3)?.properties.properties?.[CARD_SHA_PROPERTY]).toBe(await digestOf(3));
    expect(await alias("fp")).toBe(1);
    // Re-running against the new champion reuses the published version.
    const pending = count("POST", /startPendingUpload$/);
    const r = await run({ model: "fp@3", expectedChampion: 1 });
    expect(r).toMatchObject({ version: 3, previousVersion: 1, promoted: true });
    expect(count("POST", /startPendingUpload$/)).toBe(pending);
  });

  it("an operation that ends Failed: error, alias not moved, and a re-run completes without duplicates", async () => {
    await register("fp", 0.91); // dev fp@4
    aml.failNextVersions(1, { code: "UserError", message: "Replication to region westeurope failed." });
    const e = await failure(run({ model: "fp@4", expectedChampion: 3 }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(
      /^Azure ML: PUT .*\/registries\/prod-models\/models\/fp\/versions\/4 ended Failed \(got "UserError: Replication to region westeurope failed\."\)/,
    );
    expect(aml.get(REGISTRY, "fp", 4)).toBeUndefined();
    expect(await alias("fp")).toBe(3);

    const r = await run({ model: "fp@4", expectedChampion: 3 });
    expect(r).toMatchObject({ version: 4, previousVersion: 3, promoted: true, copied: false });
    expect(aml.get(REGISTRY, "fp", 4)?.properties.properties?.[CARD_SHA_PROPERTY]).toBe(await digestOf(4));
    expect((await openRegistry(aliasUri).listVersions("fp")).map((c) => c.version)).toEqual([1, 2, 3, 4]);
  });

  it("honours 429 with Retry-After, then succeeds", async () => {
    await register("fp", 0.92); // dev fp@5
    fake.fault({
      method: "GET",
      path: /\/models\/fp\/versions\/5$/,
      status: 429,
      headers: { "retry-after": "1" },
      body: { error: { code: "TooManyRequests", message: "Rate limit exceeded." } },
    });
    const r = await run({ model: "fp@5" });
    expect(r).toMatchObject({ version: 5, promoted: true });
    expect(logger.lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /^Azure ML: GET .*\/versions\/5: HTTP 429 TooManyRequests; retrying in 1\.0 s \(Retry-After\)$/,
      ),
    );
    expect(
      fake
        .calls("GET", /\/models\/fp\/versions\/5$/)
        .map((c) => c.status)
        .slice(0, 2),
    ).toEqual([429, 404]);
  });

  it("retries 500 twice, then succeeds", async () => {
    await register("fp", 0.93); // dev fp@6
    fake.fault({
      method: "POST",
      path: /\/versions\/6\/startPendingUpload$/,
      status: 500,
      times: 2,
      body: armError(500, "InternalServerError", "boom").body,
    });
    const r = await run({ model: "fp@6" });
    expect(r).toMatchObject({ version: 6, promoted: true });
    expect(fake.calls("POST", /\/versions\/6\/startPendingUpload$/).map((c) => c.status)).toEqual([500, 500, 200]);
  });

  it("401: says to sign in with azure/login; nothing moves", async () => {
    await register("fp", 0.94); // dev fp@7
    const e = await failure(run({ model: "fp@7" }, "expired-token"));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/HTTP 401 InvalidAuthenticationToken/);
    expect(e.message).toMatch(/run azure\/login for the right tenant before this step/);
    expect(aml.get(REGISTRY, "fp", 7)).toBeUndefined();
    expect(await alias("fp")).toBe(6);
  });

  it("403: names the role to grant on the registry", async () => {
    fake.fault({
      method: "GET",
      path: /\/models\/fp\/versions\/7$/,
      status: 403,
      body: {
        error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action." },
      },
    });
    const e = await failure(run({ model: "fp@7" }));
    expect(e.message).toMatch(/HTTP 403 AuthorizationFailed/);
    expect(e.message).toMatch(/"AzureML Registry User" role \(or Contributor\) on registry prod-models\.$/);
    expect(await alias("fp")).toBe(6);
  });

  it("refuses without alias-registry, and a model name that differs from the Azure ML URI", async () => {
    const e = await failure(run({ model: "fp@1", aliasRegistry: "" }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(
      /^alias-registry: required when to-registry is an Azure ML registry \(got to-registry "azureml:\/\/registries\/prod-models\/models\/fp" and no alias-registry\)\. Set alias-registry: to/,
    );
    const other = await failure(run({ model: "fp@1", toRegistry: `azureml://registries/${REGISTRY}/models/other` }));
    expect(other.message).toBe(
      `to-registry: the Azure ML model name differs from the model being promoted (got "other", the model is "fp"). Set to-registry: azureml://registries/${REGISTRY}/models/fp; the Azure ML model keeps the name it has in alias-registry.`,
    );
  });

  it("a version number taken in Azure ML by other content: UserError, alias not moved", async () => {
    await register("gb", 0.7);
    aml.containers.set(`${REGISTRY}/gb`, { name: "gb" });
    aml.versions.set(`${REGISTRY}/gb/1`, {
      id: "x",
      name: "1",
      type: "Microsoft.MachineLearningServices/registries/models/versions",
      properties: { modelUri: "https://elsewhere/x", properties: { [CARD_SHA_PROPERTY]: "0".repeat(64) } },
      systemData: {},
    });
    const e = await failure(run({ model: "gb@1" }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(
      /^to-registry: version 1 of model gb is taken in Azure ML registry prod-models by other content \(got mlops\.card-sha256 "0{64}", expected "[0-9a-f]{64}"\)\./,
    );
    expect(await alias("gb")).toBeUndefined();
  });

  it("rollback moves the alias back in alias-registry after checking the version exists in Azure ML", async () => {
    const before = await alias("fp");
    const r = await run({ model: "fp", rollback: true, reason: "bad at plant 2" });
    expect(r).toMatchObject({ version: 5, previousVersion: before, promoted: true });
    expect(r.azuremlModelId).toBe(`azureml://registries/${REGISTRY}/models/fp/versions/5`);
    expect(await alias("fp")).toBe(5);
    expect(fake.calls("GET", /\/models\/fp\/versions\/5$/).at(-1)?.status).toBe(200);

    // A version that is in alias-registry but not in Azure ML is refused.
    await openRegistry(aliasUri).register({
      name: "hc",
      files: [{ path: "model.onnx", source: join(work, "src-fp-0.8", "model.onnx") }],
    });
    const e = await failure(run({ model: "hc", rollbackTo: 1 }));
    expect(e.message).toMatch(/^rollback-to: hc version 1 is not in Azure ML registry prod-models \(got 404/);
    expect(await alias("hc")).toBeUndefined();
  });

  it("dry run writes nowhere", async () => {
    await register("fp", 0.95); // dev fp@8
    const writes = fake.requests.filter((q) => q.method !== "GET").length;
    const copies = (await openRegistry(aliasUri).listVersions("fp")).length;
    const r = await run({ model: "fp@8", dryRun: true });
    expect(r).toMatchObject({ dryRun: true, promoted: false, version: null, azuremlModelId: "" });
    expect(r.summary).toContain(
      `Azure ML registry **${REGISTRY}**: would publish \`fp\` as a new version (dry run, nothing written)`,
    );
    expect(fake.requests.filter((q) => q.method !== "GET").length).toBe(writes);
    expect((await openRegistry(aliasUri).listVersions("fp")).length).toBe(copies);
    expect(await alias("fp")).toBe(5);
  });

  it("an upload the storage refuses fails with a message that carries no SAS", async () => {
    aml.readOnlyNextUpload();
    const e = await failure(run({ model: "fp@8" }));
    expect(e.message).toMatch(/^to-registry: uploading .* to the Azure ML registry's storage failed \(got "HTTP 403/);
    expect(aml.get(REGISTRY, "fp", 8)).toBeUndefined();
  });

  it("the upload SAS never appears in logs, results or errors", () => {
    expect(aml.uploads.length).toBeGreaterThanOrEqual(7);
    const everything = [...logger.lines.map((l) => l.message), ...seen].join("\n");
    for (const u of aml.uploads) {
      const query = u.sasUri.slice(u.sasUri.indexOf("?") + 1);
      const sig = new URLSearchParams(query).get("sig")!;
      expect(secrets).toContain(u.sasUri);
      expect(everything).not.toContain(query);
      expect(everything).not.toContain(sig);
      expect(everything).not.toContain(encodeURIComponent(sig));
    }
    expect(readFileSync(join(aliasUri, "models", "fp", "versions", "1", "card.json"), "utf8")).not.toMatch(/sig=/);
  });

  it("a version left behind in provisioningState Failed is created again, not taken as published", async () => {
    await register("fp", 0.96); // dev fp@9
    const champion = await alias("fp");
    aml.failNextVersions(1, { code: "UserError", message: "Replication to region westeurope failed." }, true);
    await failure(run({ model: "fp@9", expectedChampion: champion }));
    const failed = [...aml.versions.entries()].filter(
      ([k, v]) => k.startsWith(`${REGISTRY}/fp/`) && v.properties.provisioningState === "Failed",
    );
    expect(failed).toHaveLength(1);
    const version = Number(failed[0]![0].split("/").at(-1));
    expect(await alias("fp")).toBe(champion);

    const r = await run({ model: "fp@9", expectedChampion: champion });
    expect(r).toMatchObject({ version, previousVersion: champion, promoted: true });
    expect(aml.get(REGISTRY, "fp", version)?.properties.provisioningState).toBe("Succeeded");
    expect(count("PUT", new RegExp(`/models/fp/versions/${version}$`))).toBe(2);
  });
});
