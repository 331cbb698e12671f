import * as grpc from "@grpc/grpc-js";
import { shown, UserError } from "../errors";
import { sampleCapture } from "./capture-hook";
import { grpcReceiveBudget } from "./grpc-budget";
import { inferenceServiceClient } from "./grpc-definition";
import { checkInferRequestWire, OFFLOAD_BODY_BYTES } from "./limits";
import type { InferRequest, InferResult, ServedModel } from "./model";
import {
  classify,
  type ErrorKind,
  findModel,
  SERVER_EXTENSIONS,
  SERVER_NAME,
  SERVER_VERSION,
  type ServerContext,
} from "./server-context";
import {
  DATATYPES,
  type Datatype,
  fromBinaryData,
  isDatatype,
  type Parameters,
  type Tensor,
  type TensorData,
  toBinaryData,
} from "./tensor";

const GRPC_STATUS: Record<ErrorKind, grpc.status> = {
  bad_request: grpc.status.INVALID_ARGUMENT,
  not_found: grpc.status.NOT_FOUND,
  payload_too_large: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  internal: grpc.status.INTERNAL,
};

/** InferParameter as decoded with `oneofs: true`. */
interface WireParameter {
  parameter_choice?: string;
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  double_param?: number;
  uint64_param?: string;
}

interface WireContents {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: string[];
  uint_contents: number[];
  uint64_contents: string[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Buffer[];
}

interface WireInput {
  name: string;
  datatype: string;
  shape: string[];
  parameters: Record<string, WireParameter>;
  contents: WireContents | null;
}

interface WireInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, WireParameter>;
  inputs: WireInput[];
  outputs: { name: string; parameters: Record<string, WireParameter> }[];
  raw_input_contents: Buffer[];
}

function bad(message: string): UserError {
  return new UserError(message, { code: "bad_request" });
}

function fromWireParameters(p: Record<string, WireParameter> | undefined): Parameters | undefined {
  if (!p) return undefined;
  const out: Parameters = {};
  for (const [k, v] of Object.entries(p)) {
    const choice = v.parameter_choice as keyof WireParameter | undefined;
    const value = choice ? v[choice] : undefined;
    if (value === undefined) continue;
    out[k] =
      choice === "int64_param" || choice === "uint64_param" ? Number(value) : (value as string | number | boolean);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Typed `contents` → elements, checked against the shape's element count. */
function fromContents(input: WireInput, datatype: Datatype, shape: number[], where: string, count: number): TensorData {
  const c = input.contents;
  const pick = (field: keyof WireContents): unknown[] => {
    const values = (c?.[field] ?? []) as unknown[];
    if (values.length !== count) {
      throw bad(
        `${where}: contents.${field} holds ${values.length} elements but shape ${shown(shape)} needs ${count} (got ${values.length}). Fill ${field} to match the shape, or send raw_input_contents.`,
      );
    }
    return values;
  };
  switch (datatype) {
    case "BOOL":
      return Uint8Array.from(pick("bool_contents") as boolean[], (b) => (b ? 1 : 0));
    case "INT8":
      return Int8Array.from(pick("int_contents") as number[]);
    case "INT16":
      return Int16Array.from(pick("int_contents") as number[]);
    case "INT32":
      return Int32Array.from(pick("int_contents") as number[]);
    case "INT64":
      return BigInt64Array.from(pick("int64_contents") as string[], (s) => BigInt(s));
    case "UINT8":
      return Uint8Array.from(pick("uint_contents") as number[]);
    case "UINT16":
      return Uint16Array.from(pick("uint_contents") as number[]);
    case "UINT32":
      return Uint32Array.from(pick("uint_contents") as number[]);
    case "UINT64":
      return BigUint64Array.from(pick("uint64_contents") as string[], (s) => BigInt(s));
    case "FP32":
      return Float32Array.from(pick("fp32_contents") as number[]);
    case "FP64":
      return Float64Array.from(pick("fp64_contents") as number[]);
    case "BYTES":
      return (pick("bytes_contents") as Buffer[]).map((b) => b.toString("utf8"));
    case "FP16":
      throw bad(`${where}: FP16 has no typed contents field (got FP16). Send FP16 tensors in raw_input_contents.`);
  }
}

/** ModelInferRequest → InferRequest (typed contents or raw_input_contents). */
export function decodeGrpcInferRequest(wire: WireInferRequest): InferRequest {
  const raw = wire.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== wire.inputs.length) {
    throw bad(
      `raw_input_contents: needs one entry per input, ${wire.inputs.length} (got ${raw.length}). Send the raw bytes of every input in input order.`,
    );
  }
  if (wire.inputs.length === 0) {
    throw bad(`inputs: at least one input tensor is required (got 0). Send the model's inputs.`);
  }
  const inputs = wire.inputs.map((input, i): Tensor => {
    const where = `inputs[${i}] "${input.name}"`;
    if (!isDatatype(input.datatype)) {
      throw bad(`${where}: unknown datatype (got ${shown(input.datatype)}). Use one of ${DATATYPES.join(", ")}.`);
    }
    const shape = input.shape.map(Number);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`${where}: shape must hold non-negative integers (got ${shown(input.shape)}). Send e.g. [1, 5].`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    const rawBytes = raw[i];
    const data = rawBytes
      ? fromBinaryData(rawBytes, input.datatype, shape, where)
      : fromContents(input, input.datatype, shape, where, count);
    return { name: input.name, datatype: input.datatype, shape, data };
  });
  const request: InferRequest = { inputs };
  if (wire.id) request.id = wire.id;
  const params = fromWireParameters(wire.parameters);
  if (params) request.parameters = params;
  if (wire.outputs.length > 0) {
    request.outputs = wire.outputs.map((o) => {
      const p = fromWireParameters(o.parameters);
      return p ? { name: o.name, parameters: p } : { name: o.name };
    });
  }
  return request;
}

type Handler = grpc.handleUnaryCall<unknown, unknown>;

interface WireInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; datatype: string; shape: number[] }[];
  raw_output_contents: Buffer[];
}

