/**
 * Smoke test of a built edge image, without a container engine: unpack this machine's platform from the
 * OCI layout, start the image's own entrypoint (`node /app/serve.js`, with the image's Env and WorkingDir,
 * paths taken inside the unpacked root, this process's Node.js for `node`) on free loopback ports, and send
 * one inference request over HTTP (OIP v2 REST) and the same over gRPC (ModelInfer). Both must answer 200 /
 * OK with the same outputs. What the plants will run is what answered.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { layoutImageConfig, unpackLayout } from "../oci";
import { inferenceServiceClient } from "../serve";

/** An OIP v2 JSON inference request (as for POST /v2/models/<name>/infer). */
export interface SmokeRequest {
  inputs: JsonTensor[];
  outputs?: { name: string }[];
  /** The file it was read from, as the user named it. */
  path: string;
}

export interface SmokeTestOptions {
  /** OCI layout directory holding the image. */
  layout: string;
  request: SmokeRequest;
  logger: Logger;
  /** Bound on booting and on each request (default 60 s). */
  timeoutMs?: number;
}

export interface SmokeTestResult {
  model: string;
  version: string;
  outputs: { name: string; shape: number[] }[];
  httpMs: number;
  grpcMs: number;
  /** One sentence for summaries and cards. */
  summary: string;
}

interface JsonTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

const CONTENTS: Record<string, string> = {
  BOOL: "bool_contents",
  INT8: "int_contents",
  INT16: "int_contents",
  INT32: "int_contents",
  INT64: "int64_contents",
  UINT8: "uint_contents",
  UINT16: "uint_contents",
  UINT32: "uint_contents",
  UINT64: "uint64_contents",
  FP32: "fp32_contents",
  FP64: "fp64_contents",
  BYTES: "bytes_contents",
};

/**
 * Read and check a smoke request (`file` on disk, `path` as the user wrote it), before anything is built.
 * With the model's input names, a request naming another input is refused here too.
 */
export async function readSmokeRequest(file: string, path: string, modelInputs?: string[]): Promise<SmokeRequest> {
  let body: { inputs?: JsonTensor[]; outputs?: { name: string }[] };
  try {
    body = JSON.parse(await readFile(file, "utf8")) as typeof body;
  } catch (e) {
    throw new UserError(
      `smoke-request: cannot read ${shown(path)} as JSON (${(e as Error).message}). Pass an OIP v2 inference request such as deploy/sample-request.json.`,
      { cause: e },
    );
  }
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw new UserError(
      `smoke-request: ${shown(path)} has no "inputs" list (got keys ${Object.keys(body).join(", ") || "none"}). Write {"inputs": [{"name", "shape", "datatype", "data"}, ...]}.`,
    );
  }
  for (const t of body.inputs) {
    if (modelInputs && !modelInputs.includes(t.name)) {
      throw new UserError(
        `smoke-request: input ${shown(t.name)} in ${shown(path)} is not an input of the model (inputs: ${modelInputs.join(", ")}). Name the model's inputs as clients will.`,
      );
    }
    if (!CONTENTS[t.datatype]) {
      throw new UserError(
        `smoke-request: input ${shown(t.name)} has datatype ${shown(t.datatype)}, which has no typed gRPC contents. Use one of ${Object.keys(CONTENTS).join(", ")}.`,
      );
    }
  }
  return { inputs: body.inputs, ...(body.outputs ? { outputs: body.outputs } : {}), path };
}

/** Inside the unpacked root: `/app/serve.js` → `<rootfs>/app/serve.js` when it exists there. */
const inRoot = (rootfs: string, value: string) =>
  value.startsWith("/") && existsSync(join(rootfs, value)) ? join(rootfs, value) : value;

