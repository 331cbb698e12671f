/**
 * A corporate network: every outbound call of the bundled actions, run as the runner runs them with
 * HTTPS_PROXY / HTTP_PROXY set, goes through a forward proxy on 127.0.0.1 (test/services/connect-proxy.ts)
 * that counts what it carried per target, and NO_PROXY sends a named host around it. The clients: GitHub's
 * REST API, Azure Resource Manager and the Azure ML registry's blob storage (promote), an Azure Blob
 * registry and an OCI registry (package-edge), a Teams webhook (notify-teams), and the Actions artifact
 * service with its blob upload (train).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, ContainerSASPermissions } from "@azure/storage-blob";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { describeIf } from "../services/availability";
import { type FakeArm, RESOURCE_GROUP, SUBSCRIPTION, startFakeArm } from "../services/azureml/arm-server";
import { fakeAzCli } from "../services/azureml/fake-az";
import { addRegistryRoutes } from "../services/azureml/registries";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";
import { writeBaseLayout } from "../services/base-image";
import { type ConnectProxy, startConnectProxy } from "../services/connect-proxy";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";
import { type RegistryService, registryAvailability, startRegistry } from "../services/oci-registry";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";

/** The Actions results service, by a name only the proxy resolves: @actions/http-client never proxies loopback. */
const RESULTS_HOST = "results.actions.test";

function available() {
  for (const a of [azuriteAvailable(), registryAvailability()]) if (!a.ok) return a;
  return { ok: true as const };
}

const hostOf = (url: string) => new URL(url).host;