/**
 * Decodes a ModelInferRequest's bytes (already checked against the limits), finds the model it names and runs
 * it: the same steps on the main thread and on the worker thread.
 */
async function inferWire(
  ctx: Pick<ServerContext, "model">,
  bytes: Buffer,
): Promise<{ request: InferRequest; result: InferResult; response: WireInferResponse }> {
  let r: WireInferRequest;
  try {
    r = (inferenceServiceClient().service.ModelInfer!.requestDeserialize as (b: Buffer) => WireInferRequest)(bytes);
  } catch (e) {
    throw bad(
      `request: not a valid ModelInferRequest (got ${bytes.byteLength} bytes: ${(e as Error).message}). Send a message encoded from grpc_predict_v2.proto.`,
    );
  }
  const m = findModel(ctx, r.model_name, r.model_version);
  const request = decodeGrpcInferRequest(r);
  const result = await m.infer(request);
  const response: WireInferResponse = {
    model_name: m.name,
    model_version: m.version,
    id: request.id ?? "",
    outputs: result.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    raw_output_contents: result.outputs.map((t) => {
      const b = toBinaryData(t.data);
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    }),
  };
  return { request, result, response };
}

/**
 * A ModelInferRequest's bytes → the encoded ModelInferResponse, with every check of the main thread's path
 * (limits, model name and version, inputs): what the worker thread does with a large message.
 */
export async function answerWire(
  model: ServedModel,
  bytes: Buffer,
  maxElements: number,
): Promise<{ body: Buffer; rows: number }> {
  checkInferRequestWire(bytes, maxElements);
  const { request, response } = await inferWire({ model }, bytes);
  const body = inferenceServiceClient().service.ModelInfer!.responseSerialize(response);
  return { body, rows: request.inputs[0]?.shape[0] ?? 0 };
}

