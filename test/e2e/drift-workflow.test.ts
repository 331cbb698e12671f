/**
 * The template repository's drift.yml's detect-drift step (job monitor), with its inputs read from the file and its expressions
 * evaluated by GitHub's parser and evaluator (test/harness/workflow-runner's stepWith), run through dist/: it must not alarm on two halves of the same data (the
 * plant data would start a retraining every day), and it must alarm when the data did move.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FEATURES, generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { stepWith } from "../harness/workflow-runner";

const TEMPLATE = join(repoRoot, "examples/model-repository");
let ws: string;
let header: string;
let rows: string[];

/**
 * The detect-drift step of drift.yml with its `with:` evaluated for this workspace and runner. `current` is the
 * blob prefix the plants upload to (`${{ vars.CAPTURE_URI }}/`); here the same files are a local folder, read
 * through a glob (a local folder is not a prefix).
 */
async function stepInputs(runnerTemp: string): Promise<Record<string, string>> {
  const capture = "https://plantdata.blob.core.windows.net/plant-data/capture";
  const w = await stepWith(".github/workflows/drift.yml", TEMPLATE, "monitor", /\/detect-drift@/, {
    runner: { temp: runnerTemp, os: "Linux", arch: "X64" },
    vars: { PROD_REGISTRY: join(ws, "prod-registry"), CAPTURE_URI: capture },
    github: { workspace: ws },
    env: {},
    inputs: {},
    secrets: {},
    steps: {},
  });
  expect(w.current).toBe(`${capture}/`);
  return { ...w, current: join(runnerTemp, "current/last-7-days/*.csv") };
}

/** Seven daily files of plant data under <runner temp>/current/last-7-days, as the plants uploaded them. */
function plantData(lines: string[], edit: (cells: string[]) => string[] = (c) => c): string {
  const temp = mkdtempSync(join(tmpdir(), "mlops-drift-runner-"));
  const dir = join(temp, "current/last-7-days");
  mkdirSync(dir, { recursive: true });
  const perDay = Math.ceil(lines.length / 7);
  for (let d = 0; d < 7; d++) {
    const day = lines.slice(d * perDay, (d + 1) * perDay).map((l) => edit(l.split(",")).join(","));
    writeFileSync(join(dir, `day-${d + 1}.csv`), `${header}\n${day.join("\n")}\n`);
  }
  return temp;
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), "mlops-drift-ws-"));
  mkdirSync(join(ws, "data"));
  const all = join(ws, "all.csv");
  await writeGenerated(all, 10_000, 2020);
  const lines = readFileSync(all, "utf8").trim().split("\n");
  header = lines[0]!;
  // Two halves of the same data: a seeded shuffle, then the first half is the training data.
  rows = lines.slice(1);
  let s = 7;
  for (let i = rows.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  writeFileSync(join(ws, "data/train.csv"), `${header}\n${rows.slice(0, 5000).join("\n")}\n`);
  const model = join(ws, "model.onnx");
  writeFileSync(model, modelToOnnx(trainGbt(generatedDataset(4000, 9), { nEstimators: 30, maxDepth: 3 })));
  const prod = openRegistry(join(ws, "prod-registry"));
  const card = await prod.register({ name: "failure-predictor", files: [{ path: "model.onnx", source: model }] });
  await prod.setAlias("failure-predictor", "champion", card.version);
}, 120_000);

describe("drift.yml's detect-drift step (bundled)", () => {
  it("does not alarm on two halves of the same data, and compares the model's inputs", async () => {
    const inputs = await stepInputs(plantData(rows.slice(5000)));
    const r = await runAction("detect-drift", { root: bundleRoot(), workspace: ws, inputs });
    expect(r.errors).toEqual([]);
    expect(r.outputs.drifted).toBe("false");
    const features = JSON.parse(r.outputs.features!) as { feature: string; method: string; drifted: boolean }[];
    expect(features.map((f) => f.feature)).toEqual(FEATURES);
    expect(features.every((f) => f.method === "psi" && !f.drifted)).toBe(true);
  });

  it("alarms when the plant runs hotter and under more load", async () => {
    const col = (name: string) => header.split(",").indexOf(name);
    const [air, proc, torque] = [col("Air temperature [K]"), col("Process temperature [K]"), col("Torque [Nm]")];
    const hotter = plantData(rows.slice(5000), (c) =>
      c.map((v, i) => (i === air || i === proc ? String(Number(v) + 3) : i === torque ? String(Number(v) * 1.3) : v)),
    );
    const r = await runAction("detect-drift", { root: bundleRoot(), workspace: ws, inputs: await stepInputs(hotter) });
    expect(r.errors).toEqual([]);
    expect(r.outputs.drifted).toBe("true");
    const drifted = (JSON.parse(r.outputs.features!) as { feature: string; drifted: boolean }[]).filter(
      (f) => f.drifted,
    );
    expect(drifted.map((f) => f.feature)).toEqual(["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]);
  });

  it("refuses the thresholds drift.yml used to ship, which did nothing above 1,000 rows", async () => {
    const { features: _features, ...rest } = await stepInputs(plantData(rows.slice(5000)));
    const r = await runAction("detect-drift", {
      root: bundleRoot(),
      workspace: ws,
      inputs: { ...rest, method: "auto", label: "Machine failure", thresholds: "{psi: 0.2, ks_p_value: 0.01}" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^thresholds: psi is set but no feature was decided by psi \(got jensen_shannon for 1 feature, wasserstein for 10 features \(method auto takes the tests up to 1000 values per side, the distances above\)\)\. Set method: psi to use it, or remove psi\.$/,
      ),
    ]);
    // With one method, no model and no features: the row identifiers are left out with a notice.
    const byPsi = await runAction("detect-drift", {
      root: bundleRoot(),
      workspace: ws,
      inputs: { ...rest, label: "Machine failure" },
    });
    expect(byPsi.errors).toEqual([]);
    expect(byPsi.outputs.drifted).toBe("false");
    expect(byPsi.commands.filter((c) => c.command === "notice").map((c) => c.message)).toEqual([
      "detect-drift: not compared, unique per row in the reference: UDI, Product ID. List features: to compare them.",
    ]);
  });
});
