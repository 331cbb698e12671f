/**
 * Edge inference server benchmark: latency (p50/p99) and throughput of the Open Inference Protocol over
 * HTTP (JSON and binary tensor extension) and gRPC, for 1-row and 64-row requests, against an in-process
 * onnxruntime `session.run` baseline measured in the same run; plus cold start (process start → ready).
 *
 *   npx tsx bench/serve.ts            (about 90 s on 2 cores)
 *
 * The server runs in its own process, bundled from the current shared/serve/main.ts with esbuild the way
 * scripts/build.mjs builds dist/serve.js (ESM, onnxruntime-node external); the load comes from this process over
 * loopback with keep-alive connections.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as ort from "onnxruntime-node";
import { inferenceServiceClient } from "../shared/serve";
import { AI4I_FEATURES, logisticModel, treeModel } from "../shared/serve/example-models";
import { servingSessionOptions } from "../shared/serve/model";
import { bundleServer, spawnServer } from "../test/services/serve-process";
import { agent, post } from "./http-client";

const ROOT = join(import.meta.dirname, "..");
const BUNDLE = join(ROOT, "node_modules/.cache/serve-bench/serve.js");
const MAIN = join(ROOT, "shared/serve/main.ts");
const ITER = Number(process.env.SERVE_BENCH_ITER ?? 1500);
const THROUGHPUT_MS = Number(process.env.SERVE_BENCH_MS ?? 1500);
const CONCURRENCY = 16;
/** Extra server flags, e.g. SERVE_BENCH_ARGS="--threads 2" to compare onnxruntime thread settings. */
const EXTRA_ARGS = (process.env.SERVE_BENCH_ARGS ?? "").split(" ").filter(Boolean);

const dir = mkdtempSync(join(tmpdir(), "serve-bench-"));
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Stats {
  p50: number;
  p99: number;
  /** requests (or runs) per second, sequential */
  rps: number;
}

async function measure(fn: () => Promise<unknown>, iterations = ITER): Promise<Stats> {
  for (let i = 0; i < Math.min(1000, iterations); i++) await fn(); // warm-up: JIT on both sides, pools
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99), rps: (iterations / total) * 1000 };
}

async function throughput(fn: () => Promise<unknown>, concurrency = CONCURRENCY, ms = THROUGHPUT_MS): Promise<number> {
  const until = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await fn();
        n++;
      }
    }),
  );
  return (n / (performance.now() - start)) * 1000;
}

function rows(n: number): number[][] {
  // AI4I-like values: air K, process K, rpm, torque Nm, wear min
  return Array.from({ length: n }, (_, i) => [
    298 + (i % 5),
    308 + (i % 3),
    1400 + i * 7,
    40 + (i % 20),
    (i * 13) % 240,
  ]);
}

interface Served {
  proc: ChildProcess;
  http: string;
  grpc: string;
  readyMs: number;
}

/** Spawns the server; readyMs is wall time from spawn to its "ready" log line. */
async function serve(command: string[], model: string, name: string): Promise<Served> {
  const args = ["--model", model, "--model-name", name, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0"];
  const s = await spawnServer(command, [...args, ...EXTRA_ARGS], { track: children, timeoutMs: 30_000 });
  return { proc: s.proc, http: s.url, grpc: s.grpc!, readyMs: s.readyMs };
}

async function stop(s: Served): Promise<void> {
  const exited = new Promise((r) => s.proc.on("exit", r));
  s.proc.kill("SIGTERM");
  await exited;
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
const lines: string[] = [];
function report(label: string, s: Stats, baseline?: Stats, conc?: number): void {
  const ratio = baseline ? `  p50 ×${(s.p50 / baseline.p50).toFixed(2)} vs session.run` : "";
  const line = `${label.padEnd(34)} p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  seq ${s.rps.toFixed(0).padStart(6)}/s${conc === undefined ? "" : `  ×${CONCURRENCY} ${conc.toFixed(0).padStart(6)}/s`}${ratio}`;
  lines.push(line);
  console.log(line);
}

async function benchModel(label: string, bytes: Uint8Array, command: string[]): Promise<void> {
  const path = join(dir, `${label}.onnx`);
  writeFileSync(path, bytes);
  console.log(`\n## ${label} (${bytes.byteLength} bytes), features ${AI4I_FEATURES.length}`);
  // Same onnxruntime settings as the server, so the ratio measures the protocol, not the settings.
  const session = await ort.InferenceSession.create(bytes, servingSessionOptions());
  const server = await serve(command, path, label);
  const grpcClient = new (inferenceServiceClient())(server.grpc, grpc.credentials.createInsecure());
  const url = new URL(`${server.http}/v2/models/${label}/infer`);
  try {
    for (const n of [1, 64]) {
      const data = rows(n);
      const flat = Float32Array.from(data.flat());
      const feeds = { input: new ort.Tensor("float32", flat, [n, 5]) };
      const run = () => session.run(feeds);
      const base = await measure(run);
      report(`session.run in-process, ${n} row(s)`, base, undefined, await throughput(run));

      const json = Buffer.from(
        JSON.stringify({ inputs: [{ name: "input", shape: [n, 5], datatype: "FP32", data: data.flat() }] }),
      );
      const httpJson = () => post(url, json);
      report(`HTTP JSON, ${n} row(s)`, await measure(httpJson), base, await throughput(httpJson));

      const header = Buffer.from(
        JSON.stringify({
          inputs: [
            { name: "input", shape: [n, 5], datatype: "FP32", parameters: { binary_data_size: flat.byteLength } },
          ],
          parameters: { binary_data_output: true },
        }),
      );
      const binBody = Buffer.concat([header, Buffer.from(flat.buffer)]);
      const httpBin = () =>
        post(url, binBody, {
          "content-type": "application/octet-stream",
          "inference-header-content-length": String(header.byteLength),
        });
      report(`HTTP binary extension, ${n} row(s)`, await measure(httpBin), base, await throughput(httpBin));

      const grpcReq = {
        model_name: label,
        inputs: [{ name: "input", datatype: "FP32", shape: [n, 5] }],
        raw_input_contents: [Buffer.from(flat.buffer)],
      };
      const grpcInfer = () =>
        new Promise((resolve, reject) =>
          (
            grpcClient as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: unknown) => void) => void>
          ).ModelInfer!.call(grpcClient, grpcReq, (e, v) => (e ? reject(e) : resolve(v))),
        );
      report(`gRPC raw contents, ${n} row(s)`, await measure(grpcInfer), base, await throughput(grpcInfer));
    }
  } finally {
    grpcClient.close();
    await session.release();
    await stop(server);
  }
}

