/**
 * No user mistake reaches the "this is a bug" path: every input of every action (read from action.yml)
 * with a value of the wrong kind, a huge number, a missing file, a directory, an empty file and an
 * unreadable file, through the bundled CLI as a runner sees it. Each case either runs (exit 0, no error)
 * or fails with exactly one `::error::` line, no stack trace, naming the input or the value.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { encodeParquet } from "../../shared/data";
import { openRegistry } from "../../shared/registry";
import { inferSchema } from "../../shared/validate";
import { bundleRoot } from "../harness/bundle";
import {
  type ActionBase,
  judge,
  runningAsRoot,
  runWalk,
  UNPRIVILEGED,
  type WalkCase,
  type WalkResult,
  walkCases,
  writeHostileFiles,
} from "../harness/hostile-inputs";
import { repoRoot } from "../harness/run-action";
import { writeBaseLayout } from "../services/base-image";

const asUser = runningAsRoot() ? UNPRIVILEGED : undefined;
let cases: WalkCase[] = [];
const results = new Map<string, WalkResult>();
const baseErrors = new Map<string, string>();

function chownTree(dir: string): void {
  if (!asUser) return;
  chownSync(dir, asUser.uid, asUser.gid);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    chownSync(join(e.parentPath, e.name), asUser.uid, asUser.gid);
}

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), "mlops-hostile-"));
  chmodSync(work, 0o755);
  const fx = join(work, "fixtures");
  const ws = join(work, "workspace");
  mkdirSync(fx);
  mkdirSync(join(ws, "tmp"), { recursive: true });
  const train = generatedDataset(600, 3);
  writeFileSync(join(fx, "candidate.onnx"), modelToOnnx(trainGbt(train, { nEstimators: 8, maxDepth: 2 })));
  writeFileSync(join(fx, "champion.onnx"), modelToOnnx(trainLogistic(train, { iterations: 2 })));
  writeFileSync(join(fx, "metrics.json"), `${JSON.stringify({ roc_auc: 0.9 })}\n`);
  await writeGenerated(join(fx, "holdout.csv"), 300, 11);
  await writeGenerated(join(fx, "current.csv"), 300, 12);
  const schema = await inferSchema({ data: join(fx, "holdout.csv") });
  writeFileSync(join(fx, "schema.yml"), schema.yaml);
  await writeBaseLayout(join(fx, "base"), { withNode: false });
  // What monitor-performance joins: the server's captured predictions and the label events reported later.
  const t0 = Date.UTC(2024, 4, 1);
  const ids = Array.from({ length: 40 }, (_, i) => `r-${i}`);
  writeFileSync(
    join(fx, "capture.parquet"),
    Buffer.concat(
      encodeParquet(
        [
          { name: "id", type: "string", values: ids },
          { name: "time", type: "timestamp-ms", values: BigInt64Array.from(ids, (_, i) => BigInt(t0 + i * 60_000)) },
          { name: "probabilities_1", type: "float", values: Float32Array.from(ids, (_, i) => (i % 2 ? 0.8 : 0.2)) },
        ],
        ids.length,
      ),
    ),
  );
  const reported = new Date(t0 + 3_600_000).toISOString();
  writeFileSync(
    join(fx, "labels.csv"),
    `id,time,Machine failure\n${ids.map((id, i) => `${id},${reported},${i % 2}`).join("\n")}\n`,
  );
  const reg = openRegistry(join(ws, ".mlops/registry"));
  const v1 = await reg.register({ name: "fp", files: [{ path: "model.onnx", source: join(fx, "champion.onnx") }] });
  await reg.setAlias("fp", "champion", v1.version);
  await reg.register({ name: "fp", files: [{ path: "model.onnx", source: join(fx, "candidate.onnx") }] });
  const hostile = join(work, "hostile");
  mkdirSync(hostile);
  chownTree(work);
  writeHostileFiles(hostile); // after the chown: the unreadable files stay root's, mode 000
  if (asUser) chownSync(join(hostile, "a-directory"), asUser.uid, asUser.gid);
  chmodSync(bundleRoot(), 0o755);

  const bases: Record<string, ActionBase> = {
    "compare-models": { inputs: { candidate: "fp@2", data: join(fx, "holdout.csv"), label: "Machine failure" } },
    "detect-drift": { inputs: { reference: join(fx, "holdout.csv"), current: join(fx, "current.csv") } },
    "validate-data": { inputs: { data: join(fx, "holdout.csv"), schema: join(fx, "schema.yml") } },
    train: {
      inputs: {
        command: `cp ${join(fx, "candidate.onnx")} "$MLOPS_OUTPUT_DIR/model.onnx" && cp ${join(fx, "metrics.json")} "$MLOPS_OUTPUT_DIR/metrics.json"`,
        "model-name": "fp",
      },
    },
    promote: { inputs: { model: "fp@2", "to-registry": join(ws, "prod-registry"), "expected-champion": "" } },
    // The base image has no linux/arm64, so a case that gets that far stops before the image is built
    // (seconds of compression each); every input is checked before that point.
    "package-edge": {
      inputs: {
        model: "fp@champion",
        "base-image": `oci:${join(fx, "base")}`,
        platforms: "linux/arm64",
        "source-date-epoch": "0",
      },
    },
    "notify-teams": { inputs: { model: "fp", decision: "promote" } },
    score: { inputs: { model: "fp@champion", data: join(fx, "holdout.csv"), output: join(ws, "scores.csv") } },
    "snapshot-data": { inputs: { data: join(fx, "holdout.csv"), name: "plant-data" } },
    "monitor-performance": {
      inputs: {
        predictions: join(fx, "capture.parquet"),
        labels: join(fx, "labels.csv"),
        label: "Machine failure",
        baseline: "{roc_auc: 0.9}",
      },
    },
    "deploy-online": {
      inputs: {
        "subscription-id": "00000000-0000-0000-0000-000000000000",
        "resource-group": "rg",
        workspace: "plant-ws",
        endpoint: "fp-endpoint",
        model: "azureml:fp:1",
        "azure-endpoint": "https://127.0.0.1:9",
      },
    },
  };
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: ws,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: join(ws, "tmp"),
    GITHUB_API_URL: "http://127.0.0.1:9",
    // Azure: a credential that fails at once, without looking for a managed identity on the network.
    AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
  };
  cases = walkCases({ actionsDir: join(repoRoot, "actions"), bases, hostileDir: hostile, cwd: ws, env });
  const byAction = new Map<string, WalkCase[]>();
  for (const c of cases) byAction.set(c.action, [...(byAction.get(c.action) ?? []), c]);
  // Each action's base inputs alone, first: what the action says when the hostile value was accepted.
  for (const [action, list] of byAction)
    list.unshift({
      ...list[0]!,
      id: `${action} (base)`,
      input: "",
      argv: [action, ...Object.entries(bases[action]!.inputs).map(([k, v]) => `--${k}=${v}`), "--json"],
    });
  const queue = [...byAction.values()];
  const worker = async () => {
    for (let list = queue.shift(); list; list = queue.shift()) {
      const out = await runWalk(bundleRoot(), list, work, { asUser, timeoutMs: 240_000 });
      for (const r of out) results.set(r.id, r);
    }
  };
  await Promise.all([worker(), worker()]);
  if (process.env.MLOPS_WALK_TIMES) {
    const per = new Map<string, number>();
    for (const c of cases) per.set(c.action, (per.get(c.action) ?? 0) + (results.get(c.id)?.ms ?? 0));
    console.log([...per].map(([a, ms]) => `${a}: ${(ms / 1000).toFixed(1)} s`).join("\n"));
    console.log(
      [...results.values()]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 15)
        .map((r) => `${r.ms} ms ${r.id}`)
        .join("\n"),
    );
  }
  for (const [action] of byAction) {
    const base = results.get(`${action} (base)`);
    const line = `${base?.stdout}\n${base?.stderr}`.split("\n").find((l) => l.startsWith("::error::"));
    if (line) baseErrors.set(action, line);
  }
}, 600_000);

describe("every input of every action, given hostile values (bundled CLI, runner syntax)", () => {
  it("walks every input of every action.yml", () => {
    const actions = readdirSync(join(repoRoot, "actions")).filter((n) => !n.endsWith(".ts"));
    expect(new Set(cases.map((c) => c.action))).toEqual(new Set(actions));
    expect(cases.length).toBeGreaterThan(600);
  });

  it("starts from base inputs that run, or stop where the walk means them to", () => {
    const expected: Record<string, RegExp> = {
      "deploy-online": /^::error::Azure ML: could not get an Azure token/,
      "package-edge": /^::error::.*linux\/arm64/,
    };
    for (const action of new Set(cases.map((c) => c.action))) {
      const base = results.get(`${action} (base)`)!;
      const error = baseErrors.get(action);
      if (expected[action]) expect(error, action).toMatch(expected[action]!);
      else expect({ action, code: base.code, error }).toEqual({ action, code: 0, error: undefined });
    }
  });

  it("answers each with a run or one clear error, never the bug path", () => {
    const problems: string[] = [];
    for (const c of cases) {
      if (c.input === "") continue;
      const r = results.get(c.id);
      if (!r) {
        problems.push(`${c.id}: no result`);
        continue;
      }
      const same = baseErrors.get(c.action);
      const line = `${r.stdout}\n${r.stderr}`.split("\n").find((l) => l.startsWith("::error::"));
      if (same && line === same && r.code === 2) continue; // accepted, then failed as the base inputs do
      const why = judge(c, r);
      if (why) problems.push(`${c.id} = ${JSON.stringify(c.value)}: ${why}`);
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
