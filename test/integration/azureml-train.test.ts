/**
 * train with compute: azureml against the local Resource Manager stand-in (test/services/azureml/jobs.ts,
 * whose routes follow azure-rest-api-specs machinelearningservices stable/2024-10-01 examples:
 * Job/CommandJob/createOrUpdate.json, Job/CommandJob/get.json, Job/PipelineJob/createOrUpdate.json,
 * Job/cancel.json, Workspace/CodeVersion/createOrUpdate.json and get.json, Workspace/EnvironmentVersion/list.json,
 * Workspace/ComponentVersion/list.json, Workspace/ComponentVersion/createOrUpdate.json and get.json,
 * Workspace/EnvironmentVersion/createOrUpdate.json and get.json, Datastore/list.json and listSecrets.json), Azurite as the
 * workspace's blob storage, and the repository's example trainer run by the stand-in's local compute.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "yaml";
import { writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { contentVersion } from "../../shared/azureml/anonymous-assets";
import { isUserError } from "../../shared/errors";
import type { Logger } from "../../shared/log";
import { type JobEndedError, type JobOutput, type JobProperties, submitJob } from "../../shared/azureml/jobs";
import { armClient } from "../../shared/azureml/workspace";
import { registerWorkspaceModel } from "../../shared/azureml/workspace-models";
import { openRegistry } from "../../shared/registry";
import { type AzureMLTrainOptions, trainOnAzureML } from "../../shared/train/azureml-train";
import { type AzureMLLineage, renderJobEndedMarkdown, renderTrainMarkdown } from "../../shared/train";
import { inputs as trainInputs } from "../../actions/train/inputs";
import { parseAsRunner } from "../helpers/runner-inputs";
import { describeIf } from "../services/availability";
import {
  type FakeArm,
  fakeCredential,
  RESOURCE_GROUP,
  startFakeArm,
  SUBSCRIPTION,
  WORKSPACE,
  WORKSPACE_PATH,
} from "../services/azureml/arm-server";
import { type AzureMLJobsStandIn, addAzureMLJobs } from "../services/azureml/jobs";
import { addWorkspaceModels, type WorkspaceModelsStandIn } from "../services/azureml/models";
import { expectSpecConformance } from "../services/azureml/spec-conformance";
import { scaledSleep } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, startAzurite } from "../services/azurite";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const EXAMPLE = join(ROOT, "examples/predictive-maintenance/train.ts");
const TRAIN = `${TSX} ${EXAMPLE} --data data/plant.csv`;
const GITHUB = {
  GITHUB_SHA: "4f2c0a9e1b7d3c5a6e8f0b1d2c3e4f5a6b7c8d9e",
  GITHUB_REPOSITORY: "plant/predictive-maintenance",
  GITHUB_RUN_ID: "777",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_SERVER_URL: "https://github.com",
};

/** What the tests read of a submitted body (JobProperties, with the maps assumed present). */
type Submitted = Omit<JobProperties, "inputs" | "outputs" | "environmentVariables"> & {
  inputs: Record<string, { jobInputType: string; value: string }>;
  outputs: Record<string, JobOutput>;
  environmentVariables: Record<string, string>;
};

function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
    debug: () => {},
    progress: () => {},
  };
}

