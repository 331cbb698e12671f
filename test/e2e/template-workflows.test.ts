/**
 * The template repository (examples/model-repository), run as GitHub would run it: every workflow file
 * through GitHub's parser and evaluator, every `run:` step as written (pip, flake8, pytest, the Python
 * trainer, the release parsing, gh), this suite's actions from dist/, third-party actions through the
 * harness's stand-ins. Against Azurite (the dev and prod registries, the plant data), Debian's
 * docker-registry (the base image's mirror and the plants), a Teams webhook capture, a GitHub API
 * stand-in, and edge servers (dist/serve.js, as the image runs it) that capture what they answer and upload it.
 *
 * The Azure identities are the template README's table, read from the README: each identity trusts its
 * OIDC subjects and gets connection strings whose SAS carries exactly the storage rights of its row
 * (Azurite enforces SAS permissions as Azure Storage does: a write with a read-only SAS is answered 403
 * AuthorizationPermissionMismatch). So a job outside `production` that tries to write prod is refused by the
 * storage service, as it would be on Azure. The plants' registry here is not an Azure Container Registry
 * (package-edge sends the Azure identity only to *.azurecr.io hosts, which would need DNS and TLS for a local
 * registry), so pushes to the plants are kept in the production job by the static check of
 * test/workflows.test.ts, and the README's table gives AcrPush to production only (asserted below).
 *
 * With Azure ML, the staging environment's variables name a staging online endpoint on the local Resource
 * Manager stand-in (test/services/azureml/online.ts, checked against the 2024-10-01 spec) and a second OCI
 * registry as the staging registry; the stand-in runs a deployment's image as Azure ML runs a custom
 * container: pulled from that registry, its own entrypoint (dist/serve.js inside the image) started with the
 * image's environment and the deployment's. The identities with a role on the workspace in the README's table
 * get the token the stand-in accepts (through the harness's `az account get-access-token`).
 *
 * CI trains once; the scenarios after it share that registry state and run at the same time where they do
 * not depend on each other (the jobs of one workflow run at the same time too, as on GitHub).
 */
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, ContainerSASPermissions } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layoutImageConfig, unpackLayout } from "../../shared/oci";
import { promote } from "../../shared/promote";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot } from "../harness/run-action";
import type { AzureIdentity } from "../harness/stand-ins";
import {
  type EnvironmentRule,
  REPOSITORY,
  type WorkflowRun,
  type WorkflowRunOptions,
  runWorkflow,
} from "../harness/workflow-runner";
import { describeIf } from "../services/availability";
import { type FakeArm, RESOURCE_GROUP, startFakeArm, SUBSCRIPTION, WORKSPACE } from "../services/azureml/arm-server";
import { installOnlineEndpoints, type OnlineStandIn } from "../services/azureml/online";
import { scaledTimeEnv } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, SECOND_ACCOUNT, startAzurite } from "../services/azurite";
import {
  baseImageAvailability,
  run as runTool,
  skopeoCopyToRegistry,
  skopeoInspect,
  writeBaseLayout,
} from "../services/base-image";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";
import { type RegistryService, registryAvailability, startRegistry } from "../services/oci-registry";
import { spawnServer } from "../services/serve-process";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";
import { pythonAvailability } from "../services/tools";

const TEMPLATE = join(repoRoot, "examples/model-repository");
const t0 = Date.now();

function available() {
  for (const a of [azuriteAvailable(), registryAvailability(), baseImageAvailability(), pythonAvailability()]) {
    if (!a.ok) return a;
  }
  return { ok: true as const };
}

/** Every failed step of a run, for assertion messages. */
function failures(run: WorkflowRun): string {
  return Object.values(run.jobs)
    .flatMap((runs) =>
      runs.flatMap((r) =>
        r.steps
          .filter((s) => s.status === "failure")
          .map((s) => `${r.id}/${s.name ?? s.uses ?? s.id}: ${s.errors.join(" | ")} ${s.stderr.slice(-600)}`),
      ),
    )
    .join("\n");
}

/** Where each column of the README's identity table lives here: a storage container, or the plants' registry. */
const STORAGE: Record<string, { account: string; container: string }> = {
  "dev registry": { account: DEV_ACCOUNT, container: "models-dev" },
  "prod registry": { account: SECOND_ACCOUNT, container: "models-prod" },
  "plant data": { account: DEV_ACCOUNT, container: "plant-data" },
};
/** Storage Blob Data Reader and Contributor as SAS rights (Contributor: read, add, create, write, delete, list). */
const SAS_RIGHTS: Record<string, string> = { Reader: "rl", Contributor: "racwdl" };

interface IdentityRow {
  name: string;
  /** "repository", or the environment whose AZURE_CLIENT_ID variable names this identity. */
  clientIdOf: string;
  subjects: string[];
  /** Column (dev registry, prod registry, plant data, plant registries, staging registry, Azure ML workspace) to the role, "" for none. */
  roles: Record<string, string>;
}