/** The Open Inference Protocol over gRPC (`inference.GRPCInferenceService`). */
export function createGrpcServer(ctx: ServerContext): grpc.Server {
  const { metrics, logger, limits, admission } = ctx;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": limits.maxBodyBytes,
    "grpc.max_send_message_length": -1,
    // What grpc-js gathers of incoming messages is held to a budget from each message's length prefix.
    interceptors: [grpcReceiveBudget(limits.maxGrpcPendingBytes, limits.maxBodyBytes).interceptor],
  });

  const unary =
    (route: string, fn: (request: never) => Promise<unknown> | unknown): Handler =>
    (call, callback) => {
      const started = process.hrtime.bigint();
      metrics.inflight("grpc", 1);
      const done = (status: grpc.status, err: grpc.ServiceError | null, value?: unknown) => {
        metrics.inflight("grpc", -1);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.observe("grpc", route, grpc.status[status] ?? String(status), seconds, status !== grpc.status.OK);
        callback(err, value);
      };
      Promise.resolve()
        .then(() => fn(call.request as never))
        .then(
          (value) => done(grpc.status.OK, null, value),
          (e: unknown) => {
            const { kind, message } = classify(e);
            if (kind === "internal") logger.warning(`grpc ${route}: ${(e as Error)?.stack ?? message}`);
            else logger.debug(`grpc ${route}: ${message}`);
            const code = GRPC_STATUS[kind];
            done(code, Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() }));
          },
        );
    };

  const service = inferenceServiceClient().service;
  const serializeInfer = service.ModelInfer!.responseSerialize;
  // ModelInfer arrives as its bytes: they are checked against the limits before protobuf decoding would build
  // one object per element, and decoded only once the request holds a slot. An answer the worker thread already
  // encoded leaves as the bytes it is.
  const definition: grpc.ServiceDefinition = {
    ...service,
    ModelInfer: {
      ...service.ModelInfer!,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : serializeInfer(value)),
    },
  };
  server.addService(definition, {
    ServerLive: unary("live", () => ({ live: true })),
    ServerReady: unary("ready", () => ({ ready: ctx.ready() })),
    ModelReady: unary("model_ready", (r: { name: string; version: string }) => {
      findModel(ctx, r.name, r.version);
      return { ready: ctx.ready() };
    }),
    ServerMetadata: unary("server_metadata", () => ({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      extensions: SERVER_EXTENSIONS,
    })),
    ModelMetadata: unary("model_metadata", (r: { name: string; version: string }) => {
      const m = findModel(ctx, r.name, r.version);
      return { name: m.name, versions: [m.version], platform: m.platform, inputs: m.inputs, outputs: m.outputs };
    }),
    ModelInfer: unary("infer", async (bytes: Buffer) => {
      const offload = ctx.inferGrpcEncoded;
      if (offload && bytes.byteLength > OFFLOAD_BODY_BYTES) {
        // A large message is checked, decoded, run and encoded on the worker thread: counting millions of wire
        // entries or building their objects here would hold up every other call and probe.
        admission.reserve(bytes.byteLength);
        try {
          return await admission.run(async () => {
            const encoded = await offload({ body: bytes, limits });
            metrics.rows(encoded.rows);
            return encoded.body;
          }, "heavy");
        } finally {
          admission.free(bytes.byteLength);
        }
      }
      // Counting is linear in the bytes and allocates nothing: refused requests never wait for a slot.
      checkInferRequestWire(bytes, limits.maxElements);
      admission.reserve(bytes.byteLength);
      try {
        return await admission.run(() => infer(bytes));
      } finally {
        admission.free(bytes.byteLength);
      }
    }),
  });

  async function infer(bytes: Buffer): Promise<unknown> {
    const { request, result, response } = await inferWire(ctx, bytes);
    metrics.rows(request.inputs[0]?.shape[0] ?? 0);
    const captured = sampleCapture(ctx.capture, request, undefined);
    if (captured?.generated) response.id = captured.generated;
    // Recorded once grpc-js has taken the response (after this call's promise callbacks), off the client's wait.
    if (captured) {
      setImmediate(() => {
        try {
          captured.record(result);
        } catch (e) {
          // Outside the call now: a capture failure must not take the server down, and the answer is already sent.
          ctx.logger.warning(`capture: ${(e as Error)?.stack ?? String(e)}`);
        }
      });
    }
    return response;
  }
  return server;
}
