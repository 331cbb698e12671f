/**
 * The template repository (examples/model-repository), run as GitHub would run it: every workflow file
 * through GitHub's parser and evaluator, every `run:` step as written (the Python trainer, flake8, pytest,
 * the release parsing, curl), this suite's actions from dist/, third-party actions through the harness's
 * stand-ins. Against two Azurite accounts (dev and prod registries, plant data), Debian's docker-registry
 * (the plants), a Teams webhook capture and a GitHub API stand-in. The federated credentials are the
 * README's: each OIDC subject gets a connection string whose SAS carries exactly the rights the README
 * grants it, so a write to prod from anywhere but the `production` job fails as it would on Azure.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerSASPermissions } from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot } from "../harness/run-action";
import { REPOSITORY, type WorkflowRun, type WorkflowRunOptions, runWorkflow } from "../harness/workflow-runner";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, SECOND_ACCOUNT, startAzurite } from "../services/azurite";
import { baseImageAvailability, skopeoCopyToRegistry, skopeoInspect, writeBaseLayout } from "../services/base-image";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";
import { type RegistryService, registryAvailability, startRegistry } from "../services/oci-registry";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";
import { pythonAvailability } from "../services/tools";

const TEMPLATE = join(repoRoot, "examples/model-repository");

function available() {
  for (const a of [azuriteAvailable(), registryAvailability(), baseImageAvailability(), pythonAvailability()]) {
    if (!a.ok) return a;
  }
  return { ok: true as const };
}

/** Every failed step of a run, for assertion messages. */
function failures(run: WorkflowRun): string {
  return Object.values(run.jobs)
    .flatMap((runs) => runs.flatMap((r) => r.steps.filter((s) => s.status === "failure").map((s) => `${r.id}/${s.name ?? s.uses ?? s.id}: ${s.errors.join(" | ")} ${s.stderr.slice(-600)}`)))
    .join("\n");
}

