import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { CaptureConfig } from "../capture";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { createAdmission } from "./admission";
import { createGrpcServer } from "./grpc-server";
import { createHttpServer } from "./http-server";
import { offloadLargeRequests } from "./inference-worker";
import { createMetrics } from "./metrics";
import { startModelCapture } from "./capture-hook";
import { DEFAULT_LIMITS, type ServeLimits } from "./limits";
import { loadModel, type ServedModel } from "./model";
import type { ServerContext } from "./server-context";

export interface ServeOptions extends Partial<ServeLimits> {
  /** Path to an .onnx file or its bytes (registry refs are resolved by the caller). */
  model: string | Uint8Array;
  /** Model name in URLs; defaults to the file name without `.onnx`. */
  modelName?: string;
  /** Model version reported and accepted in `/versions/{v}`; defaults to "1". */
  modelVersion?: string;
  /** Interface to listen on; default 127.0.0.1 (0.0.0.0 in a container). */
  host?: string;
  /** HTTP port; 0 picks a free one. Default 8080. */
  httpPort?: number;
  /** gRPC port; 0 picks a free one, null disables gRPC. Default 8081. */
  grpcPort?: number | null;
  /** How long shutdown waits for in-flight requests before closing connections. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Include Node process metrics (memory, CPU, event loop) in /metrics. Default true. */
  processMetrics?: boolean;
  /** Capture answered requests to rotating Parquet files (and forward them); off when absent. */
  capture?: CaptureConfig;
  logger?: Logger;
}

export interface RunningServer {
  readonly model: ServedModel;
  /** e.g. http://127.0.0.1:8080 */
  readonly httpUrl: string;
  readonly httpPort: number;
  /** host:port, or undefined when gRPC is disabled. */
  readonly grpcAddress: string | undefined;
  readonly grpcPort: number | undefined;
  /**
   * Graceful shutdown: readiness turns false, listeners stop accepting, in-flight requests finish
   * (up to shutdownTimeoutMs), then connections close and the model is released. Idempotent.
   */
  close(): Promise<void>;
}

function checkPort(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new UserError(
      `${name}: must be a port number 0-65535 (got ${shown(value)}). Pass e.g. 8080, or 0 for any free port.`,
    );
  }
}

function listenHttp(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "EADDRINUSE" || e.code === "EACCES"
          ? new UserError(`http-port: cannot listen on ${host}:${port} (got ${e.code}). Pick another --http-port.`, {
              cause: e,
            })
          : e,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) {
        reject(
          new UserError(`grpc-port: cannot listen on ${address} (got ${err.message}). Pick another --grpc-port.`, {
            cause: err,
          }),
        );
      } else resolve(bound);
    });
  });
}

const LIMIT_FLAGS: Record<keyof ServeLimits, string> = {
  maxBodyBytes: "max-body-bytes",
  maxJsonBytes: "max-json-bytes",
  maxElements: "max-elements",
  maxConcurrency: "max-concurrency",
  maxQueue: "max-queue",
  maxPendingBytes: "max-pending-bytes",
  maxGrpcPendingBytes: "max-grpc-pending-bytes",
};

/** The limits of `options` over the defaults, each checked to be a positive integer (the queue may be 0). */
function servingLimits(options: Partial<ServeLimits>): ServeLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_FLAGS) as (keyof ServeLimits)[]) {
    const value = options[key] ?? DEFAULT_LIMITS[key];
    const min = key === "maxQueue" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new UserError(
        `${LIMIT_FLAGS[key]}: must be an integer of at least ${min} (got ${shown(value)}). Pass e.g. ${DEFAULT_LIMITS[key]}.`,
      );
    }
    limits[key] = value;
  }
  return limits;
}

/** Loads the model and serves it over the Open Inference Protocol (HTTP and gRPC) until `close()`. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const httpPort = options.httpPort ?? 8080;
  const grpcPort = options.grpcPort === undefined ? 8081 : options.grpcPort;
  checkPort(httpPort, "http-port");
  if (grpcPort !== null) checkPort(grpcPort, "grpc-port");
  const limits = servingLimits(options);
  const logger = options.logger ?? silentLogger;
  const loaded = await loadModel({
    model: options.model,
    ...(options.modelName === undefined ? {} : { name: options.modelName }),
    ...(options.modelVersion === undefined ? {} : { version: options.modelVersion }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const model = offloadLargeRequests(loaded, options.model, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    // Capture reads the request's inputs after inference: they must stay in this thread.
    ...(options.capture ? { transferInputs: false } : {}),
  });
  let accepting = true;
  const ctx: ServerContext = {
    model,
    metrics: createMetrics(model, { processMetrics: options.processMetrics !== false }),
    logger,
    limits,
    admission: createAdmission(limits),
    ready: () => accepting,
  };
  if (!options.capture) {
    ctx.inferEncoded = model.inferEncoded;
    ctx.inferGrpcEncoded = model.inferGrpcEncoded;
  }
  if (options.capture) {
    try {
      ctx.capture = await startModelCapture(options.capture, model, ctx.metrics.registry, logger);
    } catch (e) {
      await model.release();
      throw e;
    }
  }
  const http = createHttpServer(ctx);
  const grpcServer = grpcPort === null ? undefined : createGrpcServer(ctx);
  let boundHttp: number;
  let boundGrpc: number | undefined;
  try {
    boundHttp = await listenHttp(http, host, httpPort);
    if (grpcServer) boundGrpc = await bindGrpc(grpcServer, host, grpcPort!);
  } catch (e) {
    http.close();
    grpcServer?.forceShutdown();
    await ctx.capture?.close(0);
    await model.release();
    throw e;
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;
  logger.info(
    `serving model "${model.name}" version ${model.version} on http://${urlHost}:${boundHttp}${boundGrpc === undefined ? "" : ` and grpc ${urlHost}:${boundGrpc}`}`,
  );

  let closing: Promise<void> | undefined;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  async function close(): Promise<void> {
    accepting = false;
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const grpcClosed = grpcServer
      ? new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()))
      : Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), shutdownTimeoutMs);
    });
    // Keep-alive connections that go idle after their last response are closed as they do.
    const sweep = setInterval(() => http.closeIdleConnections(), 50);
    const outcome = await Promise.race([Promise.all([httpClosed, grpcClosed]), timedOut]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (outcome === "timeout") {
      logger.warning(`shutdown: requests still running after ${shutdownTimeoutMs} ms; closing their connections`);
      http.closeAllConnections();
      grpcServer?.forceShutdown();
      await httpClosed;
    }
    await ctx.capture?.close();
    await model.release();
    logger.info("server stopped");
  }

  return {
    model,
    httpUrl: `http://${urlHost}:${boundHttp}`,
    httpPort: boundHttp,
    grpcAddress: boundGrpc === undefined ? undefined : `${urlHost}:${boundGrpc}`,
    grpcPort: boundGrpc,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
