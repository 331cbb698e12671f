/**
 * What capture costs the edge server: p50 latency and throughput over HTTP JSON with --capture-dir on (every
 * request captured) against the same server with capture off, measured in the same run, at 1 and 64 rows per
 * request. The model is the example's trained logistic regression in its production shape (six per-column
 * inputs, `Type` as text, `label` and `probabilities` out), so every captured row holds 6 inputs, 3 outputs
 * and the id, time, model and plant columns.
 *
 *   npx tsx bench/capture.ts            (about 60 s on 2 cores)
 *
 * Both servers run at once, each in its own process (bundled from shared/serve/main.ts as scripts/build.mjs
 * does); measurements alternate between them, three rounds, and the median of the rounds is reported.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generatedDataset } from "../examples/predictive-maintenance/dataset";
import { generatedInferenceBody } from "../examples/predictive-maintenance/inference-request";
import { trainLogistic } from "../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../examples/predictive-maintenance/onnx-export";
import { bundleServer, spawnServer } from "../test/services/serve-process";
import { agent, post } from "./http-client";

const ROOT = join(import.meta.dirname, "..");
const BUNDLE = join(ROOT, "node_modules/.cache/capture-bench/serve.js");
const ITER = Number(process.env.CAPTURE_BENCH_ITER ?? 1500);
const THROUGHPUT_MS = Number(process.env.CAPTURE_BENCH_MS ?? 1500);
const ROUNDS = Number(process.env.CAPTURE_BENCH_ROUNDS ?? 5);
const CONCURRENCY = 16;

const dir = mkdtempSync(join(tmpdir(), "capture-bench-"));
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function p50(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < ITER; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function serve(model: string, extra: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const s = await spawnServer(
    [BUNDLE],
    [
      ...["--model", model, "--model-name", "failure-predictor", "--model-version", "3"],
      ...["--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "off", ...extra],
    ],
    { track: children },
  );
  return { url: `${s.url}/v2/models/failure-predictor/infer`, proc: s.proc };
}

function body(n: number): Buffer {
  return generatedInferenceBody(n, 11, "0f8fad5b-d9cb-469f-a165-70867728950e");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Server CPU per request over a throughput run: what capture adds to the server's own work, whatever the load. */
async function cpuPerRequest(pid: number, fn: () => Promise<unknown>): Promise<{ rps: number; cpuUs: number }> {
  const before = cpuMs(pid);
  const until = performance.now() + THROUGHPUT_MS;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await fn();
        n++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { rps: n / seconds, cpuUs: ((cpuMs(pid) - before) * 1000) / n };
}

await bundleServer(BUNDLE, { minify: true });
console.log(`node ${process.version}; ${cpus().length} cores, load average at start ${loadavg()[0]!.toFixed(1)}`);
const model = join(dir, "model.onnx");
writeFileSync(model, modelToOnnx(trainLogistic(generatedDataset(5000, 1), { iterations: 10 })));
const captureDir = join(dir, "capture");
const off = await serve(model, []);
const on = await serve(model, [
  "--capture-dir",
  captureDir,
  "--plant",
  "bench",
  "--capture-max-disk-bytes",
  String(64 * 1024 ** 3),
]);
const lines: string[] = [];
for (const n of [1, 64]) {
  const payload = body(n);
  const offUrl = new URL(off.url);
  const onUrl = new URL(on.url);
  const r = {
    offP50: [] as number[],
    onP50: [] as number[],
    offRps: [] as number[],
    onRps: [] as number[],
    offCpu: [] as number[],
    onCpu: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    r.offP50.push(await p50(() => post(offUrl, payload)));
    r.onP50.push(await p50(() => post(onUrl, payload)));
    const a = await cpuPerRequest(off.proc.pid!, () => post(offUrl, payload));
    const b = await cpuPerRequest(on.proc.pid!, () => post(onUrl, payload));
    r.offRps.push(a.rps);
    r.onRps.push(b.rps);
    r.offCpu.push(a.cpuUs);
    r.onCpu.push(b.cpuUs);
  }
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  const line =
    `${String(n).padStart(2)} row(s)/request: p50 off ${us(median(r.offP50))}, on ${us(median(r.onP50))} ` +
    `(×${(median(r.onP50) / median(r.offP50)).toFixed(2)}); throughput ×${CONCURRENCY} off ${median(r.offRps).toFixed(0)}/s, ` +
    `on ${median(r.onRps).toFixed(0)}/s (×${(median(r.onRps) / median(r.offRps)).toFixed(2)}); server CPU per request ` +
    `off ${median(r.offCpu).toFixed(0)} µs, on ${median(r.onCpu).toFixed(0)} µs (×${(median(r.onCpu) / median(r.offCpu)).toFixed(2)})`;
  lines.push(line);
  console.log(line);
  console.log(
    `   rounds p50 off/on µs: ${r.offP50.map((x, i) => `${(x * 1000).toFixed(0)}/${(r.onP50[i]! * 1000).toFixed(0)}`).join(", ")}; rps off/on: ${r.offRps.map((x, i) => `${x.toFixed(0)}/${r.onRps[i]!.toFixed(0)}`).join(", ")}`,
  );
}
// Stop the capturing server gracefully so its last file is closed, then count what it wrote.
await new Promise<void>((resolve) => {
  on.proc.once("exit", () => resolve());
  on.proc.kill("SIGTERM");
});
let files = 0;
let bytes = 0;
const walk = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (e.name.endsWith(".parquet")) {
      files++;
      bytes += statSync(join(d, e.name)).size;
    }
  }
};
walk(captureDir);
console.log(
  `capture written: ${files} files, ${(bytes / 1024 ** 2).toFixed(1)} MiB; load average at end ${loadavg()[0]!.toFixed(1)}`,
);
agent.destroy();
process.exit(0);
