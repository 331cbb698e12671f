/**
 * train end to end against real parts: real shell trainers (including the predictive-maintenance example
 * run through tsx), the file-backed model registry, onnxruntime loading the registered model.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainExample } from "../../examples/predictive-maintenance/train";
import { isUserError } from "../../shared/errors";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { type ModelRegistrar, TrainerError, type TrainOptions, train, renderTrainMarkdown } from "../../shared/train";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const EXAMPLE = join(ROOT, "examples/predictive-maintenance/train.ts");

const GITHUB = {
  GITHUB_SHA: "4f2c0a9e1b7d3c5a6e8f0b1d2c3e4f5a6b7c8d9e",
  GITHUB_REF: "refs/heads/main",
  GITHUB_REPOSITORY: "plant/predictive-maintenance",
  GITHUB_WORKFLOW: "train",
  GITHUB_RUN_ID: "123456",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_ACTOR: "octocat",
};

let ws: string;
let registryDir: string;
let fixtureModel: string;

beforeAll(async () => {
  ws = await mkdtemp(join(tmpdir(), "train-it-"));
  registryDir = join(ws, "registry");
  await writeGenerated(join(ws, "data/ai4i.csv"), 3000, 4);
  await writeFile(join(ws, "data/README.md"), "generated AI4I rows\n");
  fixtureModel = join(ws, "fixture.onnx");
  await writeFile(fixtureModel, encodeModel(linearClassifierModel({ coefficients: [[1, 2]], intercepts: [0] })));
});
afterAll(() => rm(ws, { recursive: true, force: true }));

function options(o: Partial<TrainOptions> & { command: string }, out: string): TrainOptions {
  return {
    workingDirectory: ws,
    outputDir: join(ws, "out", out),
    data: ["data/*.csv"],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...GITHUB },
    name: "failure-predictor",
    registry: openRegistry(registryDir),
    ...o,
  };
}

/** Runs train, expects a UserError, and checks that nothing reached the registry. */
async function failsCleanly(o: TrainOptions): Promise<Error> {
  const e = await train(o).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isUserError(e), `expected a UserError, got ${String(e)}`).toBe(true);
  expect(await openRegistry(registryDir).list()).toEqual([]);
  return e as Error;
}