describeIf("train on Azure ML (stand-in + Azurite + local compute)", azuriteAvailable(), () => {
  let az: Azurite;
  let fake: FakeArm;
  let aml: AzureMLJobsStandIn;
  let models: WorkspaceModelsStandIn;
  let ws: string;
  let codeDir: string;

  beforeAll(async () => {
    az = await startAzurite();
    fake = await startFakeArm();
    aml = await addAzureMLJobs(fake, az);
    models = addWorkspaceModels(fake, aml);
    ws = await mkdtemp(join(tmpdir(), "aml-train-"));
    codeDir = join(ws, "src");
    await writeGenerated(join(codeDir, "data/plant.csv"), 1500, 5);
    await writeFile(join(codeDir, "README.md"), "training code\n");
    await mkdir(join(codeDir, "__pycache__"), { recursive: true });
    await writeFile(join(codeDir, "__pycache__/x.pyc"), "cache");
    await writeFile(join(codeDir, ".amlignore"), "*.log\n");
    await writeFile(join(codeDir, "debug.log"), "not uploaded\n");
  }, 60_000);
  expectSpecConformance({ requests: 20, responses: 20 });
  afterAll(async () => {
    await aml?.close();
    await fake?.close();
    await az?.stop();
    await rm(ws, { recursive: true, force: true });
  });

  let n = 0;
  function options(
    o: Partial<AzureMLTrainOptions> = {},
  ): AzureMLTrainOptions & { logger: ReturnType<typeof captureLogger> } {
    n++;
    return {
      subscriptionId: SUBSCRIPTION,
      resourceGroup: RESOURCE_GROUP,
      workspace: WORKSPACE,
      endpoint: fake.url,
      credential: fakeCredential(fake.token),
      command: TRAIN,
      code: codeDir,
      workingDirectory: ws,
      environment: "azureml:sklearn-env@latest",
      computeTarget: "cpu-cluster",
      params: { model: "logreg", iterations: 10 },
      timeoutMs: 60_000,
      outputDir: join(ws, "out", String(n)),
      env: { ...GITHUB, GITHUB_RUN_ID: `${GITHUB.GITHUB_RUN_ID}${n}` },
      name: "failure-predictor",
      registry: openRegistry(join(ws, "registry")),
      pollIntervalMs: 50,
      baseDelayMs: 10,
      sleep: scaledSleep,
      ...o,
      logger: captureLogger(),
    };
  }
  const jobPuts = () => fake.calls("PUT", /\/jobs\/[^/]+$/);
  /** The submitted job properties, loosely typed for assertions. */
  const props = (c: { body: unknown } | undefined) => (c?.body as { properties: Submitted }).properties;

  it("runs a command job: code uploaded once, documented body, status streamed, model registered with azureml lineage", async () => {
    const o = options();
    const secrets: string[] = [];
    const r = await trainOnAzureML({ ...o, onSecret: (s) => secrets.push(s) });
    const put = jobPuts().at(-1);
    const name = put?.path.split("/").at(-1) as string;
    expect(name).toMatch(/^failure-predictor-7771-1-[0-9a-f]{6}$/);
    // The body follows examples/Job/CommandJob/createOrUpdate.json.
    const p = props(put);
    expect(p.jobType).toBe("Command");
    expect(p.computeId).toBe(`${WORKSPACE_PATH}/computes/cpu-cluster`);
    expect(p.environmentId).toBe(`${WORKSPACE_PATH}/environments/sklearn-env/versions/3`);
    expect(p.codeId).toMatch(new RegExp(`^${WORKSPACE_PATH}/codes/mlops-code-[0-9a-f]{40}/versions/1$`));
    expect(p.command).toBe(
      `export MLOPS_OUTPUT_DIR="\${{outputs.model}}" MLOPS_MODEL_PATH="\${{outputs.model}}/model.onnx" MLOPS_METRICS_PATH="\${{outputs.model}}/metrics.json" && ${TRAIN}`,
    );
    expect(p.outputs.model).toEqual({
      jobOutputType: "uri_folder",
      mode: "ReadWriteMount",
      uri: `azureml://datastores/workspaceblobstore/paths/mlops-actions/${name}/model/`,
    });
    expect(JSON.parse(p.environmentVariables.MLOPS_PARAMS ?? "")).toEqual({ model: "logreg", iterations: 10 });
    expect(p.experimentName).toBe("predictive-maintenance");
    expect(p.tags).toMatchObject({
      "mlops-actions/repository": GITHUB.GITHUB_REPOSITORY,
      "mlops-actions/sha": GITHUB.GITHUB_SHA,
      "mlops-actions/run-url": "https://github.com/plant/predictive-maintenance/actions/runs/7771",
    });
    // The latest environment came from EnvironmentVersions_List newest first.
    expect(fake.calls("GET", /\/environments\/sklearn-env\/versions$/).at(-1)?.query).toMatchObject({
      $orderBy: "createdtime desc",
      $top: "1",
    });
    // Status streamed in order.
    const statuses = o.logger.lines
      .filter((l) => l.startsWith(`azureml: job ${name}: `))
      .map((l) => l.split(": ").at(-1));
    expect(statuses).toEqual(["NotStarted", "Queued", "Running", "Completed"]);
    expect(aml.jobs.get(name)?.history).toEqual(["NotStarted", "Queued", "Running", "Completed"]);
    // The code asset: uploaded to LocalUpload/<hash>/ without __pycache__ and .amlignore'd files.
    const blobs: string[] = [];
    for await (const b of aml.container.listBlobsFlat({ prefix: "LocalUpload/" })) blobs.push(b.name);
    const codeFiles = blobs.filter((b) => !b.endsWith(".complete")).map((b) => b.split("/").slice(2).join("/"));
    expect(codeFiles.sort()).toEqual([".amlignore", "README.md", "data/plant.csv"]);
    // Registered with the lineage.
    expect(r.version).toBe(1);
    const card = await openRegistry(join(ws, "registry")).resolve("failure-predictor@1");
    expect(card.lineage.azureml).toEqual({
      jobName: name,
      jobId: `${WORKSPACE_PATH}/jobs/${name}`,
      studioUrl: `https://ml.azure.com/runs/${name}?wsid=${WORKSPACE_PATH}`,
      experiment: "predictive-maintenance",
      compute: `${WORKSPACE_PATH}/computes/cpu-cluster`,
      environment: `${WORKSPACE_PATH}/environments/sklearn-env/versions/3`,
      jobType: "Command",
    });
    expect(card.metrics.roc_auc).toBeGreaterThan(0.5);
    expect(card.metrics.roc_auc).toBe(
      JSON.parse(await readFile(join(r.trials[0]!.dir, "metrics.json"), "utf8")).roc_auc,
    );
    expect(card.params).toMatchObject({ model: "logreg", iterations: 10 });
    expect(secrets.length).toBe(1);
    const md = renderTrainMarkdown(r, { modelUri: "reg#failure-predictor@1" });
    expect(md).toContain(`[${name}](https://ml.azure.com/runs/${name}?wsid=${WORKSPACE_PATH})`);
    expect(md).not.toContain(secrets[0]);

    // A re-run with the same code finds the code version and uploads nothing.
    const codePutsBefore = fake.calls("PUT", /\/codes\//).length;
    const again = options();
    await trainOnAzureML(again);
    expect(fake.calls("PUT", /\/codes\//).length).toBe(codePutsBefore);
    expect(again.logger.lines.some((l) => /already registered .* not uploaded again/.test(l))).toBe(true);
    expect(codePutsBefore).toBe(1);
  }, 60_000);

  it("a Failed job is a UserError naming the job, its error and the Studio link; nothing is registered", async () => {
    const reg = join(ws, "registry-failed");
    const o = options({ command: "echo 'ValueError: bad column Torque' >&2; exit 3", registry: openRegistry(reg) });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error;
    const name = jobPuts().at(-1)?.path.split("/").at(-1) as string;
    expect(isUserError(e)).toBe(true);
    expect(e.message).toContain(`job ${name} ended Failed`);
    // The error from the run history, and the tail of user_logs/std_log.txt from the artifact store.
    expect(e.message).toMatch(
      /\(got "UserError: Execution failed\. User process '\S+' exited with status code 3\. Please check log file 'user_logs\/std_log\.txt' for error details\."\)/,
    );
    expect(e.message).toMatch(/Last lines of user_logs\/std_log.txt:\nValueError: bad column Torque$/);
    expect((e as JobEndedError).diagnostics).toEqual({
      error: expect.stringMatching(/^UserError: Execution failed\. User process '\S+' exited with status code 3\./),
      logFile: "user_logs/std_log.txt",
      logTail: "ValueError: bad column Torque",
    });
    const md = renderJobEndedMarkdown(e as JobEndedError);
    expect(md).toContain("**Error:** UserError: Execution failed.");
    expect(md).toContain("Last lines of `user_logs/std_log.txt`:\n\n```text\nValueError: bad column Torque\n```");
    expect(e.message).toContain(`https://ml.azure.com/runs/${name}?wsid=`);
    expect(await openRegistry(reg).list()).toEqual([]);
  }, 30_000);

  it("timeout: the job is cancelled (POST .../cancel) and the step fails", async () => {
    const o = options({ command: "sleep 30", timeoutMs: 1500 });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error & { code?: string };
    const name = jobPuts().at(-1)?.path.split("/").at(-1) as string;
    expect(e.code).toBe("timeout");
    expect(e.message).toMatch(/^timeout-minutes: Azure ML job .* was still Running after 1\.\d s /);
    expect(fake.calls("POST", new RegExp(`/jobs/${name}/cancel$`))).toHaveLength(1);
    expect(aml.cancels).toContain(name);
    await aml.settle();
    expect(aml.jobs.get(name)?.ran[0]?.exitCode).not.toBe(0);
  }, 30_000);

  it("a cancelled workflow (AbortSignal) cancels the running job", async () => {
    const ctl = new AbortController();
    const o = options({ command: "sleep 30", signal: ctl.signal });
    const logger = o.logger;
    const orig = logger.info;
    logger.info = (m: string) => {
      orig(m);
      if (/: Running$/.test(m)) ctl.abort(Object.assign(new Error("cancelled (SIGINT)"), { signalName: "SIGINT" }));
    };
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error & { code?: string };
    const name = jobPuts().at(-1)?.path.split("/").at(-1) as string;
    expect(e.code).toBe("cancelled");
    expect(e.message).toContain("the workflow was cancelled (got SIGINT)");
    expect(e.message).toContain(`job ${name}`);
    expect(fake.calls("POST", new RegExp(`/jobs/${name}/cancel$`))).toHaveLength(1);
    expect(aml.jobs.get(name)?.status).toBe("CancelRequested");
  }, 30_000);

  it("a workflow cancelled while the job PUT is in flight still cancels the job it created", async () => {
    const ctl = new AbortController();
    aml.onSubmit = () => ctl.abort(Object.assign(new Error("cancelled (SIGINT)"), { signalName: "SIGINT" }));
    let e: Error & { code?: string };
    try {
      e = (await trainOnAzureML(options({ command: "sleep 30", signal: ctl.signal })).catch(
        (x: unknown) => x,
      )) as Error & { code?: string };
    } finally {
      aml.onSubmit = undefined;
    }
    const name = jobPuts().at(-1)?.path.split("/").at(-1) as string;
    expect(aml.jobs.has(name)).toBe(true);
    expect(e.code).toBe("cancelled");
    expect(e.message).toContain(`the workflow was cancelled (got SIGINT) while job ${name} was being submitted`);
    expect(fake.calls("POST", new RegExp(`/jobs/${name}/cancel$`))).toHaveLength(1);
    expect(aml.jobs.get(name)?.status).toBe("CancelRequested");
  }, 30_000);

  it("rides out 429 with Retry-After and 500 on job PUT and GET", async () => {
    fake.fault({
      method: "PUT",
      path: /\/jobs\/[^/]+$/,
      status: 500,
      body: { error: { code: "InternalServerError", message: "try again" } },
    });
    fake.fault({ method: "GET", path: /\/jobs\/[^/]+$/, status: 429, headers: { "retry-after": "1" }, times: 1 });
    fake.fault({ method: "GET", path: /\/jobs\/[^/]+$/, status: 503, times: 1 });
    fake.fault({ method: "GET", path: /\/jobs\/[^/]+$/, status: 0, drop: true, times: 1 });
    const o = options();
    const t0 = Date.now();
    const r = await trainOnAzureML(o);
    const name = r.azureml.jobName;
    expect(
      (
        (await openRegistry(join(ws, "registry")).resolve(`failure-predictor@${r.version}`)).lineage
          .azureml as AzureMLLineage
      ).jobName,
    ).toBe(name);
    const puts = fake.calls("PUT", new RegExp(`/jobs/${name}$`));
    expect(puts.map((c) => c.status)).toEqual([500, 201]);
    const gets = fake.calls("GET", new RegExp(`/jobs/${name}$`)).map((c) => c.status);
    expect(gets.slice(0, 4)).toEqual([429, 503, -1, 200]);
    expect(o.logger.lines.some((l) => /HTTP 429; retrying in 1\.0 s \(Retry-After\)/.test(l))).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it("a job PUT whose answer is lost: the retry meets the existing job, recognises it as its own and goes on", async () => {
    // The stand-in creates the job, then drops the connection; the retried PUT is Jobs_CreateOrUpdate's update
    // of the same job (200).
    fake.fault({ method: "PUT", path: /\/jobs\/[^/]+$/, status: 0, drop: "after" });
    const o = options();
    const r = await trainOnAzureML(o);
    expect(
      (
        (await openRegistry(join(ws, "registry")).resolve(`failure-predictor@${r.version}`)).lineage
          .azureml as AzureMLLineage
      ).jobName,
    ).toBe(r.azureml.jobName);
    const puts = fake.calls("PUT", new RegExp(`/jobs/${r.azureml.jobName}$`));
    expect(puts.map((c) => c.status)).toEqual([-1, 200]);
    expect(aml.jobs.get(r.azureml.jobName)?.ran).toHaveLength(1);
  }, 60_000);

  it("a job name taken by another submission is not adopted", async () => {
    const o = options();
    const first = await trainOnAzureML(o);
    const arm = armClient({
      endpoint: fake.url,
      credential: fakeCredential(fake.token),
      pollIntervalMs: 1,
      baseDelayMs: 1,
    });
    const ws = { subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP, workspace: WORKSPACE };
    const existing = aml.jobs.get(first.azureml.jobName);
    await expect(
      submitJob(arm, ws, first.azureml.jobName, {
        jobType: "Command",
        command: "true",
        environmentId: `${WORKSPACE_PATH}/environments/sklearn-env/versions/3`,
        tags: {},
      } as JobProperties),
    ).rejects.toThrow(
      /400 UserError: Job .* exists; only description, tags, properties, isArchived, notificationSetting can be changed/,
    );
    expect(aml.jobs.get(first.azureml.jobName)).toBe(existing);
  }, 60_000);

  it("401 from Resource Manager says to run azure/login", async () => {
    const o = options({ credential: fakeCredential("not-the-token") });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error;
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(/HTTP 401 InvalidAuthenticationToken/);
    expect(e.message).toMatch(/run azure\/login/);
  }, 30_000);

  it("a job that writes no model.onnx fails with where it looked", async () => {
    const o = options({ command: `echo '{"roc_auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json"` });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error & { code?: string };
    const name = jobPuts().at(-1)?.path.split("/").at(-1) as string;
    expect(e.code).toBe("model-missing");
    expect(e.message).toContain(
      `job ${name} completed but its output has no model.onnx (got ["metrics.json"] at azureml://datastores/workspaceblobstore/paths/mlops-actions/${name}/model/)`,
    );
  }, 30_000);

  it("workspace-model: the validated model becomes the next version of a workspace model, linked to its job output and its job; card and summary link it", async () => {
    // Someone registered version 1 from Studio before: the container's nextVersion gives 2.
    models.add("fp-workspace", "1", {
      modelUri: "azureml://datastores/workspaceblobstore/paths/manual/model.onnx",
      tags: { owner: "studio" },
    });
    const reg = join(ws, "registry-workspace");
    const o = options({ workspaceModel: "fp-workspace", registry: openRegistry(reg), tags: { team: "plant-ops" } });
    const r = await trainOnAzureML(o);
    const job = r.azureml.jobName;
    const studio = `https://ml.azure.com/model/fp-workspace:2/details?wsid=${WORKSPACE_PATH}`;
    expect(r.azureml.model).toEqual({
      name: "fp-workspace",
      version: "2",
      id: "azureml:fp-workspace:2",
      studioUrl: studio,
    });
    const v = models.get("fp-workspace", 2)?.properties;
    expect(v).toMatchObject({
      modelType: "custom_model",
      modelUri: `azureml://jobs/${job}/outputs/model/paths/model.onnx`,
      jobName: job,
      provisioningState: "Succeeded",
      tags: {
        team: "plant-ops",
        "mlops.model": "failure-predictor",
        "mlops.git-sha": GITHUB.GITHUB_SHA,
        "mlops.run-url": `https://github.com/plant/predictive-maintenance/actions/runs/${o.env?.GITHUB_RUN_ID}`,
        "metric.roc_auc": String(r.metrics.roc_auc),
      },
    });
    const modelBytes = await readFile(join(r.trials[0]!.dir, "model.onnx"));
    expect(v?.properties?.["mlops.model-sha256"]).toBe(createHash("sha256").update(modelBytes).digest("hex"));
    expect(JSON.parse(v?.properties?.["mlops.metrics"] ?? "")).toEqual(r.metrics);
    expect(v?.description).toContain(`Azure ML job ${job}`);
    // Version 1 is untouched; the version was created, not updated.
    expect(models.get("fp-workspace", 1)?.properties.tags).toEqual({ owner: "studio" });
    expect(fake.calls("PUT", /\/models\/fp-workspace\/versions\/2$/).map((c) => [c.operation, c.status])).toEqual([
      ["ModelVersions_CreateOrUpdate", 201],
    ]);
    // The registered card records the workspace version, and the summary links it next to the job.
    const card = await openRegistry(reg).resolve("failure-predictor@1");
    expect((card.lineage.azureml as AzureMLLineage).model).toEqual(r.azureml.model);
    const md = renderTrainMarkdown(r, { modelUri: `${reg}#failure-predictor@1` });
    expect(md).toContain(`| Azure ML job | [${job}](https://ml.azure.com/runs/${job}?wsid=${WORKSPACE_PATH})`);
    expect(md).toContain(`| Azure ML model | [azureml:fp-workspace:2](${studio}) |`);
    expect(o.logger.lines).toContain(
      `azureml: registered model azureml:fp-workspace:2 in workspace ${WORKSPACE} (from job ${job}): ${studio}`,
    );

    // The registration itself, against the same job's output: a PUT whose answer is lost is retried and met as an
    // update of the same version (one version, not two).
    const arm = armClient({
      endpoint: fake.url,
      credential: fakeCredential(fake.token),
      pollIntervalMs: 1,
      baseDelayMs: 1,
      sleep: scaledSleep,
    });
    const wsRef = { subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP, workspace: WORKSPACE };
    const body = {
      modelType: "custom_model",
      modelUri: `azureml://jobs/${job}/outputs/model/paths/model.onnx`,
      jobName: job,
      tags: { try: "1" },
    };
    fake.fault({ method: "PUT", path: /\/models\/fp-retry\/versions\/1$/, status: 0, drop: "after" });
    expect((await registerWorkspaceModel(arm, wsRef, "fp-retry", body)).id).toBe("azureml:fp-retry:1");
    expect(fake.calls("PUT", /\/models\/fp-retry\/versions\//).map((c) => c.status)).toEqual([-1, 200]);
    expect([...models.versions.keys()].filter((k) => k.startsWith("fp-retry/"))).toEqual(["fp-retry/1"]);

    // Another writer takes the version between nextVersion and the PUT: its version is left alone, the next one is used.
    let raced = false;
    models.onVersionPut = (name, version) => {
      if (name !== "fp-race" || raced) return;
      raced = true;
      models.add(name, version, {
        modelUri: "azureml://datastores/workspaceblobstore/paths/other/model.onnx",
        tags: { owner: "other-pipeline" },
      });
    };
    const logger = captureLogger();
    expect((await registerWorkspaceModel(arm, wsRef, "fp-race", body, { logger })).version).toBe("2");
    expect(models.get("fp-race", 1)?.properties).toMatchObject({
      modelUri: "azureml://datastores/workspaceblobstore/paths/other/model.onnx",
      tags: { owner: "other-pipeline" },
    });
    expect(models.get("fp-race", 2)?.properties).toMatchObject({ jobName: job, tags: { try: "1" } });
    expect(logger.lines).toContain(
      "warning: azureml: model fp-race version 1 was taken by another registration; trying the next version",
    );

    // Taken every time: after three tries, one error that says what happened.
    models.onVersionPut = (name, version) => {
      if (name === "fp-busy")
        models.add(name, version, {
          modelUri: `azureml://datastores/workspaceblobstore/paths/other-${version}/model.onnx`,
        });
    };
    const busy = (await registerWorkspaceModel(arm, wsRef, "fp-busy", body).catch((x: unknown) => x)) as Error & {
      code?: string;
    };
    models.onVersionPut = undefined;
    expect(isUserError(busy)).toBe(true);
    expect(busy.code).toBe("version-taken");
    expect(busy.message).toMatch(
      /^workspace-model: versions 1, 2, 3 of model fp-busy in workspace my-aml-workspace were each taken by another registration .*\(got 3 conflicts\)\. Run again when/,
    );
  }, 60_000);

  it("workspace-model failures: a bad name is refused before anything runs; a version Azure ML leaves Failed stops the step with nothing in the registry", async () => {
    const submitted = jobPuts().length;
    const bad = (await trainOnAzureML(options({ workspaceModel: "failure.predictor" })).catch(
      (x: unknown) => x,
    )) as Error;
    expect(isUserError(bad)).toBe(true);
    expect(bad.message).toBe(
      `workspace-model: not an Azure ML model name (got "failure.predictor"). Use letters, digits, '-' or '_', starting with a letter or digit (at most 255 characters), e.g. failure-predictor.`,
    );
    expect(jobPuts().length).toBe(submitted);

    models.provisionNext(1, { reads: 1, final: "Failed" });
    const reg = join(ws, "registry-workspace-failed");
    const o = options({ workspaceModel: "fp-failed", registry: openRegistry(reg) });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error & { code?: string };
    expect(isUserError(e)).toBe(true);
    expect(e.code).toBe("workspace-model-failed");
    expect(e.message).toBe(
      `workspace-model: Azure ML could not create model fp-failed version 1 in workspace my-aml-workspace (got provisioningState Failed). Nothing was registered in the model registry. Run again; if it fails again, look at the version in Studio: https://ml.azure.com/model/fp-failed:1/details?wsid=${WORKSPACE_PATH}`,
    );
    expect(models.get("fp-failed", 1)?.properties.provisioningState).toBe("Failed");
    await expect(openRegistry(reg).resolve("failure-predictor@latest")).rejects.toThrow(
      /no model named "failure-predictor" .* \(models: none\)/,
    );
    expect(o.logger.lines).toContain("azureml: model fp-failed version 1: Creating");
  }, 60_000);

  it("workspace-model: when the registry does not take the model afterwards, the workspace version is archived again", async () => {
    // A registry whose folder cannot be created (its parent is a file): registering fails after the workspace version exists.
    // The check before the job would refuse it; here the registry is taken to have changed while the job ran
    // (the write check passed when it started), which is what leaves a workspace version to undo.
    await writeFile(join(ws, "a-file"), "not a folder\n");
    const registry = Object.assign(openRegistry(join(ws, "a-file", "registry")), { checkWritable: async () => {} });
    const o = options({ workspaceModel: "fp-undo", registry });
    const e = (await trainOnAzureML(o).catch((x: unknown) => x)) as Error;
    expect((e as Error).message).toMatch(/ENOTDIR/);
    const v = models.get("fp-undo", 1)?.properties;
    expect(v?.isArchived).toBe(true);
    expect(v?.jobName).toBe(jobPuts().at(-1)?.path.split("/").at(-1));
    expect(o.logger.lines).toContain(
      `warning: azureml: archived model azureml:fp-undo:1 in workspace ${WORKSPACE}: the model registry did not take the version`,
    );
  }, 60_000);

  it("a matrix of 3 runs 3 jobs and registers the best by max:roc_auc", async () => {
    const reg = join(ws, "registry-sweep");
    const o = options({
      command: `echo "trial iterations=\${{inputs.iterations}}" && ${TRAIN}`,
      matrix: "iterations: [1, 2, 25]",
      sweepMetric: "max:roc_auc",
      maxParallel: 2,
      registry: openRegistry(reg),
    });
    const before = jobPuts().length;
    const r = await trainOnAzureML(o);
    const puts = jobPuts().slice(before);
    expect(puts).toHaveLength(3);
    const names = puts.map((c) => c.path.split("/").at(-1) as string).sort();
    expect(names.map((x) => x.replace(/-[0-9a-f]{6}$/, ""))).toEqual(
      [0, 1, 2].map((i) => `failure-predictor-777${n}-1-${i}`),
    );
    // Each trial got its value as a literal input and in MLOPS_PARAMS, and the command saw it.
    for (const c of puts) {
      const p = props(c);
      const it = p.inputs.iterations?.value;
      expect(p.inputs.iterations?.jobInputType).toBe("literal");
      expect(JSON.parse(p.environmentVariables.MLOPS_PARAMS ?? "")).toEqual({
        model: "logreg",
        iterations: Number(it),
      });
      expect(aml.jobs.get(c.path.split("/").at(-1) as string)?.ran[0]?.stdout).toContain(`trial iterations=${it}`);
    }
    const aucs = r.trials.map((t) => t.metrics?.roc_auc as number);
    expect(aucs.every((a) => a > 0)).toBe(true);
    const best = aucs.indexOf(Math.max(...aucs));
    expect(r.winner).toBe(best);
    const card = await openRegistry(reg).resolve("failure-predictor@1");
    const sweep = (card.lineage.azureml as AzureMLLineage).sweep;
    expect(card.metrics.roc_auc).toBe(Math.max(...aucs));
    expect(card.params.iterations).toBe([1, 2, 25][best]);
    expect(sweep?.metric).toBe("max:roc_auc");
    expect(sweep?.winner).toBe(r.trials[best]?.jobName);
    expect(sweep?.trials.map((t) => t.metric)).toEqual(aucs);
    const md = renderTrainMarkdown(r);
    expect(md).toContain("### Azure ML trials");
    expect(md.split("\n").filter((l) => /^\| \d \|.*ml\.azure\.com/.test(l))).toHaveLength(3);
    expect(md).toMatch(new RegExp(`\\| ${best + 1} \\| \\*\\*best\\*\\*`));
  }, 90_000);

  it("a failed trial does not stop the others; the best completed one is registered; all failing fails the step", async () => {
    const reg = join(ws, "registry-partial");
    const o = options({
      command: `if [ "\${{inputs.iterations}}" = "2" ]; then echo 'diverged' >&2; exit 4; fi; ${TRAIN}`,
      matrix: { iterations: [1, 2, 3] },
      sweepMetric: "min:log_loss",
      registry: openRegistry(reg),
    });
    const r = await trainOnAzureML(o);
    expect(r.trials.map((t) => t.status)).toEqual(["Completed", "Failed", "Completed"]);
    expect(r.trials[1]?.error).toContain("exited with status code 4");
    const losses = [r.trials[0]?.metrics?.log_loss as number, r.trials[2]?.metrics?.log_loss as number];
    expect(r.metrics.log_loss).toBe(Math.min(...losses));
    expect(
      o.logger.lines.filter((l) => l.startsWith("warning: azureml: job ") && l.includes("ended Failed")),
    ).toHaveLength(1);
    const md = renderTrainMarkdown(r);
    expect(md).toMatch(/\| 2 \| {2}\| iterations=2 \| Failed \| {2}\| \[/);
    expect(aml.cancels.filter((c) => r.trials.some((t) => t.jobName === c))).toEqual([]);

    const all = options({
      command: "exit 1",
      matrix: { iterations: [1, 2] },
      sweepMetric: "max:roc_auc",
      registry: openRegistry(reg),
    });
    const e = (await trainOnAzureML(all).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(
      /^azureml: all 2 trials failed \(got failure-predictor-\S+: Failed; failure-predictor-\S+: Failed\)/,
    );
    expect((await openRegistry(reg).listVersions("failure-predictor")).length).toBe(1);
  }, 90_000);

  it("a matrix without sweep-metric is refused before anything is submitted", async () => {
    const before = jobPuts().length;
    await expect(trainOnAzureML(options({ matrix: { iterations: [1, 2] } }))).rejects.toThrow(
      /^sweep-metric: required with a matrix of 2 combinations/,
    );
    expect(jobPuts().length).toBe(before);
  });

  it("submits a pipeline job from YAML: component references, parent bindings, explicit model output", async () => {
    aml.addComponent("pm-train", "1", { command: "exit 9" });
    const componentId = aml.addComponent("pm-train", "2", {
      command: `${TSX} ${EXAMPLE} --data ${join(codeDir, "data/plant.csv")} --model \${{inputs.kind}} --out \${{outputs.model}}`,
    });
    await writeFile(
      join(ws, "pipeline.yml"),
      [
        "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json",
        "type: pipeline",
        "display_name: pm-pipeline",
        "experiment_name: pm-pipelines",
        "settings:",
        "  default_compute: azureml:cpu-cluster",
        "  continue_on_step_failure: false",
        "inputs:",
        "  model_kind: gbt",
        "outputs:",
        "  model:",
        "    type: uri_folder",
        "jobs:",
        "  train_step:",
        "    type: command",
        "    component: azureml:pm-train@latest",
        "    inputs:",
        "      kind: ${{parent.inputs.model_kind}}",
        "    outputs:",
        "      model: ${{parent.outputs.model}}",
        "",
      ].join("\n"),
    );
    const o = options({
      command: undefined,
      jobFile: "pipeline.yml",
      computeTarget: undefined,
      environment: undefined,
      params: { model_kind: "logreg" },
      workspaceModel: "pm-pipeline-model",
    });
    const r = await trainOnAzureML(o);
    const name = r.azureml.jobName;
    const p = props(jobPuts().at(-1));
    // The workspace version points at the pipeline job's model output, which the step bound to.
    expect(models.get("pm-pipeline-model", 1)?.properties).toMatchObject({
      jobName: name,
      modelUri: `azureml://jobs/${name}/outputs/model/paths/model.onnx`,
    });
    expect(p.jobType).toBe("Pipeline");
    expect(p.experimentName).toBe("pm-pipelines");
    expect(p.displayName).toBe("pm-pipeline");
    expect(p.settings).toEqual({
      continue_on_step_failure: false,
      default_compute: `${WORKSPACE_PATH}/computes/cpu-cluster`,
    });
    expect(p.computeId).toBe(`${WORKSPACE_PATH}/computes/cpu-cluster`);
    expect(p.inputs).toEqual({ model_kind: { jobInputType: "literal", value: "logreg" } });
    expect(p.outputs.model).toEqual({
      jobOutputType: "uri_folder",
      mode: "ReadWriteMount",
      uri: `azureml://datastores/workspaceblobstore/paths/mlops-actions/${name}/model/`,
    });
    expect(p.jobs).toEqual({
      train_step: {
        name: "train_step",
        type: "command",
        componentId,
        inputs: { kind: { job_input_type: "literal", value: "${{parent.inputs.model_kind}}" } },
        outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } },
      },
    });
    expect(aml.jobs.get(name)?.ran[0]?.command).toContain("--model logreg");
    expect(r.azureml.jobType).toBe("Pipeline");
    expect(r.card.lineage.azureml?.jobName).toBe(name);
    expect(r.metrics.roc_auc).toBeGreaterThan(0.5);
  }, 60_000);

  const conda = [
    "name: pm-train",
    "channels: [conda-forge]",
    "dependencies:",
    "  - python=3.11",
    "  - pip:",
    "      - scikit-learn==1.5.2",
    "",
  ].join("\n");
  type VersionBody = {
    properties: { componentSpec: Record<string, unknown>; isAnonymous: boolean; image?: string; condaFile?: string };
  };
  const bodyOf = (c: { body: unknown } | undefined) => c?.body as VersionBody;

  it("a pipeline with inline steps: anonymous components and environment registered once, data flows prep → train, model registered", async () => {
    // Routes: examples/Workspace/ComponentVersion/createOrUpdate.json and get.json,
    // examples/Workspace/EnvironmentVersion/createOrUpdate.json and get.json, examples/Job/PipelineJob/createOrUpdate.json.
    const dir = join(ws, "inline-pipeline");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "conda.yml"), conda);
    await writeFile(
      join(dir, "pipeline.yml"),
      [
        "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json",
        "type: pipeline",
        "display_name: pm-inline",
        "settings:",
        "  default_compute: azureml:cpu-cluster",
        "inputs:",
        "  model_kind: gbt",
        "outputs:",
        "  model:",
        "    type: uri_folder",
        "jobs:",
        "  prep:",
        "    type: command",
        "    code: ../src",
        "    command: cp data/plant.csv ${{outputs.clean}}/plant.csv && echo prepared",
        "    environment:",
        "      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
        "      conda_file: ./conda.yml",
        "    outputs:",
        "      clean:",
        "  train:",
        "    type: command",
        "    code: ../src",
        `    command: echo "from=$FROM_STEP files=$(ls \${{inputs.data}})" && ${TSX} ${EXAMPLE} --data \${{inputs.data}}/plant.csv --model \${{inputs.kind}} --out \${{outputs.model}}`,
        "    environment: azureml:sklearn-env@latest",
        "    environment_variables:",
        "      FROM_STEP: 'yes'",
        "    inputs:",
        "      data: ${{parent.jobs.prep.outputs.clean}}",
        "      kind: ${{parent.inputs.model_kind}}",
        "    outputs:",
        "      model: ${{parent.outputs.model}}",
        "",
      ].join("\n"),
    );
    const envPuts = () => fake.calls("PUT", /\/environments\/CliV2AnonymousEnvironment\/versions\/[^/]+$/);
    const compPuts = () => fake.calls("PUT", /\/components\/azureml_anonymous\/versions\/[^/]+$/);
    const [envBefore, compBefore] = [envPuts().length, compPuts().length];
    const reg = join(ws, "registry-inline");
    const o = options({
      command: undefined,
      code: undefined,
      environment: undefined,
      computeTarget: undefined,
      jobFile: "inline-pipeline/pipeline.yml",
      params: { model_kind: "logreg" },
      registry: openRegistry(reg),
    });
    const r = await trainOnAzureML(o);

    // One anonymous environment: image and the conda file's text, isAnonymous.
    const envPut = envPuts().slice(envBefore);
    expect(envPut).toHaveLength(1);
    expect(envPut[0]?.status).toBe(201);
    const envVersion = contentVersion({
      image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
      condaFile: conda,
    });
    const envId = `${WORKSPACE_PATH}/environments/CliV2AnonymousEnvironment/versions/${envVersion}`;
    expect(envPut[0]?.path).toBe(envId);
    expect(bodyOf(envPut[0]).properties).toMatchObject({
      image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
      condaFile: conda,
      isAnonymous: true,
    });

    // One anonymous component per step, its spec in the CLI v2 command component schema.
    const puts = compPuts().slice(compBefore);
    expect(puts.map((c) => c.status)).toEqual([201, 201]);
    const [prepSpec, trainSpec] = puts.map((c) => bodyOf(c).properties.componentSpec);
    expect(puts.every((c) => bodyOf(c).properties.isAnonymous)).toBe(true);
    const codeId = [...aml.codes.keys()].find((id) => prepSpec?.code === `azureml:${id}`);
    expect(codeId).toMatch(/\/codes\/mlops-code-[0-9a-f]{40}\/versions\/1$/);
    expect(prepSpec).toEqual({
      $schema: "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json",
      name: "azureml_anonymous",
      version: puts[0]?.path.split("/").at(-1),
      type: "command",
      display_name: "prep",
      command: "cp data/plant.csv ${{outputs.clean}}/plant.csv && echo prepared",
      code: `azureml:${codeId}`,
      environment: `azureml:${envId}`,
      inputs: {},
      outputs: { clean: { type: "uri_folder" } },
    });
    expect(trainSpec).toMatchObject({
      code: `azureml:${codeId}`,
      environment: `azureml:${WORKSPACE_PATH}/environments/sklearn-env/versions/3`,
      inputs: { data: { type: "uri_folder" }, kind: { type: "string" } },
      outputs: { model: { type: "uri_folder" } },
    });

    // The pipeline nodes reference them by componentId; bindings and environment_variables are on the nodes.
    const p = props(jobPuts().at(-1));
    const ids = puts.map((c) => c.path);
    expect(p.jobs).toEqual({
      prep: {
        name: "prep",
        type: "command",
        componentId: ids[0],
        inputs: {},
        outputs: { clean: { job_output_type: "uri_folder" } },
      },
      train: {
        name: "train",
        type: "command",
        componentId: ids[1],
        inputs: {
          data: { job_input_type: "literal", value: "${{parent.jobs.prep.outputs.clean}}" },
          kind: { job_input_type: "literal", value: "${{parent.inputs.model_kind}}" },
        },
        outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } },
        environment_variables: { FROM_STEP: "yes" },
      },
    });

    // The stand-in ran each step's registered command on the uploaded code; prep's output reached train.
    const ran = aml.jobs.get(r.azureml.jobName)?.ran ?? [];
    expect(ran.map((x) => [x.step, x.environment, x.exitCode])).toEqual([
      ["prep", envId, 0],
      ["train", `${WORKSPACE_PATH}/environments/sklearn-env/versions/3`, 0],
    ]);
    expect(ran[0]?.stdout).toContain("prepared");
    expect(ran[1]?.stdout).toContain("from=yes files=plant.csv");
    expect(ran[1]?.command).toContain("--model logreg");
    const clean: string[] = [];
    for await (const b of aml.container.listBlobsFlat({ prefix: `azureml/${r.azureml.jobName}/prep/clean/` }))
      clean.push(b.name.split("/").at(-1) as string);
    expect(clean).toEqual(["plant.csv"]);

    // The model came back and is registered.
    expect(r.azureml.jobType).toBe("Pipeline");
    expect(r.metrics.roc_auc).toBeGreaterThan(0.5);
    const card = await openRegistry(reg).resolve("failure-predictor@1");
    expect((card.lineage.azureml as AzureMLLineage).jobName).toBe(r.azureml.jobName);
    expect(card.metrics.roc_auc).toBe(r.metrics.roc_auc);

    // A re-run finds the environment and the components (GET) and registers nothing again.
    const again = options({
      command: undefined,
      code: undefined,
      environment: undefined,
      computeTarget: undefined,
      jobFile: "inline-pipeline/pipeline.yml",
      params: { model_kind: "logreg" },
      registry: openRegistry(reg),
    });
    const r2 = await trainOnAzureML(again);
    expect(envPuts().length - envBefore).toBe(1);
    expect(compPuts().length - compBefore).toBe(2);
    expect(
      again.logger.lines.filter((l) => / already registered$/.test(l) && /inline (environment|step)/.test(l)),
    ).toHaveLength(3);
    expect(props(jobPuts().at(-1)).jobs).toEqual(p.jobs);
    expect(r2.version).toBe(2);
  }, 90_000);

  it("a command job-file with an inline environment: registered as an anonymous environment, the job runs with its id", async () => {
    // Route: examples/Workspace/EnvironmentVersion/createOrUpdate.json; job body: examples/Job/CommandJob/createOrUpdate.json.
    const dir = join(ws, "inline-env");
    await mkdir(dir, { recursive: true });
    const condaText = conda.replace("pm-train", "pm-command");
    await writeFile(join(dir, "env.yml"), condaText);
    await writeFile(
      join(dir, "job.yml"),
      [
        "type: command",
        `command: ${TSX} ${EXAMPLE} --data data/plant.csv`,
        "code: ../src",
        "compute: azureml:cpu-cluster",
        "environment:",
        "  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference",
        "  conda_file: env.yml",
        "",
      ].join("\n"),
    );
    const envId = `${WORKSPACE_PATH}/environments/CliV2AnonymousEnvironment/versions/${contentVersion({ image: "mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference", condaFile: condaText })}`;
    const before = fake.calls("PUT", /\/environments\//).length;
    const o = options({
      command: undefined,
      code: undefined,
      environment: undefined,
      computeTarget: undefined,
      jobFile: "inline-env/job.yml",
    });
    const r = await trainOnAzureML(o);
    const envPut = fake.calls("PUT", /\/environments\//).slice(before);
    expect(envPut.map((c) => [c.path, c.status])).toEqual([[envId, 201]]);
    expect(bodyOf(envPut[0]).properties).toMatchObject({
      image: "mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference",
      condaFile: condaText,
      isAnonymous: true,
    });
    expect(props(jobPuts().at(-1)).environmentId).toBe(envId);
    expect(aml.jobs.get(r.azureml.jobName)?.ran[0]?.environment).toBe(envId);
    expect(r.card.lineage.azureml?.environment).toBe(envId);
    expect(r.metrics.roc_auc).toBeGreaterThan(0.5);
    // The environment input still wins over the file's inline one.
    const o2 = options({
      command: undefined,
      code: undefined,
      computeTarget: undefined,
      jobFile: "inline-env/job.yml",
    });
    await trainOnAzureML(o2);
    expect(props(jobPuts().at(-1)).environmentId).toBe(`${WORKSPACE_PATH}/environments/sklearn-env/versions/3`);
    expect(fake.calls("PUT", /\/environments\//).length - before).toBe(1);
  }, 60_000);

  it("inline steps that cannot work are refused before anything is uploaded, registered or submitted", async () => {
    const dir = join(ws, "inline-bad");
    await mkdir(dir, { recursive: true });
    const step = (lines: string[]) =>
      [
        "type: pipeline",
        "settings: { default_compute: azureml:cpu-cluster }",
        "outputs: { model: { type: uri_folder } }",
        "jobs:",
        "  train:",
        "    type: command",
        ...lines,
        "",
      ].join("\n");
    await writeFile(
      join(dir, "undeclared.yml"),
      step([
        "    code: ../src",
        "    environment: azureml:sklearn-env:1",
        "    command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}",
        "    outputs:",
        "      model: ${{parent.outputs.model}}",
      ]),
    );
    await writeFile(
      join(dir, "build.yml"),
      step(["    command: python train.py", "    environment:", "      build:", "        path: ./docker"]),
    );
    await writeFile(join(dir, "noenv.yml"), step(["    code: ../src", "    command: python train.py"]));
    const writes = () => fake.requests.filter((q) => q.method === "PUT").length;
    const before = writes();
    const run = (file: string) =>
      trainOnAzureML(
        options({
          command: undefined,
          code: undefined,
          environment: undefined,
          computeTarget: undefined,
          jobFile: `inline-bad/${file}`,
        }),
      ).then(
        () => new Error("expected a refusal"),
        (e: unknown) => e as Error,
      );
    const undeclared = await run("undeclared.yml");
    expect(isUserError(undeclared)).toBe(true);
    expect(undeclared.message).toMatch(
      /^job-file: jobs\.train\.command uses \$\{\{inputs\.lr\}\} but the step has no input "lr" \(got inputs \[\]\)\. Add lr under jobs\.train\.inputs:/,
    );
    expect((await run("build.yml")).message).toMatch(
      /^job-file: jobs\.train\.environment\.build is not supported \(got \{"path":"\.\/docker"\}\)/,
    );
    expect((await run("noenv.yml")).message).toMatch(
      /^job-file: jobs\.train\.environment: missing in an inline step \(got nothing, and no environment input\)/,
    );
    expect(writes()).toBe(before);
  }, 30_000);

  it("runs a command job-file: environment, compute, code and inputs from the YAML, params override inputs", async () => {
    await mkdir(join(ws, "jobs"), { recursive: true });
    await writeFile(
      join(ws, "jobs/train.yml"),
      [
        "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json",
        "type: command",
        "command: echo model=${{inputs.model}} from=$FROM_YAML && " +
          `${TSX} ${EXAMPLE} --data data/plant.csv --model \${{inputs.model}}`,
        "code: ../src",
        "environment: azureml:sklearn-env:2",
        "compute: azureml:gpu-cluster",
        "experiment_name: yaml-experiment",
        "inputs:",
        "  model: gbt",
        "environment_variables:",
        "  FROM_YAML: 'yes'",
        "limits:",
        "  timeout: 600",
        "",
      ].join("\n"),
    );
    const o = options({
      command: undefined,
      code: undefined,
      environment: undefined,
      computeTarget: undefined,
      jobFile: "jobs/train.yml",
      params: { model: "logreg" },
    });
    const r = await trainOnAzureML(o);
    const p = props(jobPuts().at(-1));
    expect(p.environmentId).toBe(`${WORKSPACE_PATH}/environments/sklearn-env/versions/2`);
    expect(p.computeId).toBe(`${WORKSPACE_PATH}/computes/gpu-cluster`);
    expect(p.experimentName).toBe("yaml-experiment");
    expect(p.inputs.model).toEqual({ jobInputType: "literal", value: "logreg" });
    expect(p.environmentVariables.FROM_YAML).toBe("yes");
    expect(p.limits).toEqual({ jobLimitsType: "Command", timeout: "PT600S" });
    expect(p.codeId).toMatch(/\/codes\/mlops-code-[0-9a-f]{40}\/versions\/1$/);
    expect(aml.jobs.get(r.azureml.jobName)?.ran[0]?.stdout).toContain("model=logreg from=yes");
    expect(r.params).toMatchObject({ model: "logreg" });
  }, 60_000);
});

const parseTrain = (given: Record<string, string>) => parseAsRunner("train", trainInputs, given);

it("train inputs: command is required with compute local, optional with compute azureml and a job-file", () => {
  expect(() => parseTrain({ compute: "local" })).toThrow(
    /^input "command" is required: the command that runs your trainer/,
  );
  expect(() => parseTrain({})).toThrow(/^input "command" is required/);
  const ws = { "subscription-id": SUBSCRIPTION, "resource-group": RESOURCE_GROUP, workspace: WORKSPACE };
  expect(() => parseTrain({ compute: "azureml", ...ws })).toThrow(
    /^input "command" is required: the command that runs your trainer on Azure ML, or set job-file:/,
  );
  expect(parseTrain({ compute: "azureml", "job-file": "job.yml", ...ws })).toMatchObject({
    compute: "azureml",
    "job-file": "job.yml",
  });
  expect(() => parseTrain({ compute: "cloud", command: "x" })).toThrow(
    /input "compute": expected one of: local, azureml/,
  );
});

it("the README's Azure ML step is accepted as written, workspace-model included", async () => {
  const readme = await readFile(join(ROOT, "actions/train/README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## On Azure ML"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const step = (parse(block) as { steps: { id?: string; with?: Record<string, string> }[] }).steps.find(
    (x) => x.id === "train",
  );
  // Expressions are what the runner fills in: any GUID stands for the subscription variable.
  const withInputs = Object.fromEntries(
    Object.entries(step?.with ?? {}).map(([k, v]) => [k, String(v).includes("${{") ? SUBSCRIPTION : String(v)]),
  );
  expect(withInputs["workspace-model"]).toBe("failure-predictor");
  expect(parseTrain(withInputs)).toMatchObject({
    compute: "azureml",
    "workspace-model": "failure-predictor",
    workspace: "plant-ml",
  });
});

it("train inputs: workspace-model is for compute azureml only", () => {
  expect(() => parseTrain({ command: "python train.py", "workspace-model": "failure-predictor" })).toThrow(
    'input "workspace-model": registers the model of an Azure ML job in its workspace, so it needs compute: azureml; set compute: azureml or leave workspace-model empty (got "failure-predictor"). Fix it in the step\'s with: block (or the --flag of the CLI).',
  );
  const ws = { "subscription-id": SUBSCRIPTION, "resource-group": RESOURCE_GROUP, workspace: WORKSPACE };
  expect(parseTrain({ compute: "azureml", command: "x", "workspace-model": "fp", ...ws })).toMatchObject({
    "workspace-model": "fp",
  });
});
