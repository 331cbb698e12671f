/**
 * npm run demo: the whole pipeline on this machine, with no cloud and no secrets, through the bundled
 * actions exactly as the GitHub runner runs them (node dist/actions/<name>.js with INPUT_* variables and
 * GITHUB_OUTPUT files), outputs chained from step to step as workflows-examples/model-cd.yml chains them.
 * Everything lands in .mlops/demo/ (removed at the start, so the demo can be run again).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateAi4i } from "../examples/predictive-maintenance/ai4i-generator";
import { writeGenerated } from "../examples/predictive-maintenance/dataset";
import { unpackLayout } from "../shared/oci";
import { type RunResult, repoRoot, runAction } from "../test/harness/run-action";
import { writeBaseLayout } from "../test/services/base-image";
import { debianBaseAvailability, debianBaseLayout } from "../test/services/debian-base";
import { freePort } from "../test/services/tools";

const demo = join(repoRoot, ".mlops/demo");
const workspace = join(demo, "workspace");
const dev = join(demo, "dev-registry");
const prod = join(demo, "prod-registry");
const tsx = join(repoRoot, "node_modules/.bin/tsx");
const example = join(repoRoot, "examples/predictive-maintenance");
const MODEL = "failure-predictor";
const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

const timings: { step: string; seconds: number; result: string }[] = [];

async function step<T>(name: string, fn: () => Promise<T>, describe: (r: T) => string): Promise<T> {
  console.log(`\n${bold(`▶ ${name}`)}`);
  const t = performance.now();
  const r = await fn();
  const seconds = (performance.now() - t) / 1000;
  const result = describe(r);
  timings.push({ step: name, seconds, result });
  console.log(`${bold("✓")} ${result} ${dim(`(${seconds.toFixed(1)} s)`)}`);
  return r;
}

/** A bundled action, run as the runner runs it; its log shown as it comes. */
async function action(name: string, inputs: Record<string, string>): Promise<RunResult> {
  const r = await runAction(name, {
    workspace,
    inputs,
    onLine: (line) => {
      if (/^::(add-mask|group|endgroup|debug)::/.test(line)) return;
      const cmd = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line);
      console.log(`  ${cmd ? `${cmd[1]}: ${cmd[2]}` : dim(line)}`);
    },
  });
  if (r.exitCode !== 0) {
    throw new Error(`${name} failed (exit ${r.exitCode}): ${r.errors.join(" ") || r.stderr.slice(-2000)}`);
  }
  return r;
}

interface Ai4iRow {
  type: string;
  air: number;
  process: number;
  speed: number;
  torque: number;
  wear: number;
  failure: number;
}

