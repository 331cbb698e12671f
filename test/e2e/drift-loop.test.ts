/**
 * The loop from the plants, end to end: two edge servers (dist/serve.js, as the image runs it) answer requests
 * with capture on and upload what they captured to Azurite; failures are reported later as label events; then
 * workflows-examples/drift.yml runs as GitHub runs it (test/harness/workflow-runner: GitHub's parser and
 * evaluator, every step as written, this suite's actions from dist/): drift and live performance on the
 * captured data, the plant data contract, the dataset snapshot and the retrain on the training data plus the
 * snapshot, registered as the challenger, and the hand-over to CD (`gh workflow run cd.yml`, received by a
 * GitHub API stand-in).
 */
import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateAi4i } from "../../examples/predictive-maintenance/ai4i-generator";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { evaluateModels } from "../../shared/evaluate";
import { computeMetrics } from "../../shared/metrics";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot } from "../harness/run-action";
import { REPOSITORY, runWorkflow } from "../harness/workflow-runner";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, SECOND_ACCOUNT, startAzurite } from "../services/azurite";
import { type GitHubApiServer, startGitHubApi } from "../services/github-api";
import { spawnServer } from "../services/serve-process";
import { pythonAvailability } from "../services/tools";

const DRIFT = join(repoRoot, "workflows-examples/drift.yml");
const EXAMPLE = join(repoRoot, "examples/predictive-maintenance");
const children = new Set<ChildProcess>();

function available() {
  for (const a of [azuriteAvailable(), pythonAvailability()]) if (!a.ok) return a;
  return { ok: true as const };
}

