import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceServiceClient } from "../../shared/serve";
import { logisticModel, logisticProbability } from "../../shared/serve/example-models";

// The server as it runs in the image: its own process (shared/serve/main.ts through tsx), JSON logs on stdout,
// SIGTERM draining in-flight requests, many concurrent clients.

const MAIN = join(import.meta.dirname, "../../shared/serve/main.ts");
let dir: string;
let modelPath: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "serve-process-"));
  modelPath = join(dir, "failure-predictor.onnx");
  writeFileSync(modelPath, logisticModel());
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Served {
  proc: ChildProcess;
  http: string;
  grpc: string;
  /** Parsed JSON log lines so far. */
  logs: { level: string; msg: string }[];
  exited: Promise<number | null>;
  waitForLog(pattern: RegExp): Promise<void>;
}

function serve(args: string[], timeoutMs = 30_000): Promise<Served> {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(proc);
  const logs: { level: string; msg: string }[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  let buffered = "";
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  proc.stdout!.on("data", (c: Buffer) => {
    buffered += c.toString();
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
      const entry = JSON.parse(line) as { level: string; msg: string };
      logs.push(entry);
      for (const w of [...waiters]) {
        if (w.pattern.test(entry.msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const waitForLog = (pattern: RegExp) =>
    logs.some((l) => pattern.test(l.msg))
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ pattern, resolve });
          const timer = setTimeout(
            () => reject(new Error(`no log line ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)),
            timeoutMs,
          );
          void exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`server exited before logging ${pattern}; stderr: ${stderr}`));
          });
          proc.stdout!.on("data", () => {
            if (logs.some((l) => pattern.test(l.msg))) clearTimeout(timer);
          });
        });
  return waitForLog(/^ready in/).then(() => {
    const serving = logs.find((l) => l.msg.startsWith("serving model"))!.msg;
    const m = /on (http:\/\/\S+)(?: and grpc (\S+))?$/.exec(serving)!;
    return { proc, http: m[1]!, grpc: m[2] ?? "", logs, exited, waitForLog };
  });
}

const ROW = [302.5, 311.3, 1305, 68.2, 210];
const body = (rows: number[][]) =>
  JSON.stringify({ inputs: [{ name: "input", shape: [rows.length, 5], datatype: "FP32", data: rows.flat() }] });

async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

describe("serve as a process", () => {
  it("starts from flags, logs JSON lines and answers; SIGTERM drains an in-flight request and exits 0", async () => {
    const s = await serve(["--model", modelPath, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0"]);
    expect(s.logs.every((l) => typeof l.level === "string" && typeof l.msg === "string")).toBe(true);
    expect(s.logs.some((l) => l.msg.includes('serving model "failure-predictor" version 1'))).toBe(true);
    console.log(`[serve] cold start with node + tsx: ${s.logs.find((l) => l.msg.startsWith("ready in"))!.msg}`);
    expect((await fetch(`${s.http}/v2/health/ready`)).status).toBe(200);

    // Start a request and send only half of its body: it is in flight when SIGTERM arrives.
    const payload = Buffer.from(body([ROW]));
    const url = new URL(`${s.http}/v2/models/failure-predictor/infer`);
    let release!: () => void;
    const inflight = new Promise<void>((r) => {
      release = r;
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { "content-length": payload.length },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(payload.subarray(0, 10));
      inflight.then(() => req.end(payload.subarray(10)), reject);
    });
    // The server counts the half-sent request (plus the /metrics request itself).
    for (let i = 0; i < 200 && (await metric(s.http, 'oip_inflight_requests{protocol="http"}')) < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await metric(s.http, 'oip_inflight_requests{protocol="http"}')).toBe(2);
    s.proc.kill("SIGTERM");
    await s.waitForLog(/^SIGTERM: finishing in-flight requests/);
    release();
    const r = await response;
    expect(r.status).toBe(200);
    const probs = (JSON.parse(r.text) as { outputs: { name: string; data: number[] }[] }).outputs.find(
      (o) => o.name === "probabilities",
    )!;
    expect(probs.data[1]).toBeCloseTo(logisticProbability(ROW), 5);
    expect(await s.exited).toBe(0);
    expect(s.logs.at(-1)!.msg).toBe("server stopped");
  });

  it("64 concurrent clients (32 HTTP, 32 gRPC) for a bounded time: no errors, RSS before/after reported", async () => {
    const s = await serve(
      ["--model", modelPath, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0"],
      30_000,
    );
    const grpcClient = new (inferenceServiceClient())(s.grpc, grpc.credentials.createInsecure());
    const grpcRequest = {
      model_name: "failure-predictor",
      inputs: [{ name: "input", datatype: "FP32", shape: [8, 5] }],
      raw_input_contents: [
        Buffer.from(Float32Array.from(Array.from({ length: 8 }, (_, i) => ROW.map((v) => v + i)).flat()).buffer),
      ],
    };
    const grpcInfer = () =>
      new Promise<{ raw_output_contents: Buffer[] }>((resolve, reject) =>
        (
          grpcClient as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: unknown) => void) => void>
        ).ModelInfer!.call(grpcClient, grpcRequest, (e, v) =>
          e ? reject(e) : resolve(v as { raw_output_contents: Buffer[] }),
        ),
      );
    const url = `${s.http}/v2/models/failure-predictor/infer`;
    const rows = Array.from({ length: 8 }, (_, i) => ROW.map((v) => v + i));
    const payload = body(rows);
    const run = async (ms: number) => {
      const until = Date.now() + ms;
      let ok = 0;
      const failures: string[] = [];
      await Promise.all(
        Array.from({ length: 64 }, async (_, client) => {
          while (Date.now() < until) {
            try {
              if (client % 2 === 1) {
                const r = await grpcInfer();
                if (r.raw_output_contents[1]?.byteLength === 8 * 2 * 4) ok++;
                else failures.push(`grpc: unexpected output ${JSON.stringify(r).slice(0, 100)}`);
                continue;
              }
              const res = await fetch(url, { method: "POST", body: payload });
              const text = await res.text();
              if (res.status === 200 && text.includes('"probabilities"')) ok++;
              else failures.push(`${res.status} ${text.slice(0, 100)}`);
            } catch (e) {
              failures.push(String(e));
            }
          }
        }),
      );
      return { ok, failures };
    };
    await run(500); // warm-up: JIT, connection pools, onnxruntime arenas
    const rssBefore = await metric(s.http, "process_resident_memory_bytes");
    const { ok, failures } = await run(3000);
    const rssAfter = await metric(s.http, "process_resident_memory_bytes");
    console.log(
      `[serve] 64 clients (32 HTTP + 32 gRPC) × 3 s: ${ok} requests, ${failures.length} errors; server RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB → ${(rssAfter / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThanOrEqual(64); // every client got answers
    expect(rssBefore).toBeGreaterThan(0);
    // A leak guard, not a tight bound: thousands of requests must not each keep their buffers.
    expect(rssAfter - rssBefore).toBeLessThan(64 * 2 ** 20);
    grpcClient.close();
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("exits 2 with a JSON error line when the model file is missing", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", MAIN, "--model", join(dir, "absent.onnx")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(proc);
    let stderr = "";
    proc.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
    expect(code).toBe(2);
    const line = JSON.parse(stderr.trim().split("\n").at(-1)!) as { level: string; msg: string };
    expect(line.level).toBe("error");
    expect(line.msg).toContain("model: file not found");
    expect(line.msg).toContain("absent.onnx");
  });
});
