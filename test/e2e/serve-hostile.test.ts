/**
 * The bundled edge server (dist/serve.js, as the image runs it) against requests built to exhaust it. The
 * process gets a 256 MiB heap: an attack that allocates per element before checking (the way it used to) kills
 * it, so each case fails loudly without its limit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceServiceClient } from "../../shared/serve";
import { logisticModel } from "../../shared/serve/example-models";
import { repoRoot } from "../harness/run-action";
import { dawdler } from "../services/grpc-dawdler";

const SERVE = join(repoRoot, "dist/serve.js");
const CLI = join(repoRoot, "dist/cli.js");
let dir: string;
let modelPath: string;
const children = new Set<ChildProcess>();

interface Served {
  proc: ChildProcess;
  http: string;
  grpc: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts `node <entry> ...args` and resolves once it logged where it serves (rejects if it exits first). */
function start(entry: string[], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const proc = spawn(process.execPath, ["--max-old-space-size=256", ...entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  children.add(proc);
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 30 s: ${out}${err}`)), 30_000);
    proc.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
    });
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /on (http:\/\/[^\s"]+)(?: and grpc ([^\s"]+))?"/.exec(out);
      if (m && /ready in/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, http: m[1]!, grpc: m[2] ?? "", stdout: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready: ${out}${err}`));
    });
  });
}

let server: Served;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "serve-hostile-"));
  modelPath = join(dir, "failure-predictor.onnx");
  writeFileSync(modelPath, logisticModel());
  server = await start([SERVE, "--model", modelPath, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0"]);
}, 40_000);
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function alive(): Promise<void> {
  const res = await fetch(`${server.http}/v2/health/live`);
  expect(res.status).toBe(200);
  expect(server.proc.exitCode).toBe(null);
}

function post(body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return fetch(`${server.http}/v2/models/failure-predictor/infer`, { method: "POST", body, headers }).then(
    async (r) => ({ status: r.status, text: await r.text() }),
  );
}

/** protobuf: a varint, and a length-delimited field. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}
function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((num << 3) | 2), varint(payload.length), payload]);
}

/** A ModelInferRequest with one input whose contents hold `count` empty bytes_contents elements. */
function bytesBomb(count: number, shape: number[]): Buffer {
  const contents = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) contents[i * 2] = (8 << 3) | 2; // field 8, length 0
  const input = Buffer.concat([
    field(1, Buffer.from("input")),
    field(2, Buffer.from("BYTES")),
    field(3, Buffer.concat(shape.map(varint))),
    field(5, contents),
  ]);
  return Buffer.concat([field(1, Buffer.from("failure-predictor")), field(5, input)]);
}

/** Sends raw ModelInferRequest bytes over gRPC and resolves with the status. */
function grpcRaw(bytes: Buffer): Promise<{ code: grpc.status; details: string }> {
  const client = new grpc.Client(server.grpc, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
  });
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/inference.GRPCInferenceService/ModelInfer",
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      { deadline: Date.now() + 60_000 },
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" });
      },
    );
  });
}

