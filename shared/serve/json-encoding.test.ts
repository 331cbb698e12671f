import { describe, expect, it } from "vitest";
import { encodeInferResponse, encodeInferResponseText } from "./http-codec";
import type { InferRequest, InferResult } from "./model";
import { type Datatype, fromJsonData, jsonDataText, type TensorData, toBinaryData, toJsonData } from "./tensor";

// The hand-written JSON of the fast paths must be byte for byte what JSON.stringify gives.

const SAMPLES: [Datatype, TensorData][] = [
  ["FP32", Float32Array.from([0.1, -0, 1e-7, 3.4e38, Number.NaN, Number.POSITIVE_INFINITY, -1.5, 1e21, 123456789])],
  ["FP64", Float64Array.from([0.1, -0, 5e-324, 1.7976931348623157e308, Number.NEGATIVE_INFINITY, Number.NaN, 2 ** 53])],
  ["INT8", Int8Array.from([-128, 0, 127])],
  ["INT16", Int16Array.from([-32768, 32767])],
  ["INT32", Int32Array.from([-2147483648, 2147483647])],
  ["UINT8", Uint8Array.from([0, 255])],
  ["UINT16", Uint16Array.from([0, 65535])],
  ["UINT32", Uint32Array.from([0, 4294967295])],
  ["INT64", BigInt64Array.from([0n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n])],
  ["UINT64", BigUint64Array.from([0n, 2n ** 64n - 1n, 12345n])],
  ["BOOL", Uint8Array.from([1, 0, 2, 0])],
  ["FP16", Uint16Array.from([0x3c00, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x7bff])],
  ["BYTES", ["a", 'quote " and \\ backslash', "ünïcødé ✓", "\n\u0000", "\ud800"]],
];

describe("jsonDataText", () => {
  for (const [datatype, data] of SAMPLES) {
    it(`writes ${datatype} exactly as JSON.stringify(toJsonData(...))`, () => {
      expect(jsonDataText(datatype, data)).toBe(JSON.stringify(toJsonData(datatype, data)));
    });
  }

  it("writes empty tensors and random floats the same way", () => {
    expect(jsonDataText("FP32", new Float32Array(0))).toBe("[]");
    const f = Float32Array.from({ length: 500 }, (_, i) => Math.sin(i) * 10 ** ((i % 40) - 20));
    expect(jsonDataText("FP32", f)).toBe(JSON.stringify(Array.from(f)));
  });
});

describe("fromJsonData fast path", () => {
  it("gives the same elements as the general path for flat numeric data", () => {
    const data = [1.5, -0, 3, 1e-40, 2 ** 31];
    expect(Array.from(fromJsonData(data, "FP32", [5], "x") as Float32Array)).toEqual(
      Array.from(Float32Array.from(data)),
    );
    expect(Array.from(fromJsonData(data, "FP64", [5], "x") as Float64Array)).toEqual(data);
    expect(Array.from(fromJsonData([-1, 0, 7], "INT32", [3], "x") as Int32Array)).toEqual([-1, 0, 7]);
    // Nested data still goes through the general path.
    expect(
      Array.from(
        fromJsonData(
          [
            [1, 2],
            [3, 4],
          ],
          "FP32",
          [2, 2],
          "x",
        ) as Float32Array,
      ),
    ).toEqual([1, 2, 3, 4]);
  });

  it("leaves errors to the general path, with its messages and element indexes", () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    expect(err(() => fromJsonData([1, "2", 3], "FP32", [3], "x"))).toContain("element 1 is not a number");
    expect(err(() => fromJsonData([1, 2.5], "INT32", [2], "x"))).toContain("element 1 is not an integer in");
    expect(err(() => fromJsonData([1, 256], "UINT8", [2], "x"))).toContain("[0, 255]");
    expect(err(() => fromJsonData([1, 2], "FP32", [3], "x"))).toContain("data holds 2 elements");
  });
});

describe("encodeInferResponseText", () => {
  const model = { name: 'm "quoted"', version: "7" };
  const outputs = SAMPLES.map(([datatype, data], i) => ({
    name: `out${i}`,
    datatype,
    shape: [data.length],
    data,
  }));
  const result: InferResult = { outputs };

  // What the response was before it was written by hand: JSON.stringify of the response object.
  function reference(request: InferRequest): string {
    const wantsBinaryAll = request.parameters?.binary_data_output === true;
    const perOutput = new Map((request.outputs ?? []).map((o) => [o.name, o.parameters?.binary_data]));
    const out = outputs.map((t) =>
      (perOutput.get(t.name) ?? wantsBinaryAll) === true
        ? {
            name: t.name,
            datatype: t.datatype,
            shape: t.shape,
            parameters: { binary_data_size: toBinaryData(t.data).byteLength },
          }
        : { name: t.name, datatype: t.datatype, shape: t.shape, data: toJsonData(t.datatype, t.data) },
    );
    const response: Record<string, unknown> = { model_name: model.name, model_version: model.version };
    if (request.id !== undefined) response.id = request.id;
    response.outputs = out;
    return JSON.stringify(response);
  }

  it("writes the same JSON as JSON.stringify of the response object", () => {
    for (const request of [{ inputs: [] }, { id: 'id "x" ✓', inputs: [] }] as InferRequest[]) {
      const e = encodeInferResponseText(model, request, result);
      expect(e.body).toBe(reference(request));
      expect(e.headers["content-type"]).toBe("application/json");
      expect(encodeInferResponse(model, request, result).body.toString("utf8")).toBe(reference(request));
    }
  });

  it("writes the same JSON header when some outputs are binary", () => {
    const request: InferRequest = {
      inputs: [],
      parameters: { binary_data_output: true },
      outputs: [
        { name: "out0", parameters: { binary_data: false } },
        { name: "out1" },
        { name: "out2", parameters: { binary_data: true } },
        { name: "out2", parameters: { binary_data: false } },
      ],
    };
    const e = encodeInferResponseText(model, request, result);
    const body = e.body as Buffer;
    const length = Number(e.headers["inference-header-content-length"]);
    expect(body.subarray(0, length).toString("utf8")).toBe(reference(request));
  });
});
