import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { grpcCall, useExampleServer } from "../services/example-server";
import { dawdler } from "../services/grpc-dawdler";

// The byte budget of gRPC ModelInfer messages: bytes are reserved from a message's 5-byte length prefix, before
// grpc-js gathers its body, so a client that announces a large message and dawdles holds the budget, and the
// next large call is refused at once with RESOURCE_EXHAUSTED while small calls and health still answer.

const BUDGET = 1_000_000;
const example = useExampleServer({ grpcPort: 0, maxBodyBytes: 4_000_000, maxGrpcPendingBytes: BUDGET });
const call = (method: string, request: unknown) => grpcCall(example.client, method, request, 20_000);

/** A ModelInfer request of `rows` rows as raw FP32 bytes (20 bytes a row). */
function inferRequest(rows: number) {
  return {
    model_name: "failure-predictor",
    inputs: [{ name: "input", datatype: "FP32", shape: [rows, 5] }],
    raw_input_contents: [Buffer.from(new Float32Array(rows * 5).fill(300).buffer)],
  };
}

describe("serve over gRPC: the --max-grpc-pending-bytes budget", () => {
  it("refuses a large ModelInfer with RESOURCE_EXHAUSTED while another holds the budget, then serves it once it is freed", async () => {
    const slow = dawdler(example.server.grpcAddress!, 900_000);
    let refused: grpc.ServiceError | null = null;
    // The dawdler's reservation is made when its prefix arrives; retry until the server has seen it.
    for (let i = 0; i < 100 && !refused; i++) {
      const r = await call("ModelInfer", inferRequest(25_000));
      if (r.err?.code === grpc.status.RESOURCE_EXHAUSTED) refused = r.err;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused?.details).toMatch(/already hold \d+ bytes.*limit of 1000000.*--max-grpc-pending-bytes/);
    // Health, metadata and small requests do not count against the budget.
    expect((await call("ServerLive", {})).value).toEqual({ live: true });
    expect((await call("ModelMetadata", { name: "failure-predictor" })).err).toBeNull();
    expect((await call("ModelInfer", inferRequest(2))).err).toBeNull();
    slow.close();
    let served: { err: grpc.ServiceError | null } | undefined;
    for (let i = 0; i < 100; i++) {
      served = await call("ModelInfer", inferRequest(25_000));
      if (!served.err) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(served!.err).toBeNull();
  }, 60_000);

  it("holds the other methods' messages to 64 KiB", async () => {
    const r = await call("ModelMetadata", { name: "x".repeat(70_000) });
    expect(r.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.err?.details).toMatch(/ModelMetadata messages are at most 65536 bytes/);
    expect((await call("ServerReady", {})).value).toEqual({ ready: true });
  });
});
