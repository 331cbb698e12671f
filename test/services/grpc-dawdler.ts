/**
 * A gRPC client as grpc-js never is: it opens a `ModelInfer` call on a raw HTTP/2 stream, sends a message's 5-byte
 * length prefix (gRPC over HTTP/2: a compressed flag, then the length, big-endian) and the first bytes of its
 * body, and then sends nothing more. What the server holds for such calls is what an attacker can make it hold.
 */
import { connect } from "node:http2";

export interface Dawdler {
  /** The call's grpc-status once the server answers (headers of a trailers-only answer, or trailers). */
  status: Promise<number>;
  close(): void;
}

export function dawdler(address: string, announced: number, sent = 100): Dawdler {
  const session = connect(`http://${address}`);
  session.on("error", () => {});
  const stream = session.request({
    ":method": "POST",
    ":path": "/inference.GRPCInferenceService/ModelInfer",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  const status = new Promise<number>((resolve) => {
    const pick = (h: Record<string, unknown>) => {
      if (h["grpc-status"] !== undefined) resolve(Number(h["grpc-status"]));
    };
    stream.on("response", pick);
    stream.on("trailers", pick);
  });
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(announced, 1);
  stream.write(Buffer.concat([prefix, Buffer.alloc(sent)]));
  return { status, close: () => session.destroy() };
}
