/**
 * A byte budget for what grpc-js holds of incoming messages. grpc-js gathers a whole message (up to
 * --max-body-bytes) in memory before the service sees it, so calls sent at once could hold calls × 64 MiB
 * before any admission check. This interceptor reads each call's gRPC framing (a 1-byte flag and a 4-byte
 * big-endian length before every message) as data frames arrive, and reserves a message's whole length from the
 * budget when its 5-byte prefix arrives, before its body is buffered; past the budget the call ends with
 * RESOURCE_EXHAUSTED at once and its bytes are never gathered. The bytes go back when the call's stream closes
 * (after its answer). ModelInfer is the only method whose messages may be large: the others' messages are small
 * by the protocol, are held to SMALL_MESSAGE_BYTES each, and never count against (or wait for) the budget, so
 * ServerLive, ServerReady and the metadata calls answer while inference is saturated.
 *
 * grpc-js has no public hook for incoming data frames; the interceptor wraps the per-call decoder that the
 * innermost call object holds (@grpc/grpc-js 1.14, server-interceptors.ts `BaseServerInterceptingCall`). A call
 * whose object does not look like that is refused with INTERNAL rather than served unbounded, and the tests of
 * this file fail on such an upgrade.
 */
import * as grpc from "@grpc/grpc-js";

/** Largest message of a method other than ModelInfer (they carry a model name and version at most). */
export const SMALL_MESSAGE_BYTES = 64 * 1024;

const INFER_PATH = "/inference.GRPCInferenceService/ModelInfer";

interface InnermostCall {
  decoder?: { write(data: Buffer): Buffer[] };
  stream?: { once(event: "close", listener: () => void): unknown };
}

export interface GrpcReceiveBudget {
  readonly interceptor: grpc.ServerInterceptor;
  /** Bytes reserved by ModelInfer calls whose streams are still open. */
  readonly held: number;
}

function exhausted(message: string): Error {
  // grpc-js answers an error thrown by its decoder with RESOURCE_EXHAUSTED and this message as details.
  return new Error(message);
}

/**
 * A budget of `limit` bytes shared by all ModelInfer calls (the first message is always taken whole). A message
 * over `maxMessage` reserves nothing: grpc-js refuses it by its own limit. A compressed message reserves
 * `maxMessage`, the most grpc-js lets it decompress to.
 */
export function grpcReceiveBudget(limit: number, maxMessage: number): GrpcReceiveBudget {
  let held = 0;

  const interceptor: grpc.ServerInterceptor = (method, call) => {
    const inner = call as unknown as InnermostCall;
    const decoder = inner.decoder;
    if (!decoder || typeof decoder.write !== "function" || typeof inner.stream?.once !== "function") {
      call.sendStatus({
        code: grpc.status.INTERNAL,
        details:
          "internal error: this grpc-js version cannot be held to --max-grpc-pending-bytes; install the version in package-lock.json",
      });
      return new grpc.ServerInterceptingCall(call);
    }
    const infer = method.path === INFER_PATH;
    let mine = 0;
    // Framing state: bytes of the current prefix still to read, then bytes of the current body to skip.
    let prefixLeft = 5;
    const prefix = Buffer.alloc(5);
    let bodyLeft = 0;
    const write = decoder.write.bind(decoder);
    decoder.write = (data: Buffer): Buffer[] => {
      let at = 0;
      while (at < data.length) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, data.length - at);
          bodyLeft -= n;
          at += n;
          continue;
        }
        const n = Math.min(prefixLeft, data.length - at);
        data.copy(prefix, 5 - prefixLeft, at, at + n);
        prefixLeft -= n;
        at += n;
        if (prefixLeft > 0) break;
        prefixLeft = 5;
        bodyLeft = prefix.readUInt32BE(1);
        if (!infer) {
          if (bodyLeft > SMALL_MESSAGE_BYTES) {
            throw exhausted(
              `request: ${method.path.split("/").pop()} messages are at most ${SMALL_MESSAGE_BYTES} bytes (got ${bodyLeft}). Send the request as grpc_predict_v2.proto defines it.`,
            );
          }
          continue;
        }
        if (bodyLeft > maxMessage) break;
        const size = 5 + (prefix[0] === 0 ? bodyLeft : Math.max(bodyLeft, maxMessage));
        if (held > 0 && held + size > limit) {
          throw exhausted(
            `server: gRPC messages being received or served already hold ${held} bytes; this one (${bodyLeft} bytes) would pass the limit of ${limit} (got ${size} more). Retry shortly, send fewer rows per request, or raise --max-grpc-pending-bytes.`,
          );
        }
        held += size;
        mine += size;
      }
      return write(data);
    };
    inner.stream!.once("close", () => {
      held -= mine;
      mine = 0;
    });
    return new grpc.ServerInterceptingCall(call);
  };

  return {
    interceptor,
    get held() {
      return held;
    },
  };
}
