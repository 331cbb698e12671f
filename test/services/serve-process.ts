/**
 * The inference server in its own process (a bundle such as dist/serve.js, or main.ts through tsx), started as
 * the image starts it and followed through its JSON log: ready when it says on which address it serves.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as esbuild from "esbuild";

const SERVE_MAIN = join(import.meta.dirname, "../../shared/serve/main.ts");

/**
 * Bundles shared/serve/main.ts as scripts/build.mjs bundles dist/serve.js, so a test or benchmark runs the
 * server's current sources in a process that starts as fast as the image's. Put `outfile` inside node_modules
 * (e.g. node_modules/.cache/<name>/serve.js) so the external onnxruntime-node resolves.
 */
export async function bundleServer(outfile: string, opts: { minify?: boolean } = {}): Promise<void> {
  await esbuild.build({
    entryPoints: [SERVE_MAIN],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["onnxruntime-node"],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    minifySyntax: opts.minify ?? false,
    minifyWhitespace: opts.minify ?? false,
    logLevel: "warning",
  });
}

export interface ServeProcess {
  proc: ChildProcess;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** e.g. 127.0.0.1:40124; undefined when gRPC is off. */
  grpc: string | undefined;
  /** Wall time from spawn to the "ready in" log line. */
  readyMs: number;
  /** Log lines so far (JSON text). */
  logs: string[];
  exited: Promise<void>;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The flags that keep a server on this machine: HTTP on 127.0.0.1 at `port` (0: a free one), gRPC off. */
export function loopbackHttpFlags(port: number = 0): string[] {
  return ["--host", "127.0.0.1", "--http-port", String(port), "--grpc-port", "off"];
}

/** Spawns `node <entry...> <args>` and resolves once the server logged its address and "ready in". */
export function spawnServer(
  entry: string[],
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; track?: Set<ChildProcess> } = {},
): Promise<ServeProcess> {
  const started = performance.now();
  const proc = spawn(process.execPath, [...entry, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...opts.env },
  });
  opts.track?.add(proc);
  const logs: string[] = [];
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    let url: string | undefined;
    let grpc: string | undefined;
    const timer = setTimeout(
      () => reject(new Error(`server not ready in ${opts.timeoutMs ?? 60_000} ms: ${err}`)),
      opts.timeoutMs ?? 60_000,
    );
    proc.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
    });
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        const serving = /on (http:\/\/[^ "]+)(?: and grpc ([^ "]+))?/.exec(line);
        if (serving && !url) [url, grpc] = [serving[1], serving[2]];
        if (url && line.includes('"ready in')) {
          clearTimeout(timer);
          resolve({ proc, url, grpc, readyMs: performance.now() - started, logs, exited, stop });
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before it was ready: ${err}`));
    });
  });
}
