import { parseArgs } from "node:util";
import { shown, UserError } from "../errors";
import { CAPTURE_FLAGS, CAPTURE_USAGE, captureFromFlags } from "./capture-args";
import { DEFAULT_LIMITS, type ServeLimits } from "./limits";
import type { ServeOptions } from "./server";

export type LogLevel = "debug" | "info" | "warning";

/** Server settings from the command line and the environment; `model` is a path or a registry ref to resolve. */
export interface ServeArgs extends Omit<ServeOptions, "model" | "logger"> {
  model: string;
  logLevel: LogLevel;
}

/** Usage text; `defaultHost` is where the server listens when neither --host nor MLOPS_HOST says otherwise. */
export function serveUsage(defaultHost = "0.0.0.0"): string {
  const d = DEFAULT_LIMITS;
  return `Usage: serve --model <file.onnx> [options]
  --model <path>              ONNX model to serve, or a folder holding model.onnx (env AZUREML_MODEL_DIR,
                              where Azure ML mounts a deployment's model, else MLOPS_MODEL;
                              MLOPS_MODEL_SOURCE=image: MLOPS_MODEL only)
  --model-name <name>         name in /v2/models/<name> (env MLOPS_MODEL_NAME; default: file name)
  --model-version <v>         version reported and accepted (env MLOPS_MODEL_VERSION; default 1)
  --host <addr>               interface to listen on (env MLOPS_HOST; default ${defaultHost})
  --http-port <n>             HTTP port (env PORT; default 8080)
  --grpc-port <n>             gRPC port, "off" to disable (env MLOPS_GRPC_PORT; default 8081)
  --max-body-bytes <n>        largest request body or gRPC message (env MLOPS_MAX_BODY_BYTES; default ${d.maxBodyBytes})
  --max-json-bytes <n>        largest JSON part of a request (env MLOPS_MAX_JSON_BYTES; default ${d.maxJsonBytes})
  --max-elements <n>          most tensor elements per request (env MLOPS_MAX_ELEMENTS; default ${d.maxElements})
  --max-concurrency <n>       inference requests run at once (env MLOPS_MAX_CONCURRENCY; default ${d.maxConcurrency})
  --max-queue <n>             inference requests waiting, then busy (env MLOPS_MAX_QUEUE; default ${d.maxQueue})
  --max-pending-bytes <n>     request bytes held at once, then busy (env MLOPS_MAX_PENDING_BYTES; default ${d.maxPendingBytes})
  --max-grpc-pending-bytes <n>  gRPC ModelInfer bytes held at once, then RESOURCE_EXHAUSTED
                              (env MLOPS_MAX_GRPC_PENDING_BYTES; default ${d.maxGrpcPendingBytes})
  --threads <n>               onnxruntime intra-op threads (env MLOPS_THREADS; default: onnxruntime's choice)
  --log-level <level>         debug | info | warning (env MLOPS_LOG_LEVEL; default info)
${CAPTURE_USAGE}`;
}

/** The usage of the image's entry point, which listens on every interface by default. */
export const SERVE_USAGE = serveUsage();

/** The limit flags: flag name, environment variable, option key and smallest value. */
const LIMIT_ARGS = [
  ["max-body-bytes", "MLOPS_MAX_BODY_BYTES", "maxBodyBytes", 1],
  ["max-json-bytes", "MLOPS_MAX_JSON_BYTES", "maxJsonBytes", 1],
  ["max-elements", "MLOPS_MAX_ELEMENTS", "maxElements", 1],
  ["max-concurrency", "MLOPS_MAX_CONCURRENCY", "maxConcurrency", 1],
  ["max-queue", "MLOPS_MAX_QUEUE", "maxQueue", 0],
  ["max-pending-bytes", "MLOPS_MAX_PENDING_BYTES", "maxPendingBytes", 1],
  ["max-grpc-pending-bytes", "MLOPS_MAX_GRPC_PENDING_BYTES", "maxGrpcPendingBytes", 1],
] as const satisfies readonly (readonly [string, string, keyof ServeLimits, number])[];

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UserError(
      `${name}: must be an integer from ${min} to ${max} (got ${shown(value)}). Pass e.g. ${Math.max(min, 8080)}.`,
    );
  }
  return n;
}

/**
 * Parses `serve` arguments; flags win over environment variables. The image's entry point listens on 0.0.0.0 by
 * default (it runs in a container); `mlops serve` passes `defaultHost` 127.0.0.1, as `startServer` defaults to.
 */