/** Generated plant rows (the AI4I 2020 rules), as a plant's sensors would send them. */
function plantRows(n: number, seed: number): Ai4iRow[] {
  const out: Ai4iRow[] = [];
  for (const b of generateAi4i(n, seed)) {
    for (let i = 0; i < b.udi.length; i++) {
      out.push({
        type: b.type[i]!,
        air: b.airTemperature[i]!,
        process: b.processTemperature[i]!,
        speed: b.rotationalSpeed[i]!,
        torque: b.torque[i]!,
        wear: b.toolWear[i]!,
        failure: b.machineFailure[i]!,
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  if (!existsSync(join(repoRoot, "dist/actions/train.js"))) throw new Error("dist/ is missing: run npm run build");
  rmSync(demo, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  const train = join(workspace, "data/train.csv");
  const holdout = join(workspace, "data/holdout.csv");

  await step(
    "Generate predictive-maintenance data (AI4I 2020 rules)",
    async () => {
      mkdirSync(join(workspace, "data"), { recursive: true });
      await writeGenerated(train, 10_000, 1);
      await writeGenerated(holdout, 5_000, 2);
    },
    () => "10,000 training rows and 5,000 held-out rows",
  );
  await step(
    "validate-data: the training data against its contract",
    () => action("validate-data", { data: train, schema: join(example, "schema.yml") }),
    (r) => `valid: ${r.outputs.valid}`,
  );
  const trainer = (model: string) =>
    `"${tsx}" "${join(example, "train.ts")}" --data "${train}" --model ${model} --out "$MLOPS_OUTPUT_DIR"`;
  const v1 = await step(
    "train v1: a weak logistic regression",
    () =>
      action("train", {
        command: trainer("logreg"),
        params: "iterations: 2",
        data: train,
        "model-name": MODEL,
        registry: dev,
        seed: "1",
      }),
    (r) =>
      `${r.outputs["model-uri"]} (roc_auc ${JSON.parse(r.outputs.metrics!).roc_auc.toFixed(3)} on its own held-out split)`,
  );
  await step(
    "promote v1 to the prod registry as the first champion",
    () =>
      action("promote", {
        model: `${MODEL}@${v1.outputs["model-version"]}`,
        "from-registry": dev,
        "to-registry": prod,
        "expected-champion": "none",
        reason: "first model",
        "github-token": "",
      }),
    (r) => `prod ${MODEL}@champion -> ${r.outputs.version}`,
  );
  await step(
    "train v2: gradient-boosted trees, registered as the challenger",
    () =>
      action("train", {
        command: trainer("gbt"),
        params: "n_estimators: 80\nmax_depth: 4",
        data: train,
        "model-name": MODEL,
        registry: dev,
        alias: "challenger",
        seed: "1",
      }),
    (r) => `${r.outputs["model-uri"]} (roc_auc ${JSON.parse(r.outputs.metrics!).roc_auc.toFixed(3)})`,
  );
  const cmp = await step(
    "compare-models: challenger vs prod champion on the held-out data",
    () =>
      action("compare-models", {
        candidate: `${dev}#${MODEL}@challenger`,
        champion: `${prod}#${MODEL}@champion`,
        data: holdout,
        label: "Machine failure",
        "min-improvement": "0.01",
        thresholds: "recall >= 0.3",
        significance: "{confidence: 0.95, samples: 500, seed: 7}",
        "fail-on-reject": "false",
      }),
    (r) => {
      const c = JSON.parse(r.outputs["candidate-metrics"]!);
      const p = JSON.parse(r.outputs["champion-metrics"]!);
      return `${r.outputs.decision}: roc_auc ${p.roc_auc.toFixed(3)} -> ${c.roc_auc.toFixed(3)}; ${r.outputs.reason}`;
    },
  );
  if (cmp.outputs.decision !== "promote") throw new Error(`the better model was not promoted: ${cmp.outputs.reason}`);
  await step(
    "notify-teams: the approval card (dry run: no webhook)",
    () =>
      action("notify-teams", {
        model: MODEL,
        environment: "production",
        "compare-outputs": JSON.stringify(cmp.outputs),
        "card-path": join(demo, "teams-card.json"),
      }),
    (r) => `card written to ${r.outputs["card-path"]}`,
  );
  const promoted = await step(
    "promote: dev -> prod, compare-and-swap on the champion the comparison saw",
    () =>
      action("promote", {
        model: `${MODEL}@${cmp.outputs["candidate-version"]}`,
        "from-registry": dev,
        "to-registry": prod,
        "require-decision": cmp.outputs.decision!,
        "expected-champion": cmp.outputs["champion-version"] || "none",
        reason: "approved in the demo",
        "github-token": "",
      }),
    (r) => `prod ${MODEL}@champion: ${r.outputs["previous-version"]} -> ${r.outputs.version}`,
  );
  // The base made from Debian's packages when it has been fetched (scripts/fetch-base-image.ts; .ci/run does
  // it); otherwise (a Mac, or nothing fetched yet) a minimal base. The server then runs from the unpacked
  // image on this machine's Node.js either way.
  const debian = process.platform === "linux" && process.arch === "x64" && debianBaseAvailability().ok;
  const layout = join(demo, "edge-image");
  const image = await step(
    `package-edge: the OCI image of the server with the champion (linux/amd64 + linux/arm64) on ${debian ? "Debian bookworm" : "a minimal base"}`,
    async () => {
      let baseImage: string;
      if (debian) baseImage = (await debianBaseLayout()).ref;
      else {
        await writeBaseLayout(join(demo, "base-image"), { withNode: false, arm64Stub: true });
        baseImage = `oci:${join(demo, "base-image")}:base`;
      }
      return action("package-edge", {
        model: `${MODEL}@champion`,
        registry: prod,
        "base-image": baseImage,
        platforms: "linux/amd64,linux/arm64",
        "oci-layout": layout,
      });
    },
    (r) => `${r.outputs.digest} written to ${r.outputs["layout-path"]}`,
  );
  const rootfs = join(demo, "edge-rootfs");
  const store = join(demo, "plant-store");
  const labels = join(workspace, "data/failures-reported.csv");
  await step(
    "start the server from the image with capture on; a day of plant traffic; failures reported later",
    async () => {
      await unpackLayout(image.outputs["layout-path"]!, rootfs);
      const port = await freePort();
      const server = spawn(
        process.execPath,
        [
          join(rootfs, "app/serve.js"),
          ...["--model", join(rootfs, `models/${MODEL}/model.onnx`), "--model-name", MODEL],
          ...["--model-version", promoted.outputs.version!, "--host", "127.0.0.1", "--http-port", String(port)],
          ...["--grpc-port", "off", "--plant", "plant-north"],
          ...["--capture-dir", join(demo, "edge-capture"), "--capture-upload", store],
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const exited = new Promise((r) => server.once("exit", r));
      try {
        const url = `http://127.0.0.1:${port}`;
        for (let i = 0; i < 100; i++) {
          const ok = await fetch(`${url}/v2/health/ready`).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const infer = async (id: string, rows: Ai4iRow[]) => {
          const num = (name: keyof Ai4iRow, column: string) => ({
            name: column,
            shape: [rows.length, 1],
            datatype: "FP32",
            data: rows.map((r) => r[name] as number),
          });
          const body = {
            id,
            inputs: [
              { name: "Type", shape: [rows.length, 1], datatype: "BYTES", data: rows.map((r) => r.type) },
              num("air", "Air temperature [K]"),
              num("process", "Process temperature [K]"),
              num("speed", "Rotational speed [rpm]"),
              num("torque", "Torque [Nm]"),
              num("wear", "Tool wear [min]"),
            ],
            outputs: [{ name: "probabilities" }],
          };
          const res = await fetch(`${url}/v2/models/${MODEL}/infer`, { method: "POST", body: JSON.stringify(body) });
          const out = (await res.json()) as { model_version: string; outputs: { data: number[] }[] };
          if (!res.ok) throw new Error(`inference failed: ${JSON.stringify(out)}`);
          return out;
        };
        // The plants' traffic: 20-row requests; the sensors at the second half of the day read high (a drift).
        const reported = ["id,row,time,Machine failure"];
        const rows = plantRows(2_000, 7);
        let first: { model_version: string; outputs: { data: number[] }[] } | undefined;
        for (let k = 0; k < rows.length / 20; k++) {
          const batch = rows
            .slice(k * 20, k * 20 + 20)
            .map((r) => (k >= 50 ? { ...r, torque: r.torque + 20, wear: r.wear + 60 } : r));
          const out = await infer(`req-${k}`, batch);
          first ??= out;
          const at = new Date(Date.now() + 3_600_000).toISOString();
          batch.forEach((r, i) => reported.push(`req-${k},${i},${at},${r.failure}`));
        }
        writeFileSync(labels, `${reported.join("\n")}\n`);
        const p = first!.outputs[0]!.data;
        return { version: first!.model_version, failure: [p[1], p[3], p[5]] as number[], requests: rows.length / 20 };
      } finally {
        server.kill("SIGTERM"); // closes the last capture file and uploads it
        await exited;
      }
    },
    (r) =>
      `version ${r.version} answered ${r.requests} requests (P(failure) = ${r.failure.map((x) => x.toFixed(4)).join(", ")} for the first rows); the capture is in ${store}`,
  );
  const captured = `${store}/**/*.parquet`;
  const drift = await step(
    "detect-drift: what the server captured vs the training data",
    () =>
      action("detect-drift", {
        reference: train,
        current: captured,
        features:
          "Type, Air temperature [K], Process temperature [K], Rotational speed [rpm], Torque [Nm], Tool wear [min]",
        "drift-share": "0.3",
      }),
    (r) => `drifted: ${r.outputs.drifted} (share ${Number(r.outputs["drift-share"]).toFixed(2)})`,
  );
  const live = await step(
    "monitor-performance: captured predictions joined with the failures reported since, vs the champion's held-out metrics",
    () =>
      action("monitor-performance", {
        predictions: captured,
        labels,
        label: "Machine failure",
        "baseline-model": `${prod}#${MODEL}@champion`,
        "max-drop": "{roc_auc: 0.05, log_loss: 0.1}",
      }),
    (r) => {
      const m = JSON.parse(r.outputs.metrics!) as { roc_auc: number };
      return `degraded: ${r.outputs.degraded}; live roc_auc ${m.roc_auc.toFixed(3)} over ${r.outputs.labelled} labelled rows`;
    },
  );
  await step(
    "snapshot-data: the labelled plant rows, a dataset version to retrain on",
    () => action("snapshot-data", { data: live.outputs.joined!, name: "plant-data", registry: dev }),
    (r) =>
      `${r.outputs["dataset-uri"]}: ${r.outputs.rows} rows (drift: ${drift.outputs.drifted}, degraded: ${live.outputs.degraded})`,
  );

  const total = (performance.now() - started) / 1000;
  console.log(`\n${bold("Pipeline summary")}`);
  const width = Math.max(...timings.map((t) => t.step.length));
  for (const t of timings) console.log(`  ${t.step.padEnd(width)}  ${t.seconds.toFixed(1).padStart(5)} s`);
  console.log(`  ${"total".padEnd(width)}  ${total.toFixed(1).padStart(5)} s`);
  console.log(
    `\nEverything is in ${demo}: registries (with the plant-data snapshot), the Teams card, the OCI image layout and its unpacked root, the plant store with the server's capture.`,
  );
}

main().catch((e) => {
  console.error(`\ndemo failed: ${(e as Error).message}`);
  process.exit(1);
});