describeIf("the drift loop on captured plant data, end to end (bundled)", available(), () => {
  let azurite: Azurite;
  let github: GitHubApiServer;
  /** The plants' and the test's files (capture folders, the champion's file). */
  let workspace: string;
  /** The model repository the workflow checks out. */
  let repository: string;
  let vars: Record<string, string>;
  let env: Record<string, string>;
  const labelled: string[] = ["id,row,time,Machine failure"];
  let requests = 0;

  /** An edge server as the image starts it, capturing and uploading to the capture container. */
  const edgeServer = (plant: string, model: string) =>
    spawnServer(
      [join(bundleRoot(), "dist/serve.js")],
      [
        ...["--model", model, "--model-name", "failure-predictor", "--model-version", "1"],
        ...["--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "off", "--plant", plant],
        ...["--capture-dir", join(workspace, `capture-${plant}`), "--capture-upload", vars.CAPTURE_URI!],
      ],
      { env, track: children, timeoutMs: 120_000 },
    );

  /** A plant's traffic: 20 requests of 20 rows; plant-b's sensors read high (the drift). Failures reported an hour later. */
  async function traffic(plant: string, url: string, seed: number, shift: number): Promise<void> {
    let k = 0;
    for (const b of generateAi4i(400, seed)) {
      for (let start = 0; start < b.udi.length; start += 20) {
        const end = Math.min(b.udi.length, start + 20);
        const n = end - start;
        const id = `${plant}-${k++}`;
        const col = (a: ArrayLike<number>, add: number) => Array.from({ length: n }, (_, i) => a[start + i]! + add);
        const body = {
          id,
          inputs: [
            { name: "Type", shape: [n, 1], datatype: "BYTES", data: b.type.slice(start, end) },
            { name: "Air temperature [K]", shape: [n, 1], datatype: "FP32", data: col(b.airTemperature, 4 * shift) },
            { name: "Process temperature [K]", shape: [n, 1], datatype: "FP32", data: col(b.processTemperature, 4 * shift) },
            { name: "Rotational speed [rpm]", shape: [n, 1], datatype: "FP32", data: col(b.rotationalSpeed, 0) },
            { name: "Torque [Nm]", shape: [n, 1], datatype: "FP32", data: col(b.torque, 20 * shift) },
            { name: "Tool wear [min]", shape: [n, 1], datatype: "FP32", data: col(b.toolWear, 60 * shift) },
          ],
          outputs: [{ name: "probabilities" }],
        };
        const res = await fetch(`${url}/v2/models/failure-predictor/infer`, { method: "POST", body: JSON.stringify(body) });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        requests++;
        const reported = new Date(Date.now() + 3_600_000).toISOString();
        for (let i = 0; i < n; i++) labelled.push(`${id},${i},${reported},${b.machineFailure[start + i]}`);
      }
    }
  }

  beforeAll(async () => {
    [azurite, github] = await Promise.all([startAzurite({ timeoutMs: 60_000 }), startGitHubApi()]);
    workspace = mkdtempSync(join(tmpdir(), "mlops-drift-ws-"));
    repository = join(workspace, "repository");
    vars = {
      CAPTURE_URI: `${azurite.endpoint(DEV_ACCOUNT)}/capture`,
      LABELS_URI: `${azurite.endpoint(DEV_ACCOUNT)}/labels`,
      DEV_REGISTRY: `${azurite.endpoint(DEV_ACCOUNT)}/models-dev`,
      PROD_REGISTRY: `${azurite.endpoint(SECOND_ACCOUNT)}/models-prod`,
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
      AZURE_TENANT_ID: "00000000-0000-0000-0000-000000000000",
      AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    };
    // What azure/login provides in a real run, here as the Azurite accounts' connection strings.
    env = {
      [`AZURE_STORAGE_CONNECTION_STRING_${DEV_ACCOUNT.toUpperCase()}`]: azurite.connectionString(DEV_ACCOUNT),
      [`AZURE_STORAGE_CONNECTION_STRING_${SECOND_ACCOUNT.toUpperCase()}`]: azurite.connectionString(SECOND_ACCOUNT),
    };
    // The repository: the workflow, training data, the plant data contract, the trainer.
    mkdirSync(join(repository, ".github/workflows"), { recursive: true });
    copyFileSync(DRIFT, join(repository, ".github/workflows/drift.yml"));
    mkdirSync(join(repository, "data"));
    mkdirSync(join(repository, "ml"));
    await writeGenerated(join(repository, "data/train.csv"), 4000, 1);
    await writeGenerated(join(workspace, "holdout.csv"), 2000, 2);
    copyFileSync(join(EXAMPLE, "plant-schema.yml"), join(repository, "data/plant-schema.yml"));
    // The team's trainer, called as drift.yml calls it: here it hands its arguments to the example trainer
    // (TypeScript, which needs nothing from pip).
    writeFileSync(join(repository, "ml/requirements.txt"), "# the trainer below needs no Python package\n");
    writeFileSync(
      join(repository, "ml/train.py"),
      [
        "import subprocess, sys",
        `sys.exit(subprocess.call([${JSON.stringify(join(repoRoot, "node_modules/.bin/tsx"))}, ${JSON.stringify(join(EXAMPLE, "train.ts"))}, *sys.argv[1:], "--model", "logreg"]))`,
        "",
      ].join("\n"),
    );
    // The champion serving at the plants, with its held-out metrics in its card (the live baseline).
    const model = join(workspace, "champion.onnx");
    writeFileSync(model, modelToOnnx(trainLogistic(generatedDataset(4000, 1), { iterations: 25 })));
    const held = await evaluateModels([{ name: "champion", bytes: new Uint8Array(readFileSync(model)) }], {
      data: join(workspace, "holdout.csv"),
      label: "Machine failure",
      keepPredictions: true,
    });
    const metrics = computeMetrics(held.models[0]!.predictions!);
    const prod = openRegistry(vars.PROD_REGISTRY, { env });
    const v = await prod.register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: model }],
      metrics: { roc_auc: metrics.roc_auc!, recall: metrics.recall!, log_loss: metrics.log_loss! },
    });
    await prod.setAlias("failure-predictor", "champion", v.version);
    // A day at two plants.
    const servers = await Promise.all([edgeServer("plant-a", model), edgeServer("plant-b", model)]);
    await Promise.all([traffic("plant-a", servers[0]!.url, 11, 0), traffic("plant-b", servers[1]!.url, 12, 1)]);
    for (const s of servers) await s.stop("SIGTERM"); // closes the last capture file and uploads it
    const labels = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient("labels");
    await labels.createIfNotExists();
    const text = `${labelled.join("\n")}\n`;
    await labels.getBlockBlobClient("failures/today.csv").upload(text, Buffer.byteLength(text));
  }, 300_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all([azurite?.stop(), github?.close()]);
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it("finds the drift and the drop, snapshots the labelled plant data and retrains the challenger on it", async () => {
    const run = await runWorkflow(".github/workflows/drift.yml", {
      repository,
      root: bundleRoot(),
      eventName: "schedule",
      vars,
      // What azure/login gives the job on main: here the Azurite accounts' connection strings.
      identities: { [vars.AZURE_CLIENT_ID!]: { subjects: [`repo:${REPOSITORY}:ref:refs/heads/main`], env } },
      env: { GITHUB_API_URL: github.url },
      githubToken: github.token,
    });
    const job = run.jobs.drift![0]!;
    const step = (id: string) => job.steps.find((s) => s.id === id)!;
    for (const s of job.steps) if (s.status === "failure") throw new Error(`${s.uses ?? s.run}: ${s.errors.join(" ")} ${s.stderr.slice(-600)}`);
    expect(job.result).toBe("success");
    expect(run.conclusion).toBe("success");
    expect(requests).toBe(40);

    const drift = step("drift").result!.outputs;
    expect(drift.drifted).toBe("true");
    const features = JSON.parse(drift.features!) as { feature: string; method: string; drifted: boolean }[];
    expect(features.every((f) => f.method === "psi")).toBe(true); // drift.yml's method: psi
    // PSI flags what plant-b's sensors shifted (Type and the speed did not move); half the rows shifted by 60 min
    // of tool wear on a 0-250 min range stays under its 0.2.
    const drifted = features.filter((f) => f.drifted).map((f) => f.feature);
    expect(drifted).toEqual(expect.arrayContaining(["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]));
    expect(drifted.every((f) => ["Air temperature [K]", "Process temperature [K]", "Torque [Nm]", "Tool wear [min]"].includes(f))).toBe(true);

    const live = step("live").result!.outputs;
    expect(live.labelled).toBe("800");
    expect(live.degraded).toBe("true");
    const windows = JSON.parse(live.windows!) as { group: string; degraded: boolean; rows: number }[];
    expect(windows.map((w) => [w.group, w.rows, w.degraded])).toEqual([
      ["plant-a", 400, false],
      ["plant-b", 400, true],
    ]);

    const validate = job.steps.find((s) => s.action === "validate-data")!;
    expect(validate.status).toBe("success");
    expect(validate.result!.outputs.valid).toBe("true");

    const snapshot = step("snapshot").result!.outputs;
    expect(snapshot).toMatchObject({ created: "true", version: "1", rows: "800", files: "1" });
    const dev = openRegistry(vars.DEV_REGISTRY, { env });
    expect(snapshot["dataset-uri"]).toBe(`${dev.uri}#plant-data@1`);
    expect((await dev.datasets().resolve("plant-data@last-retrain")).version).toBe(1);

    const train = step("train").result!;
    expect(train.outputs["dataset-uri"]).toBe(snapshot["dataset-uri"]);
    expect(train.stdout + train.stderr).toMatch(/data: 4800 rows/); // data/train.csv plus the 800 labelled plant rows
    const card = await dev.resolve("failure-predictor@challenger");
    expect(card.version).toBe(Number(train.outputs["model-version"]));
    expect(card.lineage.dataset).toMatchObject({ uri: snapshot["dataset-uri"], rows: 800 });

    // The reports are kept, and the challenger is handed to CD as a release of the version just trained.
    expect([...run.artifacts.keys()]).toEqual(["plant-monitoring"]);
    const handOver = job.steps.at(-1)!;
    expect(handOver.status).toBe("success");
    expect(github.dispatches).toEqual([
      { workflow: "cd.yml", ref: "main", inputs: { release: `failure-predictor/v${train.outputs["model-version"]}` } },
    ]);
  });
});
