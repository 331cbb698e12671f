/**
 * score through dist/, as the runner runs it: the nightly workflow (workflows-examples/score.yml, run by the
 * workflow harness: its matrix fanned out, each leg a job of its own with its checkout, login and artifact)
 * scores a registry champion over the day's files in 4 shards; every row comes out exactly once, in the
 * shards' artifacts, with its ids and the model's probability. Also CSV output and the mistakes a user makes
 * (an unknown extension, a missing id column: no file left behind).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../shared/data";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { REPOSITORY, runWorkflow } from "../harness/workflow-runner";

const W = [0.8, -0.5];
const B = 0.1;
let work: string;
let registry: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mlops-score-"));
  mkdirSync(join(work, "data/plant/latest"), { recursive: true });
  for (let f = 0; f < 5; f++) {
    let text = "UDI,Product ID,Air temperature,Torque\n";
    for (let i = 0; i < 300; i++) {
      const udi = f * 300 + i + 1;
      text += `${udi},${udi % 3 === 0 ? `"L${udi}, line 2"` : `M${udi}`},${((udi * 37) % 100) / 10},${((udi * 11) % 70) / 10}\n`;
    }
    writeFileSync(join(work, "data/plant/latest", `day-${f}.csv`), text);
  }
  const model = join(work, "model.onnx");
  writeFileSync(
    model,
    encodeModel(
      linearClassifierModel({
        coefficients: [W],
        intercepts: [B],
        zipmap: true,
        metadata: { features: JSON.stringify(["Air temperature", "Torque"]) },
      }),
    ),
  );
  registry = join(work, "registry");
  const reg = openRegistry(registry);
  const v = await reg.register({ name: "failure-predictor", files: [{ path: "model.onnx", source: model }] });
  await reg.setAlias("failure-predictor", "champion", v.version);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const score = (inputs: Record<string, string>) => runAction("score", { root: bundleRoot(), workspace: work, inputs });

describe("score (bundled)", () => {
  it("the nightly workflow's 4 shards score every row once, with its ids and the model's probability", async () => {
    // The workflow's own file in the repository the runner checks out (the day's data, its registry beside it).
    mkdirSync(join(work, ".github/workflows"), { recursive: true });
    writeFileSync(
      join(work, ".github/workflows/score.yml"),
      readFileSync(join(repoRoot, "workflows-examples/score.yml")),
    );
    const client = "00000000-0000-0000-0000-0000000000c1";
    const run = await runWorkflow(".github/workflows/score.yml", {
      repository: work,
      root: bundleRoot(),
      eventName: "schedule",
      vars: {
        PROD_REGISTRY: registry,
        AZURE_CLIENT_ID: client,
        AZURE_TENANT_ID: client,
        AZURE_SUBSCRIPTION_ID: client,
      },
      identities: { [client]: { subjects: [`repo:${REPOSITORY}:ref:refs/heads/main`], env: {} } },
    });
    const legs = run.jobs.score!;
    expect(legs.map((j) => j.matrix.shard)).toEqual([1, 2, 3, 4]);
    const seen = new Map<number, number>();
    for (const leg of legs) {
      const shard = leg.matrix.shard as number;
      const step = leg.steps.find((s) => s.id === "score")!;
      const r = step.result!;
      expect(r.errors).toEqual([]);
      expect(leg.result).toBe("success");
      expect(step.inputs!.shard).toBe(`${shard}/4`);
      expect(r.outputs["model-version"]).toBe("1");
      expect(JSON.parse(r.outputs.columns!)).toEqual(["UDI", "Product ID", "score", "prediction"]);
      // What the planners' jobs pick up: the shard's artifact.
      const ds = await openDataset(join(run.artifacts.get(`predictions-${shard}`)!, `part-${shard}.parquet`));
      let rows = 0;
      for await (const b of ds.batches()) {
        const udi = b.columns.UDI as Float64Array;
        const s = b.columns.score as Float64Array;
        const p = b.columns.prediction as string[];
        const ids = b.columns["Product ID"] as string[];
        for (let i = 0; i < b.rows; i++) {
          const u = udi[i]!;
          seen.set(u, (seen.get(u) ?? 0) + 1);
          const z = B + W[0]! * (((u * 37) % 100) / 10) + W[1]! * (((u * 11) % 70) / 10);
          expect(Math.abs(s[i]! - 1 / (1 + Math.exp(-z)))).toBeLessThan(1e-5);
          expect(p[i]).toBe(s[i]! >= 0.5 ? "1" : "0");
          expect(ids[i]).toBe(u % 3 === 0 ? `L${u}, line 2` : `M${u}`);
        }
        rows += b.rows;
      }
      expect(rows).toBe(Number(r.outputs.rows));
      expect(r.summary).toMatch(/score: \d+ rows \(shard \d\/4\)/);
    }
    expect(run.conclusion).toBe("success");
    expect(seen.size).toBe(1500);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it("writes CSV, and refuses an unknown extension or a missing id column without leaving a file", async () => {
    const base = { model: "failure-predictor@champion", registry, data: "data/plant/latest/*.csv" };
    const csv = await score({ ...base, "id-columns": "UDI", output: "out/p.csv", threshold: "0.9" });
    expect(csv.errors).toEqual([]);
    const lines = readFileSync(join(work, "out/p.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("UDI,score,prediction");
    expect(lines.length).toBe(1501);
    const bad = await score({ ...base, output: "out/p.txt" });
    expect(bad.exitCode).toBe(1);
    expect(bad.errors).toEqual([
      'output: cannot tell the format from the extension (got "out/p.txt"). Name the file .csv or .parquet.',
    ]);
    const missing = await score({ ...base, "id-columns": "UDI, Serial", output: "out/q.parquet" });
    expect(missing.errors.join("\n")).toMatch(
      /^id-columns: column "Serial" not found in the data \(columns: UDI, Product ID/,
    );
    expect(readdirSync(join(work, "out")).sort()).toEqual(["p.csv"]);
    expect(existsSync(join(work, "out/q.parquet.partial"))).toBe(false);
  });
});
