/**
 * Edge inference server: serves one ONNX model over the Open Inference Protocol v2 (KServe/Triton/MLServer),
 * HTTP/REST (with the binary tensor data extension) and gRPC (`inference.GRPCInferenceService`), with
 * Prometheus /metrics and graceful shutdown. `main.ts` is the bundled entry (dist/serve.js).
 */
export { inferenceServiceClient, PROTO_LOADER_OPTIONS } from "./grpc-definition";
export { GRPC_PREDICT_V2_PROTO } from "./grpc-predict-v2-proto";
export { jsonLogger } from "./json-logger";
export { DEFAULT_LIMITS, MAX_JSON_DEPTH, type ServeLimits } from "./limits";
export type { InferRequest, InferResult, ServedModel, TensorMetadata } from "./model";
export { type ResolvedModel, type RunServeOptions, runServe } from "./run-serve";
export {
  type LogLevel,
  parseServeArgs,
  SERVE_FLAGS,
  SERVE_USAGE,
  type ServeArgs,
  serveArgsFromFlags,
  serveUsage,
} from "./serve-args";
export { type RunningServer, type ServeOptions, startServer } from "./server";
export type { Datatype, Tensor } from "./tensor";