describe("the edge server under hostile requests (dist/serve.js, 256 MiB heap)", () => {
  it("refuses a gRPC request with millions of empty BYTES elements before decoding them", async () => {
    // 5 M elements (9.5 MiB): protobuf decoding alone used to take > 1 GB.
    const r = await grpcRaw(bytesBomb(5_000_000, [5_000_000]));
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.details).toMatch(/5000000 elements, more than the server's limit of 1048576.*--max-elements/);
    // A shape that claims few elements while the contents hold millions: refused on the contents.
    const lying = await grpcRaw(bytesBomb(3_000_000, [1, 5]));
    expect(lying.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await alive();
  }, 60_000);

  it("answers a malformed or truncated ModelInferRequest with INVALID_ARGUMENT", async () => {
    const whole = bytesBomb(10, [10]);
    const r = await grpcRaw(whole.subarray(0, whole.length - 3));
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.details).toMatch(/not a valid ModelInferRequest/);
    await alive();
  });

  it("still infers over gRPC within the limits", async () => {
    const Client = inferenceServiceClient();
    const client = new Client(server.grpc, grpc.credentials.createInsecure());
    const res = await new Promise<{ outputs: { name: string }[] }>((resolve, reject) =>
      (client as unknown as { ModelInfer: grpc.requestCallback<unknown> & ((...a: unknown[]) => void) }).ModelInfer(
        {
          model_name: "failure-predictor",
          inputs: [
            {
              name: "input",
              datatype: "FP32",
              shape: [1, 5],
              contents: { fp32_contents: [298.1, 308.6, 1551, 42.8, 0] },
            },
          ],
        },
        (err: Error | null, v: unknown) => (err ? reject(err) : resolve(v as { outputs: { name: string }[] })),
      ),
    );
    client.close();
    expect(res.outputs.map((o) => o.name)).toContain("probabilities");
  });

  it("refuses at once a third 60 MiB gRPC message announced while two others dawdle (--max-grpc-pending-bytes)", async () => {
    // Each call announces 60 MiB (under --max-body-bytes) and sends 100 bytes: grpc-js would gather them all.
    const first = dawdler(server.grpc, 60 * 1024 * 1024);
    const second = dawdler(server.grpc, 60 * 1024 * 1024);
    let third: number | undefined;
    // Reservations are made as the prefixes arrive; retry until the server has seen the first two.
    for (let i = 0; i < 100 && third === undefined; i++) {
      const d = dawdler(server.grpc, 60 * 1024 * 1024);
      const code = await Promise.race([d.status, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
      d.close();
      if (code === grpc.status.RESOURCE_EXHAUSTED) third = code;
    }
    expect(third).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await alive();
    first.close();
    second.close();
  }, 60_000);

  it("answers JSON nested 100 000 deep with 400, not a stack overflow", async () => {
    const deep = `{"inputs":[{"name":"input","shape":[1,5],"datatype":"FP32","data":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`;
    const r = await post(deep);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/nested deeper than 64 levels/);
    await alive();
  });

  it("answers a JSON body over --max-json-bytes with 413 before reading it, and points at the binary extension", async () => {
    const row = "[298.1,308.6,1551,42.8,0],";
    const rows = Math.ceil((2 * 1024 * 1024) / row.length);
    const big = `{"inputs":[{"name":"input","shape":[${rows},5],"datatype":"FP32","data":[${row.repeat(rows).slice(0, -1)}]}]}`;
    const r = await post(big);
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/limit of 1048576 bytes.*binary tensor data extension.*--max-json-bytes/);
    await alive();
  });

  it("answers a request whose shapes exceed the element budget with 413, whatever the transport", async () => {
    const json = JSON.stringify({
      inputs: [{ name: "input", shape: [300_000, 5], datatype: "FP32", parameters: { binary_data_size: 6_000_000 } }],
    });
    const body = Buffer.concat([Buffer.from(json), Buffer.alloc(6_000_000)]);
    const r = await post(body, { "inference-header-content-length": String(json.length) });
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/1500000 elements, more than the server's limit of 1048576/);
    await alive();
  });

  it("runs large inferences off the event loop: health answers before the last of three 200 k-row requests", async () => {
    const json = JSON.stringify({
      inputs: [{ name: "input", shape: [200_000, 5], datatype: "FP32", parameters: { binary_data_size: 4_000_000 } }],
      parameters: { binary_data_output: true },
    });
    const body = Buffer.concat([Buffer.from(json), Buffer.from(new Float32Array(1_000_000).fill(300).buffer)]);
    const events: string[] = [];
    const large = Array.from({ length: 3 }, () =>
      post(body, { "inference-header-content-length": String(json.length) }).then((r) => {
        events.push(`infer ${r.status}`);
      }),
    );
    // Once the server counts them in flight, the probe goes out.
    for (
      let i = 0;
      i < 400 &&
      !/oip_inflight_requests\{protocol="http"\} [4-9]/.test(await (await fetch(`${server.http}/metrics`)).text());
      i++
    ) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const health = fetch(`${server.http}/v2/health/live`).then((r) => {
      events.push(`health ${r.status}`);
    });
    await Promise.all([...large, health]);
    // The worker runs them one after another; the probe did not wait for that queue (how many of the three
    // were done before it is a race between the worker and this process's own uploads on a busy machine).
    expect(events.indexOf("health 200")).toBeGreaterThanOrEqual(0);
    expect(events.indexOf("health 200")).toBeLessThan(events.length - 1);
    expect(events.filter((e) => e === "infer 200")).toHaveLength(3);
    // The inference thread runs at a lower priority than the thread that answers probes (Linux: nice per thread).
    const niceOf = (tid: string) => {
      const stat = readFileSync(`/proc/${server.proc.pid}/task/${tid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    };
    const main = niceOf(String(server.proc.pid));
    const nicer = readdirSync(`/proc/${server.proc.pid}/task`).filter((tid) => niceOf(tid) > main);
    expect(nicer.length).toBeGreaterThan(0);
  }, 60_000);

  it("answers busy (503, Retry-After) past the pending-bytes budget while health and small requests still answer", async () => {
    const s = await start([
      SERVE,
      "--model",
      modelPath,
      "--host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--grpc-port",
      "off",
      "--max-pending-bytes",
      "1000000",
    ]);
    const url = new URL(`${s.http}/v2/models/failure-predictor/infer`);
    // A client that declares 900 kB and sends a little: its bytes are held while it dawdles.
    const slow = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: { "content-length": "900000" },
    });
    slow.on("error", () => {});
    const held = new Promise<void>((r) => slow.write(Buffer.alloc(10), () => r()));
    await held;
    let second: Response | undefined;
    // The first request's reservation is made when its headers arrive; retry until the server has seen them.
    for (let i = 0; i < 100; i++) {
      second = await fetch(url, {
        method: "POST",
        body: Buffer.alloc(500_000),
        headers: { "content-type": "application/json" },
      });
      if (second.status === 503) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(second!.status).toBe(503);
    expect(second!.headers.get("retry-after")).toBe("1");
    expect(await second!.text()).toMatch(/busy.*--max-pending-bytes/);
    expect((await fetch(`${s.http}/v2/health/ready`)).status).toBe(200);
    const small = await fetch(url, {
      method: "POST",
      body: JSON.stringify({
        inputs: [{ name: "input", shape: [1, 5], datatype: "FP32", data: [298.1, 308.6, 1551, 42.8, 0] }],
      }),
    });
    expect(small.status).toBe(200);
    slow.destroy();
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  }, 60_000);
});

describe("mlops serve (dist/cli.js): help and behaviour agree on the host", () => {
  it("says it listens on 127.0.0.1 by default and honours MLOPS_HOST", async () => {
    const help = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [CLI, "serve", "--help"], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      p.stdout.on("data", (c) => {
        out += c;
      });
      p.on("exit", () => resolve(out));
    });
    expect(help).toMatch(/--host <addr>\s+interface to listen on \(env MLOPS_HOST; default 127\.0\.0\.1\)/);
    expect(help).toMatch(/--max-elements/);
    // 127.0.0.2 is loopback too on Linux: a server that ignored MLOPS_HOST would listen on 127.0.0.1.
    const s = await start([CLI, "serve", "--model", modelPath, "--http-port", "0", "--grpc-port", "off"], {
      ...process.env,
      MLOPS_HOST: "127.0.0.2",
    });
    expect(s.http).toMatch(/^http:\/\/127\.0\.0\.2:/);
    expect((await fetch(`${s.http}/v2/health/live`)).status).toBe(200);
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  }, 60_000);
});