async function coldStart(label: string, command: string[], model: string, times = 5): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const s = await serve(command, model, "m");
    ms.push(s.readyMs);
    await stop(s);
  }
  ms.sort((a, b) => a - b);
  const line = `cold start ${label.padEnd(22)} median ${pct(ms, 50).toFixed(0)} ms  min ${ms[0]!.toFixed(0)} ms  max ${ms.at(-1)!.toFixed(0)} ms (${times} runs)`;
  lines.push(line);
  console.log(line);
}

const started = performance.now();
// Bundle as scripts/build.mjs does (inside node_modules so the external onnxruntime-node resolves).
await bundleServer(BUNDLE, { minify: true });
const command = [BUNDLE];
console.log(`server: ${BUNDLE} (esbuild bundle of shared/serve/main.ts); node ${process.version}`);
// Latency tails depend on what else runs on the box: say how busy it was.
console.log(`machine: ${cpus().length} cores, load average at start ${loadavg()[0]!.toFixed(1)}`);
// The floor: the same client against a bare node:http server (own process) that reads the body and answers "{}".
{
  const bare = spawn(
    process.execPath,
    [
      "-e",
      `const s = require("node:http").createServer((q, r) => { q.resume(); q.on("end", () => { r.writeHead(200, { "content-type": "application/json", "content-length": "2" }); r.end("{}"); }); });
       s.listen(0, "127.0.0.1", () => console.log(s.address().port));`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(bare);
  const port = await new Promise<string>((resolve) =>
    bare.stdout!.once("data", (c: Buffer) => resolve(c.toString().trim())),
  );
  const url = new URL(`http://127.0.0.1:${port}/`);
  const payload = Buffer.from(
    JSON.stringify({ inputs: [{ name: "input", shape: [64, 5], datatype: "FP32", data: rows(64).flat() }] }),
  );
  console.log("\n## floor");
  report(
    "bare node:http round trip (64-row body)",
    await measure(() => post(url, payload)),
    undefined,
    await throughput(() => post(url, payload)),
  );
  bare.kill("SIGKILL");
}
await benchModel("logistic", logisticModel(), command);
await benchModel("trees-100x6", treeModel(100, 6), command);
// A heavier model: the protocol's cost is a fixed per-request amount, so its share shrinks as the model grows.
await benchModel("trees-300x8", treeModel(300, 8), command);

console.log("\n## cold start (spawn → ready log line; logistic model)");
const small = join(dir, "logistic.onnx");
writeFileSync(small, logisticModel());
// Baseline for the process overhead itself: node starting and exiting with nothing to do.
const nodeOnly: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await new Promise((r) => spawn(process.execPath, ["-e", "0"]).on("exit", r));
  nodeOnly.push(performance.now() - t);
}
nodeOnly.sort((a, b) => a - b);
lines.push(`cold start baseline: bare node -e 0 median ${pct(nodeOnly, 50).toFixed(0)} ms`);
console.log(lines.at(-1));
await coldStart("bundle", [BUNDLE], small);
await coldStart("main.ts via tsx", ["--import", "tsx", MAIN], small);
agent.destroy();
console.log(
  `\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s, load average at end ${loadavg()[0]!.toFixed(1)}`,
);
