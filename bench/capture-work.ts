/**
 * Capture's own work per request, in one process without HTTP: the server's work for a request (decode the JSON
 * body, run the model, encode the JSON answer) with and without handing the answered request to the capture,
 * which also encodes and writes its files (temporary name, fsync, rename) as it does in the server. The model and
 * the request are bench/capture.ts's. CPU time of the whole process (every thread, system time included) per
 * request; rounds alternate off and on, the median round is reported. Less exposed to other processes on the
 * machine than the two-server benchmark, which it complements.
 *
 *   npx tsx bench/capture-work.ts            (about 30 s)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { generatedDataset } from "../examples/predictive-maintenance/dataset";
import { generatedInferenceBody } from "../examples/predictive-maintenance/inference-request";
import { trainLogistic } from "../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../examples/predictive-maintenance/onnx-export";
import { silentLogger } from "../shared/log";
import { sampleCapture, startModelCapture } from "../shared/serve/capture-hook";
import { decodeInferRequest, encodeInferResponseText } from "../shared/serve/http-codec";
import { loadModel } from "../shared/serve/model";

const ROUNDS = Number(process.env.CAPTURE_BENCH_ROUNDS ?? 7);
const REQUESTS = Number(process.env.CAPTURE_WORK_REQUESTS ?? 6000);
const dir = mkdtempSync(join(tmpdir(), "capture-work-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const modelPath = join(dir, "model.onnx");
writeFileSync(modelPath, modelToOnnx(trainLogistic(generatedDataset(5000, 1), { iterations: 10 })));
const model = await loadModel({ model: modelPath, name: "failure-predictor", version: "3" });
const capture = await startModelCapture(
  { dir: join(dir, "capture"), plant: "bench", maxDiskBytes: 64 * 1024 ** 3 },
  model,
  new Registry(),
  silentLogger,
);

function body(n: number, id: string): Buffer {
  return generatedInferenceBody(n, 11, id);
}

/** CPU µs per request (process.cpuUsage: every thread, user + system) over `count` requests, yielding as a server does. */
async function run(bodies: Buffer[], count: number, captured: boolean): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const request = decodeInferRequest(bodies[i % bodies.length]!);
    const result = await model.infer(request);
    const taken = captured ? sampleCapture(capture, request, undefined) : undefined;
    encodeInferResponseText(model, request, result);
    taken?.record(result);
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}; load average at start ${loadavg()[0]!.toFixed(1)}`);
for (const n of [1, 64]) {
  const bodies = Array.from({ length: 512 }, (_, i) => body(n, `${i}-0f8fad5b-d9cb-469f-a165-70867728950e`));
  const count = Math.max(200, Math.round(REQUESTS / Math.sqrt(n)));
  await run(bodies, count, true); // warm-up, both paths
  await run(bodies, count, false);
  const off: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    off.push(await run(bodies, count, false));
    on.push(await run(bodies, count, true));
  }
  console.log(
    `${String(n).padStart(2)} row(s)/request: CPU per request off ${median(off).toFixed(1)} µs, on ${median(on).toFixed(1)} µs ` +
      `(×${(median(on) / median(off)).toFixed(2)}); rounds off/on: ${off.map((x, i) => `${x.toFixed(0)}/${on[i]!.toFixed(0)}`).join(", ")}`,
  );
}
await capture.close(0);
await model.release();
console.log(`load average at end ${loadavg()[0]!.toFixed(1)}`);
