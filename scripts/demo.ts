/**
 * npm run demo: the whole pipeline on this machine, with no cloud and no secrets, through the bundled
 * actions exactly as the GitHub runner runs them (node dist/actions/<name>.js with INPUT_* variables and
 * GITHUB_OUTPUT files), outputs chained from step to step as workflows-examples/cd.yml chains them.
 * Everything lands in .mlops/demo/ (removed at the start, so the demo can be run again).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeGenerated } from "../examples/predictive-maintenance/dataset";
import { inferenceRequest } from "../examples/predictive-maintenance/inference-request";
import { unpackLayout } from "../shared/oci";
import { type RunResult, repoRoot, runAction } from "../test/harness/run-action";
import { writeBaseLayout } from "../test/services/base-image";
import { bootServer, unpackImage } from "../test/services/boot-image";
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


/** The server from the unpacked image's files on this machine's Node.js (no distribution base here). */
async function startFromRootfs(rootfs: string, version: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const args = ["--model", join(rootfs, `models/${MODEL}/model.onnx`), "--model-name", MODEL, "--model-version", version];
  const server = spawn(
    process.execPath,
    [join(rootfs, "app/serve.js"), ...args, "--host", "127.0.0.1", "--http-port", String(port), "--grpc-port", "off"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/v2/health/ready`).then((r) => r.ok, () => false))) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error("the server did not start");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  }
  return {
    url,
    stop: async () => {
      server.kill("SIGTERM");
      await exited;
    },
  };
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
  // it): then the server runs as the image's own Node.js on the image's own libraries. Otherwise (a Mac, or
  // nothing fetched yet) a minimal base, and the server runs from the unpacked image on this machine's Node.js.
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
  await step(
    debian
      ? "boot the linux/amd64 image (its own Node.js and libraries) and send a real inference request"
      : "start the server from the unpacked image and send a real inference request",
    async () => {
      let server: { url: string; stop(): Promise<void> };
      if (debian) {
        const config = await unpackImage(image.outputs["layout-path"]!, "linux/amd64", rootfs);
        server = await bootServer(rootfs, config, "linux/amd64");
      } else {
        await unpackLayout(image.outputs["layout-path"]!, rootfs);
        server = await startFromRootfs(rootfs, promoted.outputs.version!);
      }
      try {
        const body = inferenceRequest(holdout, 3);
        const res = await fetch(`${server.url}/v2/models/${MODEL}/infer`, { method: "POST", body: JSON.stringify(body) });
        const out = (await res.json()) as { model_version: string; outputs: { data: number[] }[] };
        if (!res.ok) throw new Error(`inference failed: ${JSON.stringify(out)}`);
        const p = out.outputs[0]!.data;
        return { version: out.model_version, failure: [p[1], p[3], p[5]] as number[] };
      } finally {
        await server.stop();
      }
    },
    (r) =>
      `version ${r.version} answered P(failure) = ${r.failure.map((x) => x.toFixed(4)).join(", ")} for 3 held-out rows`,
  );
  if (!debian && process.platform === "linux")
    console.log(dim("\n(npx tsx scripts/fetch-base-image.ts fetches Debian's packages, and the demo then builds on them)"));

  const total = (performance.now() - started) / 1000;
  console.log(`\n${bold("Pipeline summary")}`);
  const width = Math.max(...timings.map((t) => t.step.length));
  for (const t of timings) console.log(`  ${t.step.padEnd(width)}  ${t.seconds.toFixed(1).padStart(5)} s`);
  console.log(`  ${"total".padEnd(width)}  ${total.toFixed(1).padStart(5)} s`);
  console.log(`\nEverything is in ${demo}: registries, the Teams card, the OCI image layout and its unpacked root.`);
}

main().catch((e) => {
  console.error(`\ndemo failed: ${(e as Error).message}`);
  process.exit(1);
});