describe("train: failures are clear and register nothing", () => {
  it("a trainer exiting with 3 fails with its exit code and stderr tail", async () => {
    const e = await failsCleanly(
      options(
        {
          command:
            "echo 'epoch 1' && node -e \"console.error('loading data'); console.error('ValueError: column target not found'); process.exit(3)\"",
        },
        "exit3",
      ),
    );
    expect(e).toBeInstanceOf(TrainerError);
    expect((e as TrainerError).exitCode).toBe(3);
    expect(e.message).toMatch(/^command: the trainer exited with code 3/);
    expect(e.message).toMatch(/loading data\nValueError: column target not found$/);
  });

  it("a trainer that writes no model", async () => {
    const e = await failsCleanly(
      options({ command: `printf '{"auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json"` }, "nomodel"),
    );
    expect(e.message).toMatch(
      /^model-path: the trainer finished but wrote no file there \(got ".*out\/nomodel\/model\.onnx"\)/,
    );
  });

  it("a model file that is not ONNX", async () => {
    const e = await failsCleanly(
      options(
        {
          command: `printf 'PK\\003\\004 a zip, not onnx' > "$MLOPS_OUTPUT_DIR/model.onnx"; printf '{"auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json"`,
        },
        "notonnx",
      ),
    );
    expect(e.message).toMatch(/not an ONNX model \(\d+ bytes starting 50 4b 03 04/);
  });

  it("metrics with NaN, and nested metrics", async () => {
    const nan = await failsCleanly(
      options(
        {
          command: `cp "${fixtureModel}" "$MLOPS_OUTPUT_DIR/model.onnx"; printf '{"accuracy": 0.9, "auc": NaN}' > "$MLOPS_OUTPUT_DIR/metrics.json"`,
        },
        "nan",
      ),
    );
    expect(nan.message).toMatch(/^metrics-path: metric "auc" is NaN/);
    const nested = await failsCleanly(
      options(
        {
          command: `cp "${fixtureModel}" "$MLOPS_OUTPUT_DIR/model.onnx"; printf '{"test": {"auc": 0.9}}' > "$MLOPS_OUTPUT_DIR/metrics.json"`,
        },
        "nested",
      ),
    );
    expect(nested.message).toMatch(/^metrics-path: metric "test" is nested, not a number/);
  });

  it("never shows a secret passed on the command line, in lines, errors or the card", async () => {
    const secret = "sv=2025-01-01&sig=Zm9vYmFyc2VjcmV0";
    const lines: string[] = [];
    const e = await failsCleanly(
      options(
        {
          command: `echo "token ${secret}" >&2; echo "using ${secret}"; exit 1`,
          secrets: [secret],
          onLine: (l) => lines.push(l),
        },
        "secret-fail",
      ),
    );
    expect(e.message).toContain("token ***");
    expect(e.message).not.toContain(secret);
    expect((e as TrainerError).stderrTail).toEqual(["token ***"]);
    expect([...lines].sort()).toEqual(["token ***", "using ***"]); // two pipes: arrival order may differ
    const ok = await train({
      ...options(
        {
          command: `cp "${fixtureModel}" "$MLOPS_OUTPUT_DIR/model.onnx"; printf '{"auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json" # ${secret}`,
          secrets: [secret],
        },
        "secret-ok",
      ),
      registry: undefined,
    });
    expect(ok.card.lineage.command).toMatch(/# \*\*\*$/);
    expect(JSON.stringify(ok.card)).not.toContain(secret);
  });

  it("a data glob that matches nothing fails before the trainer runs", async () => {
    const marker = join(ws, "ran");
    const e = await failsCleanly(options({ command: `touch "${marker}"`, data: ["data/*.parquet"] }, "nodata"));
    expect(e.message).toMatch(/^data: "data\/\*\.parquet" matches no file/);
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  });
});

describe("train: the example trainer end to end", () => {
  it("registers versions with the full card, and the model loads in onnxruntime", async () => {
    const registry = openRegistry(registryDir);
    // The registry is usable wherever train wants one.
    const registrar: ModelRegistrar = registry;
    const lines: string[] = [];
    const v1 = await train(
      options(
        {
          command: `"${TSX}" "${EXAMPLE}" --data data/ai4i.csv`,
          params: "model: logreg\niterations: 3\nseed: 3\n",
          tags: { stage: "dev" },
          registry: registrar,
          onLine: (l) => lines.push(l),
        },
        "v1",
      ),
    );
    expect(v1.version).toBe(1);
    expect(lines.some((l) => l.startsWith("data: 3000 rows"))).toBe(true);

    // The trainer read MLOPS_PARAMS: its metrics equal a direct run with the same params.
    const direct = await trainExample(
      { data: join(ws, "data/ai4i.csv"), model: "logreg", iterations: 3, seed: 3 },
      join(ws, "direct"),
    );
    const { train_seconds: _a, ...fromRun } = v1.metrics;
    const { train_seconds: _b, ...fromDirect } = direct.metrics;
    expect(fromRun).toEqual(fromDirect);

    const card = await registry.resolve("failure-predictor@1");
    expect(card.files.map((f) => f.path).sort()).toEqual(["metrics.json", "model.onnx"]);
    expect(card.signature?.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ["Type", "string", ["N", 1]],
      ["Air temperature [K]", "float", ["N", 1]],
      ["Process temperature [K]", "float", ["N", 1]],
      ["Rotational speed [rpm]", "float", ["N", 1]],
      ["Torque [Nm]", "float", ["N", 1]],
      ["Tool wear [min]", "float", ["N", 1]],
    ]);
    expect(card.signature?.outputs.map((o) => o.name)).toEqual(["label", "probabilities"]);
    expect(card.signature?.opset).toBe(17);
    expect(card.metrics).toEqual(v1.metrics);
    expect(card.params).toEqual({ model: "logreg", iterations: 3, seed: 3 });
    expect(card.tags).toEqual({ stage: "dev" });
    expect(card.lineage).toMatchObject({
      gitSha: GITHUB.GITHUB_SHA,
      repository: GITHUB.GITHUB_REPOSITORY,
      runUrl: "https://github.com/plant/predictive-maintenance/actions/runs/123456",
      actor: "octocat",
      dataHash: v1.data?.hash,
    });
    expect(v1.data?.files).toEqual([{ path: "data/ai4i.csv", size: expect.any(Number) }]);

    // The registry card keeps the rest of train's lineage too.
    const full = { lineage: card.lineage as Record<string, unknown> & { durationSeconds?: number } };
    expect(full.lineage).toMatchObject({
      ref: "refs/heads/main",
      workflow: "train",
      runId: "123456",
      command: `"${TSX}" "${EXAMPLE}" --data data/ai4i.csv`,
      dataFiles: 1,
    });
    expect(full.lineage.durationSeconds).toBeGreaterThan(0);

    const got = await registry.get("failure-predictor@1", join(ws, "download"));
    const session = await ort.InferenceSession.create(got.paths["model.onnx"] as string);
    const f = (v: number) => new ort.Tensor("float32", Float32Array.from([v]), [1, 1]);
    const out = await session.run({
      Type: new ort.Tensor("string", ["L"], [1, 1]),
      "Air temperature [K]": f(298.1),
      "Process temperature [K]": f(308.6),
      "Rotational speed [rpm]": f(1551),
      "Torque [Nm]": f(42.8),
      "Tool wear [min]": f(0),
    });
    const p = out.probabilities?.data as Float32Array;
    expect(p[0]! + p[1]!).toBeCloseTo(1, 6);
    await session.release();

    const v2 = await train(
      options(
        { command: `"${TSX}" "${EXAMPLE}" --data data/ai4i.csv --model gbt`, params: { n_estimators: 30 } },
        "v2",
      ),
    );
    expect(v2.version).toBe(2);
    expect(v2.card.lineage.dataHash).toBe(v1.card.lineage.dataHash);
    expect(v2.metrics.roc_auc).toBeGreaterThan(v1.metrics.roc_auc!);

    const md = renderTrainMarkdown(v2, { modelUri: `${registry.uri}#failure-predictor@2` });
    expect(md).toContain("## Trained `failure-predictor` version 2");
    expect(md).toContain("| n_estimators | 30 |");
    expect(md).toContain(`| commit | ${GITHUB.GITHUB_SHA} |`);
    // Names are escaped as text (a name such as "[x](https://…)" must not become a link).
    expect(md).toContain("| input | Air temperature \\[K\\] | float | [N, 1] |");
  });

  it("runs without a registry and exports MLOPS_SEED", async () => {
    const lines: string[] = [];
    const r = await train({
      command: `"${TSX}" "${EXAMPLE}" --data data/ai4i.csv --model logreg && echo "seed=$MLOPS_SEED" >&2`,
      workingDirectory: ws,
      outputDir: "out/noreg",
      seed: 11,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      onLine: (l) => lines.push(l),
    });
    expect(r.version).toBeUndefined();
    expect(r.card.lineage.gitSha).toBeUndefined();
    expect(r.modelPath).toBe(join(ws, "out/noreg/model.onnx"));
    const params = JSON.parse(await readFile(join(ws, "out/noreg/params.json"), "utf8"));
    expect(params).toEqual({});
    expect(lines).toContain("seed=11");
    expect(lines.some((l) => l.startsWith("data: 3000 rows (2400 train, 600 held out, seed 11)"))).toBe(true);
  });

  it("trains on a dataset snapshot plus local data, records it, and retrains a model on exactly that snapshot", async () => {
    const registry = openRegistry(join(ws, "registry-datasets"));
    await writeGenerated(join(ws, "plant/part-1.csv"), 700, 8);
    await writeGenerated(join(ws, "plant/part-2.csv"), 300, 9);
    const { snapshotDataset } = await import("../../shared/datasets");
    const snap = await snapshotDataset({ registry, name: "plant-data", data: [join(ws, "plant/*.csv")] });
    const lines: string[] = [];
    const command = `"${TSX}" "${EXAMPLE}" --data data/ai4i.csv --data "$MLOPS_DATASET_DIR" --model logreg --seed 3`;
    const first = await train(
      options({ command, dataset: snap.uri, registry, onLine: (l) => lines.push(l) }, "dataset-1"),
    );
    expect(lines.some((l) => l.startsWith("data: 4000 rows"))).toBe(true); // 3000 local + 1000 snapshotted
    const recorded = (await registry.resolve(`failure-predictor@${first.version}`)).lineage.dataset as {
      uri: string;
      rows: number;
    };
    expect(recorded).toMatchObject({ uri: snap.uri, name: "plant-data", version: 1, rows: 1000, files: 2 });
    // New plant data arrives, and is snapshotted as version 2 ...
    await writeGenerated(join(ws, "plant/part-3.csv"), 500, 10);
    expect(
      (await snapshotDataset({ registry, name: "plant-data", data: [join(ws, "plant/*.csv")] })).card.version,
    ).toBe(2);
    // ... but a retrain of the first model reads version 1, the data it was trained on: the same model again.
    const again = await train(
      options(
        { command, dataset: `model:failure-predictor@${first.version}`, registry, registryUri: registry.uri },
        "dataset-2",
      ),
    );
    expect(again.card.lineage.dataset?.uri).toBe(snap.uri);
    expect(await readFile(again.modelPath)).toEqual(await readFile(first.modelPath));
    expect(again.metrics).toEqual({ ...first.metrics, train_seconds: again.metrics.train_seconds });
    // A model trained without a snapshot cannot be retrained "on its dataset".
    const plain = await registry.register({
      name: "failure-predictor",
      files: [{ path: "model.onnx", source: fixtureModel }],
    });
    await expect(
      train(
        options(
          { command, dataset: `model:failure-predictor@${plain.version}`, registry, registryUri: registry.uri },
          "dataset-4",
        ),
      ),
    ).rejects.toThrow(/^dataset: failure-predictor@\d+ was not trained on a dataset snapshot/);
  });
});