/** Start the image's entrypoint and wait for the server to log where it listens. */
async function boot(rootfs: string, layout: string, timeoutMs: number) {
  const config = (await layoutImageConfig(layout)).config ?? {};
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv[0] !== "node") {
    throw new UserError(
      `smoke-request: the image's entrypoint is ${shown(argv.join(" "))}, not node; only images built by package-edge can be smoke-tested without a container engine.`,
    );
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: tmpdir() };
  for (const kv of config.Env ?? []) {
    const eq = kv.indexOf("=");
    env[kv.slice(0, eq)] = inRoot(rootfs, kv.slice(eq + 1));
  }
  Object.assign(env, { MLOPS_HOST: "127.0.0.1", PORT: "0", MLOPS_GRPC_PORT: "0" });
  const cwd = config.WorkingDir ? inRoot(rootfs, config.WorkingDir) : rootfs;
  const child = spawn(
    process.execPath,
    argv.slice(1).map((a) => inRoot(rootfs, a)),
    {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const listening = await new Promise<{ http: string; grpc: string; model: string; version: string }>(
    (resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`no "serving model" line within ${timeoutMs} ms`)), timeoutMs);
      child.stderr!.on("data", (d) => {
        err += d;
      });
      child.stdout!.on("data", (d) => {
        out += d;
        // JSON log lines: {"level":"info","msg":"serving model \"x\" version 3 ... on http://... and grpc ..."}
        for (const line of out.split("\n")) {
          let msg = "";
          try {
            msg = (JSON.parse(line) as { msg?: string }).msg ?? "";
          } catch {
            continue;
          }
          const m = /^serving model "([^"]+)" version (\S+) .*on (http:\/\/\S+) and grpc (\S+)$/.exec(msg);
          if (m) {
            clearTimeout(timer);
            resolve({ model: m[1]!, version: m[2]!, http: m[3]!, grpc: m[4]! });
          }
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with code ${code} before it listened: ${(err || out).slice(-800)}`));
      });
    },
  ).catch((e: Error) => {
    child.kill("SIGKILL");
    throw new UserError(`smoke test: the image did not start (${e.message}). Check the model and the base image.`);
  });
  return { child, ...listening };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function decodeRaw(datatype: string, b: Buffer): number[] {
  const view = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  if (datatype === "FP32") return [...new Float32Array(view)];
  if (datatype === "FP64") return [...new Float64Array(view)];
  if (datatype === "INT64") return [...new BigInt64Array(view)].map(Number);
  if (datatype === "INT32") return [...new Int32Array(view)];
  return [...new Uint8Array(view)];
}

export async function smokeTestImage(opts: SmokeTestOptions): Promise<SmokeTestResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const { request } = opts;
  const rootfs = await mkdtemp(join(tmpdir(), "mlops-smoke-"));
  try {
    await unpackLayout(opts.layout, rootfs);
    const server = await boot(rootfs, opts.layout, timeoutMs);
    try {
      const started = performance.now();
      // The server this step started on 127.0.0.1: never through a proxy, whatever HTTPS_PROXY says.
      // eslint-disable-next-line no-restricted-globals
      const res = await fetch(`${server.http}/v2/models/${encodeURIComponent(server.model)}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) {
        throw new UserError(
          `smoke test: HTTP inference answered ${res.status} (${shown(text, 300)}). Fix smoke-request (${shown(request.path)}) or the model: the image was not pushed.`,
        );
      }
      const http = JSON.parse(text) as { outputs: JsonTensor[] };
      const httpMs = performance.now() - started;

      const Client = inferenceServiceClient();
      const client = new Client(server.grpc, grpc.credentials.createInsecure());
      const grpcStarted = performance.now();
      const reply = await new Promise<{
        outputs: { name: string; datatype: string; shape: string[] }[];
        raw_output_contents: Buffer[];
      }>((resolve, reject) => {
        const wire = {
          model_name: server.model,
          inputs: request.inputs.map((t) => ({
            name: t.name,
            datatype: t.datatype,
            shape: t.shape,
            contents: {
              [CONTENTS[t.datatype]!]: t.datatype === "BYTES" ? t.data.map((v) => Buffer.from(String(v))) : t.data,
            },
          })),
          outputs: request.outputs ?? [],
        };
        client.ModelInfer!(wire, { deadline: Date.now() + timeoutMs }, (e: grpc.ServiceError | null, r: unknown) =>
          e ? reject(e) : resolve(r as never),
        );
      }).catch((e: Error) => {
        throw new UserError(`smoke test: gRPC ModelInfer failed (${e.message}). The image was not pushed.`);
      });
      const grpcMs = performance.now() - grpcStarted;
      client.close();
      for (const [i, out] of http.outputs.entries()) {
        const g = reply.outputs.findIndex((o) => o.name === out.name);
        const values = g < 0 ? [] : decodeRaw(reply.outputs[g]!.datatype, reply.raw_output_contents[g]!);
        const same =
          values.length === out.data.length &&
          values.every((v, j) => Math.abs(v - Number(out.data[j])) <= 1e-6 * Math.max(1, Math.abs(v)));
        if (!same) {
          throw new UserError(
            `smoke test: output ${shown(out.name)} differs between HTTP and gRPC (output ${i}; HTTP ${shown(JSON.stringify(out.data), 120)}, gRPC ${shown(JSON.stringify(values), 120)}). The image was not pushed.`,
          );
        }
      }
      const outputs = http.outputs.map((o) => ({ name: o.name, shape: o.shape }));
      const shapes = outputs.map((o) => `${o.name} [${o.shape.join(", ")}]`).join(", ");
      const summary = `${server.model} v${server.version} booted from the image and answered the sample request over HTTP (${Math.round(httpMs)} ms) and gRPC (${Math.round(grpcMs)} ms) with the same ${shapes}`;
      opts.logger.info(`package-edge: smoke test: ${summary}`);
      return { model: server.model, version: server.version, outputs, httpMs, grpcMs, summary };
    } finally {
      await stop(server.child);
    }
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}
