/**
 * Edge server soak under mixed hostile and normal traffic, on loopback, for a bounded time: the server's RSS
 * over time and how fast `/v2/health/live` answers meanwhile, against the same probe on the idle server
 * measured first in the same run.
 *
 *   npx tsx bench/serve-soak.ts                 (about 45 s on 2 cores)
 *   SOAK_SECONDS=60 SOAK_SERVE=path/to/serve.js npx tsx bench/serve-soak.ts
 *
 * Traffic while it runs, each kind from its own loop: 8 HTTP clients with 64-row JSON requests and 4 gRPC
 * clients with 64-row raw requests (normal); 2 clients with legal 0.9 MiB JSON requests (35 k rows); 1 with
 * 1 M-element binary requests answered in JSON; 1 sending gRPC requests of 5 M empty bytes elements; 1 with
 * JSON nested 100 000 deep; 1 declaring 57 MiB bodies. The server is `dist/serve.js` with its default limits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { inferenceServiceClient } from "../shared/serve";
import { treeModel } from "../shared/serve/example-models";
import { spawnServer } from "../test/services/serve-process";

const ROOT = join(import.meta.dirname, "..");
const SERVE = process.env.SOAK_SERVE ?? join(ROOT, "dist/serve.js");
const SECONDS = Number(process.env.SOAK_SECONDS ?? 30);
const dir = mkdtempSync(join(tmpdir(), "serve-soak-"));
let child: ChildProcess | undefined;
process.on("exit", () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start(model: string): Promise<{ proc: ChildProcess; http: string; grpc: string }> {
  const nodeArgs = (process.env.SOAK_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const args = ["--model", model, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0"];
  const s = await spawnServer([...nodeArgs, SERVE], args, { timeoutMs: 60_000 });
  child = s.proc;
  return { proc: s.proc, http: s.url, grpc: s.grpc! };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function post(
  url: string,
  body: Buffer,
  headers: Record<string, string | number> = {},
  via: Agent | false = agent,
): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        agent: via,
        headers: { "content-length": body.length, ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(-1));
    req.end(body);
  });
}

function probe(url: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - t));
    });
    req.on("error", () => resolve(Number.POSITIVE_INFINITY));
    req.end();
  });
}

const ROW = [298.1, 308.6, 1551, 42.8, 0];
const jsonRows = (n: number) =>
  Buffer.from(
    JSON.stringify({
      inputs: [{ name: "input", shape: [n, 5], datatype: "FP32", data: Array.from({ length: n }, () => ROW) }],
    }),
  );

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const model = join(dir, "m.onnx");
  writeFileSync(model, treeModel(100));
  const s = await start(model);
  const pid = s.proc.pid!;
  const infer = `${s.http}/v2/models/m/infer`;
  const live = `${s.http}/v2/health/live`;

  // Baseline: the probe against the idle server.
  for (let i = 0; i < 50; i++) await probe(live);
  const idle: number[] = [];
  for (let i = 0; i < 200; i++) idle.push(await probe(live));
  idle.sort((a, b) => a - b);
  const rssStart = rssMiB(pid);

  const small = jsonRows(64);
  const large = jsonRows(35_000);
  const binJson = JSON.stringify({
    inputs: [{ name: "input", shape: [200_000, 5], datatype: "FP32", parameters: { binary_data_size: 4_000_000 } }],
  });
  const binary = Buffer.concat([Buffer.from(binJson), Buffer.from(new Float32Array(1_000_000).fill(300).buffer)]);
  const deep = Buffer.from(
    `{"inputs":[{"name":"input","shape":[1,5],"datatype":"FP32","data":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`,
  );
  const bomb = (() => {
    const n = 5_000_000;
    const contents = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) contents[i * 2] = 0x42;
    const v = (x: number) => {
      const o: number[] = [];
      while (x >= 0x80) {
        o.push((x % 0x80) | 0x80);
        x = Math.floor(x / 0x80);
      }
      o.push(x);
      return Buffer.from(o);
    };
    const f = (num: number, p: Buffer) => Buffer.concat([v((num << 3) | 2), v(p.length), p]);
    const input = Buffer.concat([f(1, Buffer.from("input")), f(2, Buffer.from("BYTES")), f(3, v(n)), f(5, contents)]);
    return Buffer.concat([f(1, Buffer.from("m")), f(5, input)]);
  })();

  const statuses = new Map<string, Map<string, number>>();
  const count = (kind: string, status: string | number) => {
    const m = statuses.get(kind) ?? new Map<string, number>();
    m.set(String(status), (m.get(String(status)) ?? 0) + 1);
    statuses.set(kind, m);
  };
  const deadline = Date.now() + SECONDS * 1000;
  const loop = (kind: string, fn: () => Promise<string | number>) =>
    (async () => {
      while (Date.now() < deadline) count(kind, await fn());
    })();

  const Client = inferenceServiceClient();
  const grpcClient = new Client(s.grpc, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
  const raw = new grpc.Client(s.grpc, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
  const rows64 = Buffer.from(new Float32Array(64 * 5).fill(300).buffer);
  const grpcNormal = () =>
    new Promise<string>((resolve) =>
      (
        grpcClient as unknown as { ModelInfer: (r: unknown, cb: (e: grpc.ServiceError | null) => void) => void }
      ).ModelInfer(
        {
          model_name: "m",
          inputs: [{ name: "input", datatype: "FP32", shape: [64, 5] }],
          raw_input_contents: [rows64],
        },
        (e) => resolve(e ? grpc.status[e.code]! : "OK"),
      ),
    );
  const grpcBomb = () =>
    new Promise<string>((resolve) =>
      raw.makeUnaryRequest(
        "/inference.GRPCInferenceService/ModelInfer",
        (b: Buffer) => b,
        (b: Buffer) => b,
        bomb,
        (e) => resolve(e ? grpc.status[e.code]! : "OK"),
      ),
    );

  const rss: number[] = [];
  const health: number[] = [];
  const sampler = setInterval(() => rss.push(rssMiB(pid)), 250);
  const loops: Promise<void>[] = [
    ...Array.from({ length: 8 }, () => loop("normal JSON 64 rows", () => post(infer, small))),
    ...Array.from({ length: 4 }, () => loop("normal gRPC 64 rows", grpcNormal)),
    ...Array.from({ length: 2 }, () => loop("legal JSON 35k rows (0.9 MiB)", () => post(infer, large))),
    loop("binary 200k rows, JSON outputs", () =>
      post(infer, binary, { "inference-header-content-length": Buffer.byteLength(binJson) }),
    ),
    loop("gRPC 5M empty BYTES", grpcBomb),
    loop("JSON nested 100k deep", () => post(infer, deep)),
    loop("declared 57 MiB", () =>
      // Its own connection each time: the server answers 413 without reading the body it was promised.
      post(infer, Buffer.alloc(0), { "content-length": 57 * 1024 * 1024 }, false),
    ),
  ];
  // The probe runs in a process of its own, so the load generator's own event loop does not delay it.
  const prober = spawn(
    process.execPath,
    [
      "-e",
      `const http = require("node:http"); const out = []; const end = Date.now() + ${SECONDS * 1000};
       const one = () => { if (Date.now() > end) { process.stdout.write(JSON.stringify(out)); return; }
         const t = performance.now();
         http.get(${JSON.stringify(live)}, { agent: false }, (r) => { r.resume(); r.on("end", () => { out.push(performance.now() - t); setTimeout(one, 20); }); })
           .on("error", () => { out.push(1e9); setTimeout(one, 20); }); };
       one();`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let probed = "";
  prober.stdout!.on("data", (c: Buffer) => {
    probed += c.toString();
  });
  loops.push(
    new Promise<void>((resolve) =>
      prober.on("exit", () => {
        health.push(...(JSON.parse(probed || "[]") as number[]));
        resolve();
      }),
    ),
  );
  await Promise.all(loops);
  clearInterval(sampler);
  const rssLoaded = [...rss].sort((a, b) => a - b);
  // Memory given back: RSS after 5 s idle.
  await new Promise((r) => setTimeout(r, 5000));
  const rssAfter = rssMiB(pid);
  const metrics = await (await fetch(`${s.http}/metrics`)).text();
  const lagMax = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000;
  const lagP99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000;
  grpcClient.close();
  raw.close();
  agent.destroy();
  const alive = s.proc.exitCode === null;
  s.proc.kill("SIGTERM");
  await new Promise((r) => s.proc.once("exit", r));

  health.sort((a, b) => a - b);
  const slow = health.filter((h) => h > 100).length;
  console.log(`server ${SERVE}, ${SECONDS} s of mixed traffic, tree model (100 trees), default limits`);
  console.log(`requests by kind and status:`);
  for (const [kind, m] of statuses) console.log(`  ${kind}: ${[...m].map(([k, v]) => `${k}×${v}`).join(", ")}`);
  console.log(
    `health /v2/health/live idle: p50 ${pct(idle, 50).toFixed(2)} ms, p99 ${pct(idle, 99).toFixed(2)} ms, max ${idle.at(-1)!.toFixed(2)} ms`,
  );
  console.log(
    `health under load (${health.length} probes): p50 ${pct(health, 50).toFixed(2)} ms, p99 ${pct(health, 99).toFixed(2)} ms, max ${health.at(-1)!.toFixed(2)} ms; over 100 ms: ${slow}; p99 vs idle ${(pct(health, 99) / pct(idle, 99)).toFixed(1)}×`,
  );
  const third = Math.floor(rss.length / 3);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `RSS MiB: start ${rssStart.toFixed(0)}, under load median ${pct(rssLoaded, 50).toFixed(0)}, max ${rssLoaded.at(-1)!.toFixed(0)}; first third mean ${mean(rss.slice(0, third)).toFixed(0)}, last third mean ${mean(rss.slice(-third)).toFixed(0)} (ratio ${(mean(rss.slice(-third)) / mean(rss.slice(0, third))).toFixed(2)}); 5 s after ${rssAfter.toFixed(0)}`,
  );
  console.log(`server event-loop delay over the run: p99 ${lagP99.toFixed(1)} ms, max ${lagMax.toFixed(1)} ms`);
  console.log(`server alive at the end: ${alive ? "yes" : "NO"}`);
  process.exit(alive ? 0 : 1);
}

await main();