describeIf("outbound calls through an HTTP proxy (bundled)", available(), () => {
  let proxy: ConnectProxy;
  let work: string;
  let az: Azurite;
  let gh: GitHubApiServer;
  let arm: FakeArm;
  let teams: TeamsCaptureServer;
  let oci: RegistryService;
  let results: http.Server;
  let proxyEnv: Record<string, string>;
  const dev = () => join(work, "dev-registry");

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "mlops-proxy-"));
    proxy = await startConnectProxy({ hosts: [RESULTS_HOST] });
    proxyEnv = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
    [az, gh, arm, teams, oci] = await Promise.all([
      startAzurite(),
      startGitHubApi(),
      startFakeArm(),
      startTeamsCapture(),
      startRegistry(),
    ]);
    await addRegistryRoutes(arm, az);
    const file = join(work, "model.onnx");
    writeFileSync(file, encodeModel(linearClassifierModel({ coefficients: [[0.5, -0.25]], intercepts: [0.1] })));
    const files = [{ path: "model.onnx", source: file }];
    await openRegistry(dev()).register({ name: "fp", files });
    const azureRegistry = openRegistry(`${az.endpoint()}/models/plant`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: az.connectionString() },
    });
    const card = await azureRegistry.register({ name: "fp", files });
    await azureRegistry.setAlias("fp", "champion", card.version);
  }, 120_000);

  beforeEach(() => proxy.reset());

  afterAll(async () => {
    results?.closeAllConnections();
    await new Promise<void>((r) => (results ? results.close(() => r()) : r()));
    await Promise.all([proxy?.close(), gh?.close(), arm?.close(), teams?.close(), oci?.stop(), az?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("promote: GitHub's API, Resource Manager and the Azure ML registry's storage each tunnel through the proxy", async () => {
    gh.approvals.set("4242", [{ state: "approved", user: { login: "alice" }, environments: [{ name: "production" }] }]);
    const r = await runAction("promote", {
      root: bundleRoot(),
      workspace: work,
      inputs: {
        model: "fp@1",
        "from-registry": dev(),
        "to-registry": "azureml://registries/contoso-models/models/fp",
        "alias-registry": join(work, "prod-registry"),
        "subscription-id": SUBSCRIPTION,
        "resource-group": RESOURCE_GROUP,
        "azure-endpoint": arm.url,
        "require-decision": "promote",
        "expected-champion": "none",
        "github-token": gh.token,
      },
      env: { ...fakeAzCli(arm.token).env, GITHUB_API_URL: gh.url, ...proxyEnv },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs["audit-event"]!)).toMatchObject({ approvers: ["alice"] });
    expect(proxy.tunnels.get(hostOf(gh.url))).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.get(hostOf(arm.url))).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.get(`127.0.0.1:${az.port}`)).toBeGreaterThanOrEqual(1);
    // Every request of the run went through the proxy: none of the services saw a direct one.
    expect(proxy.forwarded.size).toBe(0);
    expect(proxy.refused).toEqual([]);
  });

  it("package-edge: the Azure Blob registry and the OCI registry push tunnel through the proxy", async () => {
    const base = join(work, "base");
    await writeBaseLayout(base, { withNode: false });
    const r = await runAction("package-edge", {
      root: bundleRoot(),
      workspace: work,
      inputs: {
        model: "fp@champion",
        registry: `${az.endpoint()}/models/plant`,
        "base-image": `oci:${base}:base`,
        platforms: "linux/amd64",
        targets: `${oci.host}/plant-north/fp:1`,
      },
      env: { AZURE_STORAGE_CONNECTION_STRING: az.connectionString(), ...proxyEnv },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(proxy.tunnels.get(`127.0.0.1:${az.port}`)).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.get(oci.host)).toBeGreaterThanOrEqual(1);
    expect(oci.requests.some((q) => q.method === "PUT" && q.path.endsWith("/manifests/1"))).toBe(true);
  });

  it("notify-teams: the webhook tunnels through the proxy; NO_PROXY sends it around", async () => {
    const inputs = { "webhook-url": teams.webhookUrl, model: "fp" };
    const through = await runAction("notify-teams", { root: bundleRoot(), inputs, env: proxyEnv });
    expect(through.errors).toEqual([]);
    expect(through.outputs).toMatchObject({ delivered: "true", status: "202" });
    expect(proxy.tunnels.get(hostOf(teams.webhookUrl))).toBe(1);

    proxy.reset();
    const posted = teams.requests.length;
    const around = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs,
      env: { ...proxyEnv, NO_PROXY: "localhost,127.0.0.1" },
    });
    expect(around.outputs).toMatchObject({ delivered: "true", status: "202" });
    expect(teams.requests.length).toBe(posted + 1);
    expect(proxy.total()).toBe(0);
  });

  it("notify-teams: a sovereign cloud's webhook host is refused unless webhook-hosts lists it, then posted through the proxy", async () => {
    const url =
      "https://prod-03.chinaeast2.logic.azure.cn/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=c2VjcmV0LXNpZ25hdHVyZS0xMjM0NTY3ODkw";
    const refused = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": url, model: "fp" },
      env: proxyEnv,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      expect.stringMatching(
        /^webhook-url: not a Teams webhook host \(got prod-03\.chinaeast2\.logic\.azure\.cn;.*add it to webhook-hosts\.$/,
      ),
    ]);
    expect(proxy.total() + proxy.refused.length).toBe(0);
    // Listed, it is posted: to the proxy, which never leaves this machine and answers 502 for that host.
    const listed = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": url, model: "fp", "webhook-hosts": ".logic.azure.cn", retries: 0 },
      env: proxyEnv,
    });
    expect(listed.outputs.delivered).toBe("false");
    expect(proxy.refused).toContainEqual({ target: "prod-03.chinaeast2.logic.azure.cn:443", status: 502 });
    // ::add-mask:: lines are read by the runner and never shown; nothing else may carry the signature.
    const shown = listed.stdout
      .split("\n")
      .filter((l) => !l.startsWith("::add-mask::"))
      .join("\n");
    expect(shown + listed.summary).not.toContain("c2VjcmV0LXNpZ25hdHVyZS0xMjM0NTY3ODkw");
  });

  it("train: the artifact upload (Actions results service and blob storage) goes through the proxy", async () => {
    const container = BlobServiceClient.fromConnectionString(az.connectionString()).getContainerClient("artifacts");
    await container.createIfNotExists();
    const sas = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse("rcw"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const uploadUrl = `${container.url}/model-artifact.zip${sas.slice(sas.indexOf("?"))}`;
    results = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        const method = (req.url ?? "").split("/").pop();
        res.end(
          JSON.stringify(
            method === "CreateArtifact" ? { ok: true, signed_upload_url: uploadUrl } : { ok: true, artifact_id: "77" },
          ),
        );
      });
    });
    await new Promise<void>((r) => results.listen(0, "127.0.0.1", () => r()));
    const resultsPort = (results.address() as AddressInfo).port;
    const trainer = join(work, "trainer.mjs");
    writeFileSync(
      trainer,
      [
        'import { copyFileSync, writeFileSync } from "node:fs";',
        `copyFileSync(${JSON.stringify(join(work, "model.onnx"))}, process.env.MLOPS_MODEL_PATH);`,
        "writeFileSync(process.env.MLOPS_METRICS_PATH, JSON.stringify({ roc_auc: 0.9 }));",
      ].join("\n"),
    );
    const jwt = ["{}", JSON.stringify({ scp: "Actions.Results:run-backend-1:job-backend-2" }), "sig"]
      .map((p) => Buffer.from(p).toString("base64url"))
      .join(".");
    const r = await runAction("train", {
      root: bundleRoot(),
      workspace: work,
      inputs: { command: `node ${trainer}`, "model-name": "fp", register: "false", "upload-artifact": "true" },
      env: {
        ACTIONS_RUNTIME_TOKEN: jwt,
        ACTIONS_RESULTS_URL: `http://${RESULTS_HOST}:${resultsPort}/`,
        ...proxyEnv,
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/upload-artifact: fp-model \(id 77, \d+ bytes\)/);
    // @actions/http-client tunnels the two Twirp calls; the blob upload goes through @actions/artifact's own
    // Azure SDK client, which reads HTTP_PROXY itself and sends plain-http requests in absolute form.
    expect(proxy.tunnels.get(`${RESULTS_HOST}:${resultsPort}`)).toBeGreaterThanOrEqual(1);
    expect(proxy.count(`127.0.0.1:${az.port}`)).toBeGreaterThanOrEqual(1);
    const zip = await container.getBlobClient("model-artifact.zip").downloadToBuffer();
    expect(zip.subarray(0, 2).toString()).toBe("PK");
  });
});