describeIf("the template repository's workflows, end to end (bundled)", available(), () => {
  let azurite: Azurite;
  let oci: RegistryService;
  let teams: TeamsCaptureServer;
  let github: GitHubApiServer;
  let repository: string;
  let vars: Record<string, string>;
  let identities: Record<string, Record<string, string>>;
  const admin: Record<string, string> = {};
  const dev = () => openRegistry(vars.DEV_REGISTRY!, { env: admin });
  const prod = () => openRegistry(vars.PROD_REGISTRY!, { env: admin });

  const run = (file: string, o: Partial<WorkflowRunOptions> & { eventName: string }) =>
    runWorkflow(`.github/workflows/${file}`, {
      repository,
      root: bundleRoot(),
      vars,
      secrets: { TEAMS_WEBHOOK_URL: teams.webhookUrl },
      identities,
      environments: { production: { reviewers: true } },
      env: { GITHUB_API_URL: github.url },
      githubToken: github.token,
      ...o,
    });

  beforeAll(async () => {
    [azurite, oci, teams, github] = await Promise.all([startAzurite(), startRegistry(), startTeamsCapture(), startGitHubApi()]);
    repository = mkdtempSync(join(tmpdir(), "mlops-template-"));
    cpSync(TEMPLATE, repository, { recursive: true, filter: (s) => !/__pycache__|\.pytest_cache/.test(s) });
    const base = join(repository, "..", `${repository.split("/").pop()}-base`);
    await writeBaseLayout(base, { withNode: false, arm64Stub: true });
    await skopeoCopyToRegistry(`oci:${base}:base`, `${oci.host}/mirror/node:24`);
    vars = {
      DEV_REGISTRY: `${azurite.endpoint(DEV_ACCOUNT)}/models-dev`,
      PROD_REGISTRY: `${azurite.endpoint(SECOND_ACCOUNT)}/models-prod`,
      EDGE_REGISTRY_HOST: oci.host,
      EDGE_BASE_IMAGE: `${oci.host}/mirror/node:24`,
      PLANT_DATA_ACCOUNT: DEV_ACCOUNT,
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000001",
      AZURE_TENANT_ID: "00000000-0000-0000-0000-000000000002",
      AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000003",
    };
    const key = (account: string) => `AZURE_STORAGE_CONNECTION_STRING_${account.toUpperCase()}`;
    admin[key(DEV_ACCOUNT)] = azurite.connectionString(DEV_ACCOUNT);
    admin[key(SECOND_ACCOUNT)] = azurite.connectionString(SECOND_ACCOUNT);
    // The README's role assignments as SAS rights: Reader = read + list, Contributor = everything.
    const sas = async (account: string, container: string, permissions: string) => {
      const svc = (await import("@azure/storage-blob")).BlobServiceClient.fromConnectionString(
        azurite.connectionString(account),
      );
      const c = svc.getContainerClient(container);
      await c.createIfNotExists();
      const url = await c.generateSasUrl({
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3 * 3600_000),
      });
      return `BlobEndpoint=${azurite.endpoint(account)};SharedAccessSignature=${url.slice(url.indexOf("?") + 1)}`;
    };
    const [devRead, devWrite, prodRead, prodWrite, plantRead] = await Promise.all([
      sas(DEV_ACCOUNT, "models-dev", "rl"),
      sas(DEV_ACCOUNT, "models-dev", "racwdl"),
      sas(SECOND_ACCOUNT, "models-prod", "rl"),
      sas(SECOND_ACCOUNT, "models-prod", "racwdl"),
      sas(DEV_ACCOUNT, "plant-data", "rl"),
    ]);
    const subject = (s: string) => `repo:${REPOSITORY}:${s}`;
    identities = {
      [subject("pull_request")]: { [key(SECOND_ACCOUNT)]: prodRead },
      [subject("environment:dev")]: { [key(DEV_ACCOUNT)]: devWrite },
      [subject("ref:refs/heads/main")]: { [key(DEV_ACCOUNT)]: plantRead },
      [subject("environment:staging")]: { [key(DEV_ACCOUNT)]: devRead, [key(SECOND_ACCOUNT)]: prodRead },
      [subject("environment:production")]: { [key(DEV_ACCOUNT)]: devRead, [key(SECOND_ACCOUNT)]: prodWrite },
    };
  }, 180_000);

  afterAll(async () => {
    await Promise.all([azurite?.stop(), oci?.stop(), teams?.close(), github?.close()]);
  });

  it("ci: lint and tests, then both models trained as production and registered as challengers in dev", { timeout: 600_000 }, async () => {
    const r = await run("ci.yml", { eventName: "push", event: { ref: "refs/heads/main" } });
    expect(r.conclusion, failures(r)).toBe("success");
    const test = r.jobs.test![0]!;
    expect(test.steps.map((s) => s.run ?? s.uses?.split("@")[0])).toEqual([
      "actions/checkout",
      "actions/setup-python",
      "pip install -r ml/requirements.txt -r ml/requirements-dev.txt",
      "python -m flake8 ml",
      "python -m pytest -q ml",
    ]);
    expect(test.steps.at(-1)!.stdout).toMatch(/5 passed/);
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
  });

  it("cd by tag: staging compares, boots the image and smoke-tests it before the card; one approval; prod and plants", { timeout: 600_000 }, async () => {
    const posts = teams.requests.length;
    const r = await run("cd.yml", { eventName: "push", ref: "refs/tags/failure-predictor/v1", event: { ref: "refs/tags/failure-predictor/v1" } });
    expect(r.conclusion, failures(r)).toBe("success");
    expect(r.jobs["heat-dissipation"]![0]!.result).toBe("skipped");
    const staging = r.jobs["failure-predictor/staging"]![0]!;
    expect(staging.environment).toBe("staging");
    expect(staging.outputs.decision, staging.outputs.reason).toBe("promote");
    expect(staging.outputs["smoke-test"]).toMatch(/failure-predictor v1 booted from the image and answered .* over HTTP .* and gRPC .* probabilities \[2, 2\]/);
    // The card went out after staging, once, with the staged image and the smoke test on it.
    expect(teams.requests.length).toBe(posts + 1);
    const card = JSON.stringify(teams.requests.at(-1)!.json);
    expect(card).toContain(staging.outputs.digest!);
    expect(card).toContain("booted from the image");
    // One approval for the whole release, at the job that writes prod and pushes to the plants.
    expect(r.approvals).toEqual([{ job: "failure-predictor/production", environment: "production", decision: "approve" }]);
    const production = r.jobs["failure-predictor/production"]![0]!;
    expect(production.oidcSubject).toBe(`repo:${REPOSITORY}:environment:production`);
    expect(production.outputs.digest).toBe(staging.outputs.digest);
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
    for (const plant of ["plant-north", "plant-south"]) {
      for (const tag of ["v1", "champion"]) {
        const pushed = (await skopeoInspect(`${oci.host}/${plant}/failure-predictor:${tag}`)) as { Digest: string };
        expect(pushed.Digest).toBe(staging.outputs.digest);
      }
    }
  });

  it("only the production job can write prod: the staging identity is refused by the registry", { timeout: 600_000 }, async () => {
    const staging = identities[`repo:${REPOSITORY}:environment:staging`]!;
    const asStaging = openRegistry(vars.PROD_REGISTRY!, { env: staging });
    await expect(asStaging.setAlias("failure-predictor", "champion", 1)).rejects.toThrow(/403|not authorized|permission/i);
  });

  it("cd: a worse candidate stops in staging (no image, no card, no approval, prod untouched); a rejected approval stops production", { timeout: 600_000 }, async () => {
    // CI again on unchanged code: v2 equals v1, so it is not better.
    const ci = await run("ci.yml", { eventName: "workflow_dispatch" });
    expect(ci.conclusion, failures(ci)).toBe("success");
    const posts = teams.requests.length;
    const history = await prod().history("failure-predictor");
    const r = await run("cd.yml", { eventName: "workflow_dispatch", inputs: { release: "failure-predictor/v2" } });
    const staging = r.jobs["failure-predictor/staging"]![0]!;
    expect(staging.outputs.decision).toBe("reject");
    expect(staging.steps.find((s) => s.id === "image")!.status).toBe("skipped");
    expect(r.jobs["failure-predictor/notify"]![0]!.result).toBe("skipped");
    expect(r.jobs["failure-predictor/production"]![0]!.result).toBe("skipped");
    expect(r.approvals).toEqual([]);
    expect(teams.requests.length).toBe(posts);
    expect(await prod().history("failure-predictor")).toEqual(history);

    // A release name that does not fit fails before anything runs.
    const bad = await run("cd.yml", { eventName: "workflow_dispatch", inputs: { release: "failure-predictor/7" } });
    expect(bad.jobs["failure-predictor/release"]![0]!.steps[0]!.errors[0]).toMatch(/is not failure-predictor\/v<version>/);
    expect(bad.jobs["failure-predictor/staging"]![0]!.result).toBe("skipped");

    // heat-dissipation v1 is better than no champion; the approvers reject it: nothing reaches prod.
    const rejected = await run("cd.yml", {
      eventName: "push",
      ref: "refs/tags/heat-dissipation/v1",
      environments: { production: { reviewers: true, decision: "reject" } },
    });
    expect(rejected.jobs["heat-dissipation/notify"]![0]!.result, failures(rejected)).toBe("success");
    expect(rejected.approvals).toEqual([{ job: "heat-dissipation/production", environment: "production", decision: "reject" }]);
    expect(rejected.jobs["heat-dissipation/production"]![0]!.result).toBe("failure");
    expect(await prod().getAlias("heat-dissipation", "champion")).toBeUndefined();
  });

  it("pr: sampled training is advisory (a comment, a green check); labelled full-training, a rejection blocks", { timeout: 600_000 }, async () => {
    const event = (labels: string[]) => ({
      pull_request: { number: 17, title: "tune", labels: labels.map((name) => ({ name })) },
    });
    const devHistory = await dev().history("failure-predictor");
    const sampled = await run("pr.yml", { eventName: "pull_request", event: event([]) });
    expect(sampled.conclusion, failures(sampled)).toBe("success");
    const gate = sampled.jobs["failure-predictor/gate"]![0]!;
    expect(gate.oidcSubject).toBe(`repo:${REPOSITORY}:pull_request`);
    const compare = gate.steps.find((s) => s.id === "compare")!;
    expect(gate.steps.find((s) => s.id === "train")!.inputs!.command).toMatch(/--sample 0\.2$/);
    expect(compare.outputs.decision).toBe("reject"); // a 20 % sample does not beat the full-data champion
    expect(compare.inputs!["fail-on-reject"]).toBe("false");
    expect(JSON.parse(compare.outputs.rules!)).toContainEqual(expect.objectContaining({ rule: "parity", passed: true }));
    expect(github.comments.get(17)?.length).toBeGreaterThanOrEqual(1);

    const full = await run("pr.yml", { eventName: "pull_request", event: event(["full-training"]) });
    const fp = full.jobs["failure-predictor/gate"]![0]!;
    expect(fp.steps.find((s) => s.id === "train")!.inputs!.command).toMatch(/--sample 1$/);
    expect(fp.steps.find((s) => s.id === "compare")!.outputs.decision).toBe("reject");
    expect(fp.result).toBe("failure"); // blocking: the same model as the champion is not a release
    const hd = full.jobs["heat-dissipation/gate"]![0]!;
    expect(hd.result, failures(full)).toBe("success"); // no champion yet: the thresholds decide, and pass
    expect(await dev().history("failure-predictor")).toEqual(devHistory); // a PR registers nothing
  });

  it("drift: drifted plant data starts ci; data like the training data does not", { timeout: 600_000 }, async () => {
    const svc = (await import("@azure/storage-blob")).BlobServiceClient.fromConnectionString(
      azurite.connectionString(DEV_ACCOUNT),
    );
    const container = svc.getContainerClient("plant-data");
    const holdout = (await import("node:fs")).readFileSync(join(TEMPLATE, "data/holdout.csv"), "utf8");
    const lines = holdout.trim().split("\n");
    const hot = [lines[0], ...lines.slice(1).map((l) => {
      const c = l.split(",");
      c[3] = String(Number(c[3]) + 6);
      c[4] = String(Number(c[4]) + 6);
      c[5] = String(Number(c[5]) - 200);
      return c.join(",");
    })].join("\n");
    await container.getBlockBlobClient("last-7-days/plant-north.csv").upload(holdout, holdout.length);
    const calm = await run("drift.yml", { eventName: "schedule", githubToken: github.token });
    expect(calm.conclusion, failures(calm)).toBe("success");
    expect(calm.jobs.drift![0]!.steps.find((s) => s.name === "Retrain")!.status).toBe("skipped");
    await container.getBlockBlobClient("last-7-days/plant-north.csv").upload(hot, hot.length);
    const drifted = await run("drift.yml", { eventName: "schedule", githubToken: github.token });
    expect(drifted.conclusion, failures(drifted)).toBe("success");
    expect(drifted.jobs.drift![0]!.steps.find((s) => s.id === "drift")!.outputs.drifted).toBe("true");
    expect(github.dispatches).toEqual([{ workflow: "ci.yml", ref: "main" }]);
  });

  it("rollback: one approval, the champion moves back, the plants get it, and the card reports instead of asking", { timeout: 600_000 }, async () => {
    // The state a second release left: prod v2 is the champion.
    const { promote } = await import("../../shared/promote");
    await promote({ from: dev(), to: prod(), model: "failure-predictor@2", expectedChampion: 1, force: true });
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(2);
    const posts = teams.requests.length;
    const r = await run("rollback.yml", {
      eventName: "workflow_dispatch",
      inputs: { model: "failure-predictor", reason: "recall dropped at plant-north" },
    });
    expect(r.conclusion, failures(r)).toBe("success");
    expect(r.approvals).toEqual([{ job: "rollback", environment: "production", decision: "approve" }]);
    expect(await prod().getAlias("failure-predictor", "champion")).toBe(1);
    expect(r.jobs.rollback![0]!.outputs).toEqual({ version: "1", "previous-version": "2" });
    expect(teams.requests.length).toBe(posts + 1);
    const card = JSON.stringify(teams.requests.at(-1)!.json);
    expect(card).not.toMatch(/Review and approve|approval is requested|PENDING/);
    expect(card).toContain("failure-predictor@2");
    expect(card).toContain("failure-predictor@1");
    expect(card).toContain("recall dropped at plant-north");
    expect(card).toContain("octocat");
    for (const plant of ["plant-north", "plant-south"]) {
      const pushed = (await skopeoInspect(`${oci.host}/${plant}/failure-predictor:champion`)) as { Labels?: Record<string, string> };
      expect(JSON.stringify(pushed)).toMatch(/failure-predictor/);
    }
  });
});
