import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceServiceClient, type RunningServer, startServer } from "../../shared/serve";
import { columnsExampleModel, logisticProbability } from "../../shared/serve/example-models";
import { grpcCall, useExampleServer } from "../services/example-server";

// The Open Inference Protocol over gRPC, exercised with a grpc-js client generated from the same
// grpc_predict_v2.proto text the server embeds.

const MAX_MESSAGE = 64 * 1024;
const example = useExampleServer({ modelVersion: "3", grpcPort: 0, maxBodyBytes: MAX_MESSAGE });

type Callback = (err: grpc.ServiceError | null, value: unknown) => void;

async function call<T>(method: string, request: unknown): Promise<T> {
  const { err, value } = await grpcCall(example.client, method, request);
  if (err) throw err;
  return value as T;
}

async function failure(method: string, request: unknown): Promise<grpc.ServiceError> {
  try {
    await call(method, request);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded but should have failed`);
}

interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; datatype: string; shape: string[] }[];
  raw_output_contents: Buffer[];
}

const ROWS = [
  [298.1, 308.6, 1551, 42.8, 0],
  [302.5, 311.3, 1305, 68.2, 210],
];

function probabilities(r: InferResponse): Float32Array {
  const i = r.outputs.findIndex((o) => o.name === "probabilities");
  const raw = r.raw_output_contents[i]!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

describe("serve over gRPC", () => {
  it("answers ServerLive, ServerReady, ModelReady and ServerMetadata", async () => {
    expect(await call("ServerLive", {})).toEqual({ live: true });
    expect(await call("ServerReady", {})).toEqual({ ready: true });
    expect(await call("ModelReady", { name: "failure-predictor", version: "" })).toEqual({ ready: true });
    expect(await call("ModelReady", { name: "failure-predictor", version: "3" })).toEqual({ ready: true });
    expect(await call("ServerMetadata", {})).toMatchObject({ name: "mlops-serve", extensions: ["binary_tensor_data"] });
  });

  it("describes the model in ModelMetadata", async () => {
    expect(await call("ModelMetadata", { name: "failure-predictor" })).toEqual({
      name: "failure-predictor",
      versions: ["3"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: ["-1", "5"] }],
      outputs: [
        { name: "label", datatype: "INT64", shape: ["-1"] },
        { name: "probabilities", datatype: "FP32", shape: ["-1", "2"] },
      ],
    });
  });

  it("infers from typed contents and returns raw output contents", async () => {
    const r = await call<InferResponse>("ModelInfer", {
      model_name: "failure-predictor",
      id: "g-1",
      inputs: [{ name: "input", datatype: "FP32", shape: [2, 5], contents: { fp32_contents: ROWS.flat() } }],
    });
    expect(r.model_name).toBe("failure-predictor");
    expect(r.model_version).toBe("3");
    expect(r.id).toBe("g-1");
    expect(r.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ["label", "INT64", ["2"]],
      ["probabilities", "FP32", ["2", "2"]],
    ]);
    expect(r.raw_output_contents).toHaveLength(2);
    const labels = r.raw_output_contents[0]!;
    expect([labels.readBigInt64LE(0), labels.readBigInt64LE(8)]).toEqual([0n, 1n]);
    const p = probabilities(r);
    expect(p[1]).toBeCloseTo(logisticProbability(ROWS[0]!), 5);
    expect(p[3]).toBeCloseTo(logisticProbability(ROWS[1]!), 5);
  });

  it("infers from raw_input_contents and honours requested outputs", async () => {
    const raw = Buffer.from(Float32Array.from(ROWS.flat()).buffer);
    const r = await call<InferResponse>("ModelInfer", {
      model_name: "failure-predictor",
      model_version: "3",
      inputs: [{ name: "input", datatype: "FP32", shape: [2, 5] }],
      outputs: [{ name: "probabilities" }],
      raw_input_contents: [raw],
    });
    expect(r.outputs.map((o) => o.name)).toEqual(["probabilities"]);
    expect(probabilities(r)[3]).toBeCloseTo(logisticProbability(ROWS[1]!), 5);
  });

  it("maps bad requests to INVALID_ARGUMENT / NOT_FOUND / RESOURCE_EXHAUSTED with a message, and keeps serving", async () => {
    const input = (over: Record<string, unknown>) => ({
      model_name: "failure-predictor",
      inputs: [
        { name: "input", datatype: "FP32", shape: [1, 5], contents: { fp32_contents: [1, 2, 3, 4, 5] }, ...over },
      ],
    });
    const dtype = await failure(
      "ModelInfer",
      input({ datatype: "FP64", contents: { fp64_contents: [1, 2, 3, 4, 5] } }),
    );
    expect(dtype.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(dtype.details).toContain("datatype must be FP32");
    const count = await failure("ModelInfer", input({ shape: [2, 5] }));
    expect(count.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(count.details).toContain("needs 10");
    const name = await failure("ModelInfer", input({ name: "x" }));
    expect(name.details).toContain("Use one of: input");
    const rawCount = await failure("ModelInfer", {
      ...input({ contents: null }),
      raw_input_contents: [Buffer.alloc(20), Buffer.alloc(4)],
    });
    expect(rawCount.details).toContain("one entry per input");
    const rawSize = await failure("ModelInfer", {
      ...input({ contents: null }),
      raw_input_contents: [Buffer.alloc(12)],
    });
    expect(rawSize.details).toContain("needs 20");
    const model = await failure("ModelInfer", { ...input({}), model_name: "nope" });
    expect(model.code).toBe(grpc.status.NOT_FOUND);
    expect(model.details).toContain('"nope"');
    const meta = await failure("ModelMetadata", { name: "failure-predictor", version: "9" });
    expect(meta.code).toBe(grpc.status.NOT_FOUND);
    const big = await failure("ModelInfer", {
      ...input({ contents: null }),
      raw_input_contents: [Buffer.alloc(MAX_MESSAGE + 1)],
    });
    expect(big.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // Still serving after all of that.
    expect((await call<InferResponse>("ModelInfer", input({}))).outputs).toHaveLength(2);
    const metrics = await (await fetch(`${example.server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /oip_request_errors_total\{protocol="grpc",route="infer",status="INVALID_ARGUMENT"\} [5-9]/,
    );
  });
});

describe("serve over gRPC: BYTES and INT64 contents", () => {
  let columns: RunningServer;
  let columnsClient: grpc.Client;
  beforeAll(async () => {
    columns = await startServer({ model: columnsExampleModel(), modelName: "columns", httpPort: 0, grpcPort: 0 });
    columnsClient = new (inferenceServiceClient())(columns.grpcAddress!, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    columnsClient?.close();
    await columns?.close();
  });

  it("feeds bytes_contents and int64_contents", async () => {
    const r = await new Promise<InferResponse>((resolve, reject) =>
      (columnsClient as unknown as Record<string, (r: unknown, cb: Callback) => void>).ModelInfer!.call(
        columnsClient,
        {
          model_name: "columns",
          inputs: [
            { name: "air", datatype: "FP32", shape: [1, 1], contents: { fp32_contents: [300] } },
            { name: "wear", datatype: "INT64", shape: [1, 1], contents: { int64_contents: ["10"] } },
            { name: "type", datatype: "BYTES", shape: [1, 1], contents: { bytes_contents: [Buffer.from("L")] } },
          ],
        },
        (err, value) => (err ? reject(err) : resolve(value as InferResponse)),
      ),
    );
    const p = probabilities(r);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-(0.1 + 1))), 5);
  });
});
