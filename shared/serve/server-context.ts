import type { Capture } from "../capture";
import { isUserError, shown, UserError } from "../errors";
import type { Logger } from "../log";
import type { Admission } from "./admission";
import type { EncodedInferRequest, EncodedInferResponse } from "./inference-worker";
import type { ServeLimits } from "./limits";
import type { ServeMetrics } from "./metrics";
import type { ServedModel } from "./model";

export const SERVER_NAME = "mlops-serve";
export const SERVER_VERSION = "1.0.0";
/** Extensions listed in server metadata (Triton's name for the HTTP binary tensor data extension). */
export const SERVER_EXTENSIONS = ["binary_tensor_data"];

/** What both transports share: the model, the metrics, the logger and the readiness state. */
export interface ServerContext {
  model: ServedModel;
  metrics: ServeMetrics;
  logger: Logger;
  limits: ServeLimits;
  /** Byte budget, concurrency and queue of inference requests (both transports share it). */
  admission: Admission;
  /**
   * Decodes, runs and encodes a large HTTP inference request off the main thread (absent when requests are
   * captured: capture reads the decoded request and result here).
   */
  inferEncoded?: (request: EncodedInferRequest) => Promise<EncodedInferResponse>;
  /** The same for a large gRPC ModelInferRequest (its bytes in, the encoded ModelInferResponse out). */
  inferGrpcEncoded?: (request: Omit<EncodedInferRequest, "jsonLength">) => Promise<EncodedInferResponse>;
  /** Set when answered requests are captured (--capture-dir). */
  capture?: Capture;
  /** False once shutdown has begun: readiness probes fail so load balancers stop sending traffic. */
  ready(): boolean;
}

/** Error kinds and how each transport reports them. */
export type ErrorKind = "bad_request" | "not_found" | "payload_too_large" | "unavailable" | "internal";

export const HTTP_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  not_found: 404,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
};

/** Classifies an error: UserErrors carry their kind in `code` (default bad_request); anything else is a bug. */
export function classify(e: unknown): { kind: ErrorKind; message: string } {
  if (isUserError(e)) {
    const code = e.code;
    const kind: ErrorKind =
      code === "not_found" || code === "payload_too_large" || code === "unavailable" ? code : "bad_request";
    return { kind, message: e.message };
  }
  return { kind: "internal", message: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

/** Resolves a model name + optional version against the served model, or throws a not_found UserError. */
export function findModel(ctx: Pick<ServerContext, "model">, name: string, version: string | undefined): ServedModel {
  const m = ctx.model;
  if (name !== m.name) {
    throw new UserError(`model: unknown model (got ${shown(name)}). This server serves "${m.name}".`, {
      code: "not_found",
    });
  }
  if (version !== undefined && version !== "" && version !== m.version) {
    throw new UserError(
      `model "${m.name}": unknown version (got ${shown(version)}). This server serves version "${m.version}".`,
      { code: "not_found" },
    );
  }
  return m;
}