/** The identity table of the template README, as a team reads it. */
function identityTable(readme: string): IdentityRow[] {
  const lines = readme.split("\n");
  const start = lines.findIndex((l) => /^\| identity \|/.test(l));
  if (start < 0) throw new Error("README: no table with an identity column");
  const cells = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[start]!);
  const rows: IdentityRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const row = Object.fromEntries(cells(line).map((c, i) => [header[i]!, c]));
    const env = /^environment `([\w-]+)`$/.exec(row["`AZURE_CLIENT_ID` of"] ?? "");
    rows.push({
      name: row.identity!,
      clientIdOf: env ? env[1]! : row["`AZURE_CLIENT_ID` of"]!,
      subjects: [...(row["federated credential subjects"] ?? "").matchAll(/`([^`]+)`/g)].map((m) =>
        m[1]!.replace("<org>/<repo>", REPOSITORY),
      ),
      roles: Object.fromEntries(
        [
          "dev registry",
          "prod registry",
          "plant data",
          "plant registries",
          "staging registry",
          "Azure ML workspace",
        ].map((c) => [c, row[c] === "—" ? "" : (row[c] ?? "")]),
      ),
    });
  }
  return rows;
}

describeIf("the template repository's workflows, end to end (bundled)", available(), () => {
  let azurite: Azurite;
  let oci: RegistryService;
  let stagingOci: RegistryService;
  let arm: FakeArm;
  let online: OnlineStandIn;
  let teams: TeamsCaptureServer;
  let github: GitHubApiServer;
  let repository: string;
  let vars: Record<string, string>;
  let rows: IdentityRow[];
  const identities: Record<string, AzureIdentity> = {};
  const environmentVars: Record<string, Record<string, string>> = {};
  const admin: Record<string, string> = {};
  const servers = new Set<ChildProcess>();
  const dev = () => openRegistry(vars.DEV_REGISTRY!, { env: admin });
  const prod = () => openRegistry(vars.PROD_REGISTRY!, { env: admin });
  const clientId = (row: string) => `00000000-0000-0000-0000-00000000a${rows.findIndex((r) => r.name === row)}`;

  const environments = (decision: "approve" | "reject" = "approve"): Record<string, EnvironmentRule> => ({
    dev: { vars: environmentVars.dev ?? {} },
    staging: { vars: environmentVars.staging ?? {} },
    production: { reviewers: true, decision, vars: environmentVars.production ?? {} },
  });

  const run = (file: string, o: Partial<WorkflowRunOptions> & { eventName: string }) =>
    runWorkflow(`.github/workflows/${file}`, {
      repository,
      root: bundleRoot(),
      vars,
      secrets: { TEAMS_WEBHOOK_URL: teams.webhookUrl },
      identities,
      environments: environments(),
      env: { GITHUB_API_URL: github.url },
      githubToken: github.token,
      ...(process.env.MLOPS_WORKFLOW_LOG
        ? { log: (l: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${file}: ${l}`) }
        : {}),
      ...o,
    });

  /** Cards posted to Teams whose title names this text. */
  const cards = (title: string) => teams.requests.map((r) => JSON.stringify(r.json)).filter((j) => j.includes(title));

  beforeAll(async () => {
    [azurite, oci, stagingOci, teams, github, arm] = await Promise.all([
      startAzurite({ timeoutMs: 90_000 }),
      startRegistry(),
      startRegistry(),
      startTeamsCapture(),
      startGitHubApi(),
      startFakeArm(),
    ]);
    online = await installOnlineEndpoints(arm, {
      // Azure ML pulls the environment's image and starts its entrypoint with the image's environment and the
      // deployment's (how-to-deploy-custom-container); here the entrypoint runs on this machine's node.
      runContainer: async ({ image, env }) => {
        const dir = mkdtempSync(join(tmpdir(), "mlops-aml-container-"));
        await runTool("skopeo", [
          "copy",
          "--all",
          "--quiet",
          "--src-tls-verify=false",
          `docker://${image}`,
          `oci:${dir}/layout:image`,
        ]);
        const rootfs = join(dir, "rootfs");
        await unpackLayout(join(dir, "layout"), rootfs);
        const config = (await layoutImageConfig(join(dir, "layout"))).config ?? {};
        const inRoot = (v: string) => (v.startsWith("/") && existsSync(join(rootfs, v)) ? join(rootfs, v) : v);
        const imageEnv = Object.fromEntries(
          (config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), inRoot(kv.slice(kv.indexOf("=") + 1))]),
        );
        const [node, ...entry] = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
        if (node !== "node") throw new Error(`entrypoint ${node} is not node`);
        const server = await spawnServer(entry.map(inRoot), [], {
          env: { ...imageEnv, ...env, MLOPS_HOST: "127.0.0.1", PORT: "0", MLOPS_GRPC_PORT: "off" },
          track: servers,
          timeoutMs: 120_000,
        });
        return { url: server.url, close: () => server.stop("SIGTERM") };
      },
    });
    repository = mkdtempSync(join(tmpdir(), "mlops-template-"));
    cpSync(TEMPLATE, repository, { recursive: true, filter: (s) => !/__pycache__|\.pytest_cache/.test(s) });
    const base = `${repository}-base`;
    await writeBaseLayout(base, { withNode: false, arm64Stub: true });
    await skopeoCopyToRegistry(`oci:${base}:base`, `${oci.host}/mirror/node:24`);

    const key = (account: string) => `AZURE_STORAGE_CONNECTION_STRING_${account.toUpperCase()}`;
    admin[key(DEV_ACCOUNT)] = azurite.connectionString(DEV_ACCOUNT);
    admin[key(SECOND_ACCOUNT)] = azurite.connectionString(SECOND_ACCOUNT);
    const sas = async (account: string, container: string, permissions: string) => {
      const c = BlobServiceClient.fromConnectionString(azurite.connectionString(account)).getContainerClient(container);
      await c.createIfNotExists();
      const url = await c.generateSasUrl({
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3 * 3600_000),
      });
      return `BlobEndpoint=${azurite.endpoint(account)};SharedAccessSignature=${url.slice(url.indexOf("?") + 1)}`;
    };
    rows = identityTable(readFileSync(join(TEMPLATE, "README.md"), "utf8"));
    for (const row of rows) {
      const env: Record<string, string> = {};
      for (const [column, role] of Object.entries(row.roles)) {
        if (column === "Azure ML workspace" && role === "AzureML Data Scientist")
          env.AZURE_ARM_ACCESS_TOKEN = arm.token;
        if (!role || !(column in STORAGE)) continue;
        const place = STORAGE[column]!;
        const rights = SAS_RIGHTS[role];
        if (!rights) throw new Error(`README: ${column} role ${role} is not Reader or Contributor`);
        // One connection string per account: a second container in the same account would need an account SAS.
        if (env[key(place.account)]) throw new Error(`${row.name}: two containers of ${place.account}; not modelled`);
        env[key(place.account)] = await sas(place.account, place.container, rights);
      }
      identities[clientId(row.name)] = { subjects: row.subjects, env };
      if (row.clientIdOf !== "repository") environmentVars[row.clientIdOf] = { AZURE_CLIENT_ID: clientId(row.name) };
    }
    vars = {
      DEV_REGISTRY: `${azurite.endpoint(DEV_ACCOUNT)}/models-dev`,
      PROD_REGISTRY: `${azurite.endpoint(SECOND_ACCOUNT)}/models-prod`,
      EDGE_REGISTRY_HOST: oci.host,
      EDGE_BASE_IMAGE: `${oci.host}/mirror/node:24`,
      // The plant data container (the read identity's Reader): the edge servers' uploads and the failures reported later.
      CAPTURE_URI: `${azurite.endpoint(DEV_ACCOUNT)}/plant-data/capture`,
      LABELS_URI: `${azurite.endpoint(DEV_ACCOUNT)}/plant-data/labels`,
      AZURE_CLIENT_ID: clientId(rows.find((r) => r.clientIdOf === "repository")!.name),
      AZURE_TENANT_ID: "00000000-0000-0000-0000-000000000002",
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION, // the Resource Manager stand-in's
    };
  }, 180_000);

  afterAll(async () => {
    for (const c of servers) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await online?.close();
    await Promise.all([
      azurite?.stop(),
      oci?.stop(),
      stagingOci?.stop(),
      teams?.close(),
      github?.close(),
      arm?.close(),
    ]);
  });

  it("the README's identities: four, least rights, and only production may write prod or push to the plants", () => {
    expect(rows.map((r) => [r.name, r.clientIdOf, r.subjects.map((s) => s.split(":").slice(2).join(":"))])).toEqual([
      ["read", "repository", ["pull_request", "ref:refs/heads/main"]],
      ["dev", "dev", ["environment:dev"]],
      ["staging", "staging", ["environment:staging"]],
      ["production", "production", ["environment:production"]],
    ]);
    const writers = rows.filter((r) => r.roles["prod registry"] === "Contributor" || r.roles["plant registries"]);
    expect(writers.map((r) => r.subjects)).toEqual([[`repo:${REPOSITORY}:environment:production`]]);
    expect(rows.filter((r) => r.roles["staging registry"]).map((r) => [r.name, r.roles["staging registry"]])).toEqual([
      ["staging", "AcrPush"],
    ]);
  });

  it(
    "ci: lint and tests, then both models trained as production and registered as challengers in dev",
    { timeout: 900_000 },
    async () => {
      const r = await run("ci.yml", {
        eventName: "push",
        event: { ref: "refs/heads/main" },
        changedFiles: ["ml/train.py"],
      });
      expect(r.triggered, r.trigger).toBe(true);
      expect(r.conclusion, failures(r)).toBe("success");
      const test = r.jobs.test![0]!;
      expect(test.steps.map((s) => s.run ?? s.uses?.split("@")[0])).toEqual([
        "actions/checkout",
        "actions/setup-python",
        "pip install -r ml/requirements.txt -r ml/requirements-dev.txt",
        "python -m flake8 ml",
        "python -m pytest -q ml",
      ]);
      expect(test.steps.at(-1)!.stdout).toMatch(/6 passed/);
      const train = r.jobs["failure-predictor/train"]![0]!;
      expect(train.environment).toBe("dev");
      expect(r.jobs["failure-predictor"]![0]!.outputs).toEqual({ version: "1" });
      expect(r.jobs["heat-dissipation"]![0]!.outputs).toEqual({ version: "1" });
      const step = train.steps.find((s) => s.id === "train")!;
      expect(step.inputs!.command).toBe(
        'python ml/train.py --data data/train.csv --holdout data/holdout.csv --label "Machine failure" --sample 1',
      );
      expect(JSON.parse(step.outputs.metrics!).roc_auc).toBeGreaterThan(0.95);
      expect(await dev().getAlias("failure-predictor", "challenger")).toBe(1);
      expect(await dev().getAlias("heat-dissipation", "challenger")).toBe(1);
      expect(train.steps.at(-1)!.result!.summary).toContain("git tag failure-predictor/v1");
      expect([...r.artifacts.keys()].sort()).toEqual(["failure-predictor-1", "heat-dissipation-1"]);
    },
  );

  // After CI, each scenario starts as soon as what it needs is there: the release of failure-predictor v1
  // (its champion in prod) for the PR gate, the second candidate, drift and the rollback; the rollback also
  // after the second candidate's check that prod did not move. Prod is empty, so the tag alone is refused
  // (no champion to compare with); the first release is run by hand with first-release.
  let release: Promise<{ refused: WorkflowRun; first: WorkflowRun }> | undefined;
  const released = () =>
    (release ??= (async () => {
      const refused = await run("cd.yml", {
        eventName: "push",
        ref: "refs/tags/failure-predictor/v1",
        event: { ref: "refs/tags/failure-predictor/v1" },
      });
      const first = await run("cd.yml", {
        eventName: "workflow_dispatch",
        inputs: { release: "failure-predictor/v1", "first-release": "true" },
      });
      return { refused, first };
    })());
  let prDone: () => void = () => undefined;
  const prFinished = new Promise<void>((resolve) => {
    prDone = resolve;
  });
  let rollbackDone: () => void = () => undefined;
  const rollbackFinished = new Promise<void>((resolve) => {
    rollbackDone = resolve;
  });
  let v2Done: () => void = () => undefined;
  const v2Finished = new Promise<void>((resolve) => {
    v2Done = resolve;
  });
  describe("after ci: releases, gates, drift and rollback, at the same time where independent", () => {
    it.concurrent(
      "cd, first release: the tag alone is refused (no champion); by hand with first-release, staging judges v1 on its own rules, boots the image and smoke-tests it before the card; one approval; prod and plants",
      { timeout: 900_000 },
      async ({ expect }) => {
        const { refused, first: r } = await released();
        expect(refused.triggered, refused.trigger).toBe(true);
        const refusedStaging = refused.jobs["failure-predictor/staging"]![0]!;
        expect(refusedStaging.result).toBe("failure");
        expect(refusedStaging.steps.find((s) => s.id === "compare")!.errors).toEqual([
          expect.stringMatching(
            /^champion: no model named "failure-predictor" .*If this is the model's first release, set champion: none\.$/,
          ),
        ]);
        expect(refused.jobs["failure-predictor/notify"]![0]!.result).toBe("skipped");
        expect(refused.jobs["failure-predictor/production"]![0]!.result).toBe("skipped");
        expect(refused.approvals).toEqual([]);

        expect(r.triggered, r.trigger).toBe(true);
        expect(r.conclusion, failures(r)).toBe("success");
        expect(r.jobs["heat-dissipation"]![0]!.result).toBe("skipped");
        // The tag names the version, the plants' image tag and the Azure ML deployment.
        expect(r.jobs["failure-predictor/release"]![0]!.outputs).toEqual({
          version: "1",
          "image-tag": "v1",
          deployment: "failure-predictor-v1",
        });
        const staging = r.jobs["failure-predictor/staging"]![0]!;
        expect(staging.environment).toBe("staging");
        expect(staging.outputs.decision, staging.outputs.reason).toBe("promote");
        expect(staging.outputs["champion-version"]).toBe("");
        const compare = staging.steps.find((s) => s.id === "compare")!;
        expect(compare.outputs.contract).toBe("compatible"); // checked against deploy/interface.yml
        expect(compare.result!.summary).toContain("No champion (champion: none, a first release)");
        expect(staging.outputs["smoke-test"]).toMatch(
          /failure-predictor v1 booted from the image and answered .* over HTTP .* and gRPC .* probabilities \[2, 2\]/,
        );
        // No Azure ML here: the staging endpoint step is skipped, and the card says so.
        expect(staging.steps.find((s) => s.id === "online")!.status).toBe("skipped");
        // The card went out after staging, once (not for the refused run), with the staged image and the smoke test on it.
        const sent = cards("failure-predictor v1 is staged");
        expect(sent).toHaveLength(1);
        expect(sent[0]).toContain(
          JSON.stringify({ title: "Staging endpoint", value: "not configured (AZUREML_STAGING_ENDPOINT)" }),
        );
        // The staged image by digest, cut to 12 digits so that it fits a phone (the run keeps it whole).
        expect(staging.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(sent[0]).toContain(
          JSON.stringify({ title: "Staged image", value: `${staging.outputs.digest!.slice(0, 19)}…` }),
        );
        expect(sent[0]).toContain("booted from the image");
        // It links the CI run that trained the candidate (its card's lineage, passed on as candidate-lineage).
        const trainedIn = JSON.parse(staging.outputs["candidate-lineage"]!) as { runUrl?: string };
        expect(trainedIn.runUrl).toMatch(/^https:\/\/github\.com\/acme\/plant-models\/actions\/runs\/\d+$/);
        expect(sent[0]).toContain(JSON.stringify({ title: "Trained in", value: `[ci](${trainedIn.runUrl})` }));
        // One approval for the whole release, at the job that writes prod and pushes to the plants.
        expect(r.approvals).toEqual([
          { job: "failure-predictor/production", environment: "production", decision: "approve" },
        ]);
        const production = r.jobs["failure-predictor/production"]![0]!;
        expect(production.oidcSubject).toBe(`repo:${REPOSITORY}:environment:production`);
        expect(production.outputs.digest).toBe(staging.outputs.digest);
        expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
        for (const plant of ["plant-north", "plant-south"]) {
          for (const tag of ["v1", "champion"]) {
            const pushed = (await skopeoInspect(`${oci.host}/${plant}/failure-predictor:${tag}`)) as {
              Digest: string;
            };
            expect(pushed.Digest).toBe(staging.outputs.digest);
          }
        }
      },
    );

    it.concurrent(
      "cd: a candidate no better than the champion stops in staging (no image, card or approval; prod untouched); a release that names no version fails first",
      { timeout: 900_000 },
      async ({ expect }) => {
        try {
          await released().catch(() => undefined);
          // CI on unchanged code registers the same model again: v2 equals v1 (same data, code, params, seed).
          const work = mkdtempSync(join(tmpdir(), "mlops-template-v2-"));
          const { card, paths } = await dev().get("failure-predictor@1", work);
          await dev().register({
            name: "failure-predictor",
            files: Object.entries(paths).map(([path, source]) => ({ path, source })),
            ...(card.signature ? { signature: card.signature } : {}),
            metrics: card.metrics,
            params: card.params,
          });
          const history = await prod().history("failure-predictor");
          const r = await run("cd.yml", {
            eventName: "push",
            ref: "refs/tags/failure-predictor/v2",
            event: { ref: "refs/tags/failure-predictor/v2" },
          });
          const staging = r.jobs["failure-predictor/staging"]![0]!;
          expect(staging.result, failures(r)).toBe("success");
          expect(staging.outputs.decision).toBe("reject");
          expect(staging.outputs["champion-version"]).toBe("1");
          expect(staging.outputs.reason).toMatch(/improvement/);
          expect(staging.steps.find((s) => s.id === "image")!.status).toBe("skipped");
          expect(r.jobs["failure-predictor/notify"]![0]!.result).toBe("skipped");
          expect(r.jobs["failure-predictor/production"]![0]!.result).toBe("skipped");
          expect(r.approvals).toEqual([]);
          expect(cards("failure-predictor v2")).toEqual([]);
          expect(await prod().history("failure-predictor")).toEqual(history);

          const bad = await run("cd.yml", {
            eventName: "workflow_dispatch",
            inputs: { release: "failure-predictor/7" },
          });
          expect(bad.jobs["failure-predictor/release"]![0]!.steps[0]!.errors[0]).toMatch(
            /is not failure-predictor\/v<version>/,
          );
          expect(bad.jobs["failure-predictor/staging"]![0]!.result).toBe("skipped");
          expect(bad.conclusion).toBe("failure");
        } finally {
          v2Done();
        }
      },
    );

    it.concurrent(
      "pr: sampled training is advisory (a comment, a green check); labelled full-training, a rejection blocks",
      { timeout: 900_000 },
      async ({ expect }) => {
        await released().catch(() => undefined);
        try {
          const event = (number: number, labels: string[]) => ({
            pull_request: { number, title: "tune", labels: labels.map((name) => ({ name })) },
          });
          const devHistory = await dev().history("failure-predictor");
          const [sampled, full] = await Promise.all([
            run("pr.yml", { eventName: "pull_request", event: event(17, []), changedFiles: ["ml/train.py"] }),
            run("pr.yml", {
              eventName: "pull_request",
              event: event(18, ["full-training"]),
              changedFiles: ["ml/train.py"],
            }),
          ]);
          expect(sampled.conclusion, failures(sampled)).toBe("success");
          const gate = sampled.jobs["failure-predictor/gate"]![0]!;
          expect(gate.oidcSubject).toBe(`repo:${REPOSITORY}:pull_request`);
          const compare = gate.steps.find((s) => s.id === "compare")!;
          expect(gate.steps.find((s) => s.id === "train")!.inputs!.command).toMatch(/--sample 0\.2$/);
          expect(compare.outputs.decision).toBe("reject"); // a 20 % sample does not beat the full-data champion
          expect(compare.inputs!["fail-on-reject"]).toBe("false");
          expect(JSON.parse(compare.outputs.rules!)).toContainEqual(
            expect.objectContaining({ rule: "parity", passed: true }),
          );
          const comments = github.comments.get(17) ?? [];
          expect(comments.map((c) => c.body).join("\n")).toMatch(/failure-predictor[\s\S]*reject/i);

          const fp = full.jobs["failure-predictor/gate"]![0]!;
          expect(fp.steps.find((s) => s.id === "train")!.inputs!.command).toMatch(/--sample 1$/);
          expect(fp.steps.find((s) => s.id === "compare")!.outputs.decision).toBe("reject");
          expect(fp.result).toBe("failure"); // blocking: the same model as the champion is not a release
          expect(full.conclusion).toBe("failure");
          const hd = full.jobs["heat-dissipation/gate"]![0]!;
          // Not released yet, and pr.yml says so (first-release: true): the thresholds and the interface decide, and pass.
          expect(hd.result, failures(full)).toBe("success");
          expect(hd.steps.find((s) => s.id === "compare")!.outputs.contract).toBe("compatible");
          expect(await dev().history("failure-predictor")).toEqual(devHistory); // a PR registers nothing
        } finally {
          prDone();
        }
      },
    );

    it.concurrent(
      "rollback: one approval, the champion moves back, the plants get it, and the card reports instead of asking",
      { timeout: 900_000 },
      async ({ expect }) => {
        await released().catch(() => undefined);
        await v2Finished;
        try {
          // The state a second release left: prod v2 is the champion.
          await promote({
            alias: "champion",
            from: dev(),
            to: prod(),
            model: "failure-predictor@2",
            expectedChampion: 1,
            force: true,
          });
          expect(await prod().getAlias("failure-predictor", "champion")).toBe(2);
          const r = await run("rollback.yml", {
            eventName: "workflow_dispatch",
            inputs: { model: "failure-predictor", reason: "recall dropped at plant-north" },
          });
          expect(r.conclusion, failures(r)).toBe("success");
          expect(r.approvals).toEqual([{ job: "rollback", environment: "production", decision: "approve" }]);
          expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
          expect(r.jobs.rollback![0]!.outputs).toEqual({ version: "1", "previous-version": "2" });
          const sent = cards("failure-predictor rolled back");
          expect(sent).toHaveLength(1);
          expect(sent[0]).not.toMatch(/Review and approve|approval is requested|PENDING/);
          for (const text of [
            "failure-predictor@2",
            "failure-predictor@1",
            "recall dropped at plant-north",
            "octocat",
          ]) {
            expect(sent[0]).toContain(text);
          }
          const image = r.jobs.rollback![0]!.steps.at(-1)!.outputs.digest!;
          for (const plant of ["plant-north", "plant-south"]) {
            const pushed = (await skopeoInspect(`${oci.host}/${plant}/failure-predictor:champion`)) as {
              Digest: string;
            };
            expect(pushed.Digest).toBe(image);
          }
        } finally {
          rollbackDone();
        }
      },
    );

    it.concurrent(
      "cd with Azure ML: a staging endpoint that fails the sample request stops heat-dissipation v1 before the card; once it answers, the card carries its scoring URI; the approvers reject; nothing reaches prod or the plants",
      { timeout: 900_000 },
      async ({ expect }) => {
        const endpoint = "plant-models-staging";
        const deployment = "heat-dissipation-v1";
        // Azure ML configured for staging only, as the README advises: the staging environment's variables.
        const withAzureML = (decision: "approve" | "reject") => ({
          ...environments(decision),
          staging: {
            vars: {
              ...environmentVars.staging,
              AZUREML_STAGING_ENDPOINT: endpoint,
              AZUREML_STAGING_REGISTRY: stagingOci.host,
              AZUREML_RESOURCE_GROUP: RESOURCE_GROUP,
              AZUREML_WORKSPACE: WORKSPACE,
            },
          },
        });
        const release = (decision: "approve" | "reject") =>
          run("cd.yml", {
            eventName: "workflow_dispatch",
            inputs: { release: "heat-dissipation/v1", "first-release": "true" },
            vars: { ...vars, AZURE_RESOURCE_MANAGER_ENDPOINT: arm.url },
            environments: withAzureML(decision),
            // Resource Manager asks pollers to wait 10 s; deploy-online runs with the stand-ins' scaled clock.
            actionEnv: { "deploy-online": scaledTimeEnv() },
          });
        const scored = (status: number) =>
          online.scored.filter((q) => q.endpoint === endpoint && q.deployment === deployment && q.status === status);

        // The staging deployment answers the sample request with errors: the job fails before the card.
        online.behave(deployment, { kind: "error" });
        const failed = await release("approve");
        const failedStaging = failed.jobs["heat-dissipation/staging"]![0]!;
        expect(failedStaging.outputs.decision, failures(failed)).toBe("promote");
        expect(failedStaging.result).toBe("failure");
        expect(failedStaging.steps.find((s) => s.id === "online")!.errors).toEqual([
          expect.stringMatching(
            /^deployment heat-dissipation-v1: the smoke test failed \(got 5 errors in 5 requests, first: "HTTP 500.*No traffic was moved/,
          ),
        ]);
        expect(scored(500)).toHaveLength(5);
        expect(failed.jobs["heat-dissipation/notify"]![0]!.result).toBe("skipped");
        expect(failed.jobs["heat-dissipation/production"]![0]!.result).toBe("skipped");
        expect(failed.approvals).toEqual([]);
        expect(cards("heat-dissipation v1 is staged")).toEqual([]);
        expect(online.endpoints.get(endpoint)!.properties.traffic).toEqual({});

        // It answers: the card goes out with the staging scoring URI; the approvers reject.
        online.behave(deployment, { kind: "healthy" });
        const r = await release("reject");
        const staging = r.jobs["heat-dissipation/staging"]![0]!;
        expect(staging.outputs.decision, failures(r)).toBe("promote");
        expect(staging.result, failures(r)).toBe("success");
        // The image staging smoke-tested, pushed to the staging registry (not the plants'), runs on the endpoint
        // with the model baked in: the deployment names no Azure ML model.
        const image = `${stagingOci.host}/heat-dissipation@${staging.outputs.digest}`;
        expect(staging.steps.find((s) => s.id === "image")!.outputs.image).toBe(image);
        expect(((await skopeoInspect(`${stagingOci.host}/heat-dissipation:v1`)) as { Digest: string }).Digest).toBe(
          staging.outputs.digest,
        );
        const deployed = online.deployments.get(`${endpoint}/${deployment}`)!;
        expect(deployed.body.properties.model).toBeUndefined();
        expect(deployed.body.tags).toMatchObject({ "mlops-model": "heat-dissipation@1", "mlops-role": "champion" });
        expect(arm.state.environments.get(String(deployed.body.properties.environmentId))?.image).toBe(image);
        expect(online.endpoints.get(endpoint)!.properties.traffic).toEqual({ [deployment]: 100 });
        // The smoke test and the health check at 100 % hit it, through the scoring URI with the endpoint's key.
        expect(scored(200)).toHaveLength(10);
        const uri = `${online.scoringBase}/${endpoint}/score`;
        expect(staging.steps.find((s) => s.id === "online")!.outputs["scoring-uri"]).toBe(uri);
        const sent = cards("heat-dissipation v1 is staged");
        expect(sent).toHaveLength(1);
        expect(sent[0]).toContain(
          JSON.stringify({
            title: "Staging endpoint",
            value: `[${endpoint}](${uri}) answered the sample request (deployment ${deployment})`,
          }),
        );
        expect(r.jobs["heat-dissipation/notify"]![0]!.result, failures(r)).toBe("success");
        expect(r.approvals).toEqual([
          { job: "heat-dissipation/production", environment: "production", decision: "reject" },
        ]);
        expect(r.jobs["heat-dissipation/production"]![0]!.result).toBe("failure");
        expect(r.jobs["heat-dissipation/production"]![0]!.steps.map((s) => s.id)).toEqual(["review"]);
        expect(r.conclusion).toBe("failure");
        expect(await prod().getAlias("heat-dissipation", "champion")).toBeUndefined();
        await expect(skopeoInspect(`${oci.host}/plant-north/heat-dissipation:v1`)).rejects.toThrow();
      },
    );

    it.concurrent(
      "the gate holds at the storage service: no identity but production's can write prod",
      { timeout: 900_000 },
      async ({ expect }) => {
        // What a careless or hostile change would do: promote in a job bound to staging, and the production
        // identity's client id written into a job without the environment.
        const login = (clientId: string) => [
          "      - uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5 # v2.3.0",
          "        with:",
          `          client-id: \${{ ${clientId} }}`,
          "          tenant-id: ${{ vars.AZURE_TENANT_ID }}",
          "          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}",
        ];
        const job = (id: string, environment: string | undefined, steps: string[]) => [
          `  ${id}:`,
          "    runs-on: ubuntu-latest",
          "    timeout-minutes: 10",
          ...(environment ? [`    environment: ${environment}`] : []),
          "    permissions:",
          "      contents: read",
          "      id-token: write",
          "    steps:",
          ...steps,
        ];
        writeFileSync(
          join(repository, ".github/workflows/bypass.yml"),
          [
            "name: bypass",
            "on: workflow_dispatch",
            "permissions: {}",
            "jobs:",
            ...job("promote-from-staging", "staging", [
              ...login("vars.AZURE_CLIENT_ID"),
              "      - uses: mlops-actions/mlops-actions/promote@v1",
              "        with:",
              "          model: heat-dissipation@1",
              "          from-registry: ${{ vars.DEV_REGISTRY }}",
              "          to-registry: ${{ vars.PROD_REGISTRY }}",
              "          expected-champion: none",
            ]),
            ...job("production-identity-without-environment", undefined, login("vars.PRODUCTION_CLIENT_ID")),
          ].join("\n") + "\n",
        );
        const r = await run("bypass.yml", {
          eventName: "workflow_dispatch",
          vars: { ...vars, PRODUCTION_CLIENT_ID: environmentVars.production!.AZURE_CLIENT_ID! },
        });
        const [signIn, write] = r.jobs["promote-from-staging"]![0]!.steps;
        expect(signIn!.status).toBe("success"); // staging's own identity signs in
        expect(write!.status).toBe("failure");
        expect(write!.errors).toEqual([
          expect.stringMatching(/access denied while trying to write .* \(got 403 AuthorizationPermissionMismatch\)/),
        ]);
        expect(r.jobs["production-identity-without-environment"]![0]!.steps[0]!.errors).toEqual([
          expect.stringMatching(
            /AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:acme\/plant-models:ref:refs\/heads\/main'/,
          ),
        ]);
        expect(await prod().listVersions("heat-dissipation")).toEqual([]);

        // The same at the storage account, for every identity of the README: only production's may write prod,
        // neither a new version nor an alias move (the alias is moved to a version it does not point to yet, so
        // that a write is really needed: moving it where it already points writes nothing and succeeds).
        const probe = join(repository, "..", `${repository.split("/").pop()}-probe.onnx`);
        writeFileSync(probe, "not a model, only bytes to write");
        const writers = rows.filter((row) => row.roles["prod registry"] === "Contributor");
        expect(writers.map((row) => row.name)).toEqual(["production"]);
        const asRow = (row: IdentityRow) =>
          openRegistry(vars.PROD_REGISTRY!, { env: identities[clientId(row.name)]!.env });
        const written = await asRow(writers[0]!).register({
          name: "gate-probe",
          files: [{ path: "model.onnx", source: probe }],
        });
        expect(written.version).toBe(1);
        for (const row of rows.filter((r) => !writers.includes(r))) {
          const env = identities[clientId(row.name)]!.env;
          if (!row.roles["prod registry"]) {
            expect(env[`AZURE_STORAGE_CONNECTION_STRING_${SECOND_ACCOUNT.toUpperCase()}`], row.name).toBeUndefined();
            continue;
          }
          const reader = asRow(row);
          expect(await reader.getAlias("gate-probe", "champion"), row.name).toBeUndefined(); // it can read
          await expect(
            reader.register({ name: "gate-probe", files: [{ path: "model.onnx", source: probe }] }),
            row.name,
          ).rejects.toThrow(/403 AuthorizationPermissionMismatch/);
          await expect(reader.setAlias("gate-probe", "champion", 1), row.name).rejects.toThrow(
            /403 AuthorizationPermissionMismatch/,
          );
        }
        expect((await prod().listVersions("gate-probe")).map((c) => c.version)).toEqual([1]);
        expect(await prod().getAlias("gate-probe", "champion")).toBeUndefined();
      },
    );

    it.concurrent(
      "drift: two plants' edge servers capture; a calm day retrains nothing; a drifted one is snapshotted, trained on with data/train.csv and handed to cd",
      { timeout: 900_000 },
      async ({ expect }) => {
        await released().catch(() => undefined); // the plants serve the prod champion, whose held-out metrics are the baseline
        const work = mkdtempSync(join(tmpdir(), "mlops-template-plants-"));
        const { paths } = await prod().get("failure-predictor@champion", work);
        const labelled: string[] = ["id,row,time,Machine failure"];
        const labels = BlobServiceClient.fromConnectionString(azurite.connectionString(DEV_ACCOUNT)).getContainerClient(
          "plant-data",
        );
        // The plants' traffic: rows of data/holdout.csv (like the training data, with the failures that followed).
        const [header, ...holdout] = readFileSync(join(TEMPLATE, "data/holdout.csv"), "utf8")
          .trim()
          .split("\n")
          .map((l) => l.split(","));
        const at = (name: string) => header!.indexOf(name);
        /**
         * A day at one plant: its edge server answers 20 requests of 20 rows (every fifth holdout row from `first`:
         * AI4I's air temperature wanders with time, so consecutive rows are not like the training data; the
         * sensors reading `shift` higher), captures and uploads them; the failures are reported an hour later.
         */
        const day = async (plant: string, first: number, shift: number) => {
          const sample = holdout.filter((_, i) => i % 5 === first);
          const server = await spawnServer(
            [join(bundleRoot(), "dist/serve.js")],
            [
              ...["--model", paths["model.onnx"]!, "--model-name", "failure-predictor", "--model-version", "1"],
              ...["--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "off", "--plant", plant],
              ...["--capture-dir", join(work, `capture-${plant}`), "--capture-upload", vars.CAPTURE_URI!],
            ],
            { env: admin, track: servers, timeoutMs: 120_000 },
          );
          for (let k = 0; k < 20; k++) {
            const rows = sample.slice(20 * k, 20 * (k + 1));
            const id = `${plant}-${k}`;
            const col = (name: string, add: number) => rows.map((r) => Number(r[at(name)]) + add);
            const body = {
              id,
              inputs: [
                { name: "Type", shape: [20, 1], datatype: "BYTES", data: rows.map((r) => r[at("Type")]) },
                {
                  name: "Air temperature [K]",
                  shape: [20, 1],
                  datatype: "FP32",
                  data: col("Air temperature [K]", 4 * shift),
                },
                {
                  name: "Process temperature [K]",
                  shape: [20, 1],
                  datatype: "FP32",
                  data: col("Process temperature [K]", 4 * shift),
                },
                {
                  name: "Rotational speed [rpm]",
                  shape: [20, 1],
                  datatype: "FP32",
                  data: col("Rotational speed [rpm]", 0),
                },
                { name: "Torque [Nm]", shape: [20, 1], datatype: "FP32", data: col("Torque [Nm]", 20 * shift) },
                { name: "Tool wear [min]", shape: [20, 1], datatype: "FP32", data: col("Tool wear [min]", 60 * shift) },
              ],
              outputs: [{ name: "probabilities" }],
            };
            const res = await fetch(`${server.url}/v2/models/failure-predictor/infer`, {
              method: "POST",
              body: JSON.stringify(body),
            });
            expect(res.status).toBe(200);
            await res.arrayBuffer();
            const reported = new Date(Date.now() + 3_600_000).toISOString();
            rows.forEach((r, i) => labelled.push(`${id},${i},${reported},${r[at("Machine failure")]}`));
          }
          await server.stop("SIGTERM"); // closes the last capture file and uploads it
          const text = `${labelled.join("\n")}\n`;
          await labels.getBlockBlobClient("labels/failures.csv").upload(text, Buffer.byteLength(text));
        };
        const cdDispatches = () => github.dispatches.filter((d) => d.workflow === "cd.yml");

        // plant-north runs as the training data did: nothing drifts, nothing drops, nothing is retrained.
        await day("plant-north", 0, 0);
        const calm = await run("drift.yml", { eventName: "schedule" });
        expect(calm.conclusion, failures(calm)).toBe("success");
        const calmMonitor = calm.jobs.monitor![0]!;
        expect(calmMonitor.oidcSubject).toBe(`repo:${REPOSITORY}:ref:refs/heads/main`);
        expect(calmMonitor.outputs).toMatchObject({ retrain: "false", degraded: "false" });
        expect(calmMonitor.steps.find((s) => s.id === "live")!.outputs.labelled).toBe("400");
        expect(calm.jobs.retrain![0]!.result).toBe("skipped");
        expect([...calm.artifacts.keys()]).toEqual(["plant-monitoring"]);
        expect(cdDispatches()).toEqual([]);

        // plant-south's sensors read high: its inputs drift and the champion's predictions there fail. (After the
        // PR gate's scenario, which checks that it registered nothing in dev, as the retrain registers there.)
        await day("plant-south", 1, 1);
        await prFinished;
        const r = await run("drift.yml", { eventName: "schedule" });
        expect(r.conclusion, failures(r)).toBe("success");
        const monitor = r.jobs.monitor![0]!;
        const step = (id: string) => monitor.steps.find((s) => s.id === id)!;
        const drift = step("drift").outputs;
        expect(drift.drifted).toBe("true");
        const features = JSON.parse(drift.features!) as { feature: string; method: string; drifted: boolean }[];
        expect(features.every((f) => f.method === "psi")).toBe(true);
        const drifted = features.filter((f) => f.drifted).map((f) => f.feature);
        expect(drifted).toEqual(
          expect.arrayContaining(["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]),
        );
        expect(
          drifted.every((f) =>
            ["Air temperature [K]", "Process temperature [K]", "Torque [Nm]", "Tool wear [min]"].includes(f),
          ),
        ).toBe(true);
        const live = step("live").outputs;
        expect(live.labelled).toBe("800");
        expect(live.degraded).toBe("true");
        const windows = JSON.parse(live.windows!) as { group: string; degraded: boolean; rows: number }[];
        expect(windows.map((w) => [w.group, w.rows, w.degraded])).toEqual([
          ["plant-north", 400, false],
          ["plant-south", 400, true],
        ]);
        expect(live.joined).toMatch(/labelled\.csv$/);
        expect(monitor.steps.find((s) => s.uses?.includes("validate-data"))!.outputs.valid).toBe("true");
        expect(monitor.outputs).toMatchObject({ retrain: "true", degraded: "true" });
        expect([...r.artifacts.keys()].sort()).toEqual(["plant-data", "plant-monitoring"]);

        const retrain = r.jobs.retrain![0]!;
        expect(retrain.environment).toBe("dev");
        expect(retrain.oidcSubject).toBe(`repo:${REPOSITORY}:environment:dev`);
        const rstep = (id: string) => retrain.steps.find((s) => s.id === id)!;
        const snapshot = rstep("snapshot").outputs;
        expect(snapshot).toMatchObject({ created: "true", version: "1", rows: "800", files: "1" });
        expect(snapshot["dataset-uri"]).toBe(`${dev().uri}#plant-data@1`);
        expect((await dev().datasets().resolve("plant-data@last-retrain")).version).toBe(1);
        const train = rstep("train");
        // data/train.csv (8,000 rows) plus the 800 labelled plant rows, measured on the 2,000-row holdout.
        expect(train.stdout).toMatch(/trained gbt on 8800 rows \(sample 1\); holdout 2000 rows/);
        const version = Number(train.outputs["model-version"]);
        const card = await dev().resolve("failure-predictor@challenger");
        expect(card.version).toBe(version);
        expect(card.metrics.train_rows).toBe(8800);
        expect(card.lineage.dataset).toMatchObject({
          uri: snapshot["dataset-uri"],
          name: "plant-data",
          version: 1,
          rows: 800,
        });
        expect(retrain.steps.at(-1)!.stdout).toMatch(
          new RegExp(`live performance degraded: true; failure-predictor@${version} trained`),
        );
        expect(cdDispatches()).toEqual([
          { workflow: "cd.yml", ref: "main", inputs: { release: `failure-predictor/v${version}` } },
        ]);

        // The hand-over, as GitHub starts it: cd.yml with the dispatched inputs, after the rollback settled prod.
        await rollbackFinished;
        const cd = await run("cd.yml", { eventName: "workflow_dispatch", inputs: cdDispatches()[0]!.inputs! });
        const staging = cd.jobs["failure-predictor/staging"]![0]!;
        expect(staging.result, failures(cd)).toBe("success");
        expect(staging.outputs["candidate-version"]).toBe(String(version));
        expect(staging.outputs["champion-version"]).toBe("1");
        // Eight hundred more rows, half of them from a drifted plant, do not make a model better on the holdout with
        // confidence: staging compares and stops it; no card, no approval, prod keeps its champion.
        expect(staging.outputs.decision).toBe("reject");
        expect(staging.outputs.reason).toMatch(/roc_auc is not better/);
        expect(cd.jobs["failure-predictor/notify"]![0]!.result).toBe("skipped");
        expect(cd.jobs["failure-predictor/production"]![0]!.result).toBe("skipped");
        expect(cd.approvals).toEqual([]);
        expect(cards(`failure-predictor v${version}`)).toEqual([]);
        expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
      },
    );
  });
});
