/**
 * The inference server with the example model (failure-predictor, `logisticModel`), run in the test's process,
 * and a grpc-js client of it: what the serve tests share.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll } from "vitest";
import { inferenceServiceClient, type RunningServer, type ServeOptions, startServer } from "../../shared/serve";
import { logisticModel } from "../../shared/serve/example-models";

/** The example server's options: HTTP on a free port, no gRPC and no process metrics unless `options` say so. */
export function exampleServerOptions(options: Partial<ServeOptions> = {}): ServeOptions {
  return {
    model: logisticModel(),
    modelName: "failure-predictor",
    httpPort: 0,
    grpcPort: null,
    processMetrics: false,
    ...options,
  };
}

/** A grpc-js client of the server's inference service. */
export function grpcClient(server: RunningServer): grpc.Client {
  return new (inferenceServiceClient())(server.grpcAddress!, grpc.credentials.createInsecure());
}

/**
 * The example server, started before the tests of the enclosing file or describe block and closed after them,
 * with a gRPC client when `options.grpcPort` opens gRPC.
 */
export function useExampleServer(options: Partial<ServeOptions> = {}): {
  readonly server: RunningServer;
  /** The model's HTTP route: `<server>/v2/models/<model name>`. */
  readonly base: string;
  readonly client: grpc.Client;
} {
  const opts = exampleServerOptions(options);
  let server: RunningServer | undefined;
  let client: grpc.Client | undefined;
  beforeAll(async () => {
    server = await startServer(opts);
    if (opts.grpcPort !== null) client = grpcClient(server);
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the example server's ${what} is not there: use it inside a test`);
    return value;
  };
  return {
    get server() {
      return started(server, "server");
    },
    get base() {
      return `${started(server, "server").httpUrl}/v2/models/${opts.modelName}`;
    },
    get client() {
      return started(client, "gRPC client (start it with grpcPort: 0)");
    },
  };
}

type Callback = (err: grpc.ServiceError | null, value: unknown) => void;

/** Call a unary method of the inference service within `timeoutMs`; the error or the answer, as the client got it. */
export function grpcCall(
  client: grpc.Client,
  method: string,
  request: unknown,
  timeoutMs = 10_000,
): Promise<{ err: grpc.ServiceError | null; value: unknown }> {
  return new Promise((resolve) => {
    const fn = (client as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: Callback) => void>)[method]!;
    fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err, value) => resolve({ err, value }));
  });
}