export function parseServeArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  defaultHost = "0.0.0.0",
): ServeArgs {
  const usage = serveUsage(defaultHost);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        model: { type: "string" },
        "model-name": { type: "string" },
        "model-version": { type: "string" },
        host: { type: "string" },
        "http-port": { type: "string" },
        "grpc-port": { type: "string" },
        ...Object.fromEntries(LIMIT_ARGS.map(([flag]) => [flag, { type: "string" as const }])),
        threads: { type: "string" },
        "log-level": { type: "string" },
        ...Object.fromEntries(Object.keys(CAPTURE_FLAGS).map((f) => [f, { type: "string" as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UserError(`serve: ${(e as Error).message} (got ${shown(argv.join(" "))}). ${usage}`, { cause: e });
  }
  const pick = (flag: string, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === "string" ? v : env[envName] || undefined;
  };
  // Azure ML sets AZUREML_MODEL_DIR in a custom container to the mounted model: it wins over the model baked
  // into the image (MLOPS_MODEL), so one image serves whatever model a deployment mounts. A deployment of the
  // baked model (deploy-online's <name>@<version> with image) sets MLOPS_MODEL_SOURCE=image: then only the
  // image's model is served, whatever folder the platform may name.
  const source = env.MLOPS_MODEL_SOURCE || undefined;
  if (source !== undefined && source !== "image") {
    throw new UserError(
      `MLOPS_MODEL_SOURCE: ${shown(source)} is not a model source. Set it to image (serve the model baked into the image, ignoring AZUREML_MODEL_DIR) or leave it unset.`,
    );
  }
  const mounted = source === "image" ? undefined : env.AZUREML_MODEL_DIR;
  const model = typeof values.model === "string" ? values.model : mounted || env.MLOPS_MODEL || undefined;
  if (!model) {
    throw new UserError(
      `model: no model given (got nothing). Pass --model <file.onnx> or set MLOPS_MODEL (or AZUREML_MODEL_DIR).\n${usage}`,
    );
  }
  const out: ServeArgs = { model, host: pick("host", "MLOPS_HOST") ?? defaultHost, logLevel: "info" };
  const name = pick("model-name", "MLOPS_MODEL_NAME");
  if (name !== undefined) out.modelName = name;
  const version = pick("model-version", "MLOPS_MODEL_VERSION");
  if (version !== undefined) out.modelVersion = version;
  const http = pick("http-port", "PORT");
  out.httpPort = http === undefined ? 8080 : integer(http, "http-port", 0, 65535);
  const grpc = pick("grpc-port", "MLOPS_GRPC_PORT");
  out.grpcPort = grpc === undefined ? 8081 : grpc === "off" ? null : integer(grpc, "grpc-port", 0, 65535);
  for (const [flag, envName, key, min] of LIMIT_ARGS) {
    const value = pick(flag, envName);
    if (value !== undefined) out[key] = integer(value, flag, min, Number.MAX_SAFE_INTEGER);
  }
  const threads = pick("threads", "MLOPS_THREADS");
  if (threads !== undefined) out.threads = integer(threads, "threads", 1, 1024);
  const level = pick("log-level", "MLOPS_LOG_LEVEL") ?? "info";
  if (level !== "debug" && level !== "info" && level !== "warning") {
    throw new UserError(`log-level: unknown level (got ${shown(level)}). Use debug, info or warning.`);
  }
  const capture = captureFromFlags(pick, env);
  if (capture) out.capture = capture;
  out.logLevel = level;
  return out;
}

/** The flags the server takes (the `mlops serve` CLI adds --registry). */
export const SERVE_FLAGS = [
  "model",
  "model-name",
  "model-version",
  "host",
  "http-port",
  "grpc-port",
  ...LIMIT_ARGS.map(([flag]) => flag),
  "threads",
  "log-level",
  ...(Object.keys(CAPTURE_FLAGS) as (keyof typeof CAPTURE_FLAGS)[]),
] as const;

/**
 * The same from flags a caller already parsed (e.g. the `mlops` CLI's `{ "http-port": "8080" }`); keys that are
 * not serve flags (the CLI's own, like `registry`) are ignored.
 */
export function serveArgsFromFlags(
  flags: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined> = {},
  defaultHost = "0.0.0.0",
): ServeArgs {
  const argv: string[] = [];
  for (const f of SERVE_FLAGS) {
    const v = flags[f];
    if (typeof v === "string") argv.push(`--${f}`, v);
  }
  return parseServeArgs(argv, env, defaultHost);
}
