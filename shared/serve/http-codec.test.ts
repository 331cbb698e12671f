import { describe, expect, it } from "vitest";
import { decodeInferRequest, encodeInferResponse, INFERENCE_HEADER } from "./http-codec";
import { userErrorOf as userError } from "../../test/helpers/user-error";

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("decodeInferRequest", () => {
  it("reads id, parameters, inputs and requested outputs", () => {
    const r = decodeInferRequest(
      json({
        id: "42",
        parameters: { binary_data_output: false },
        inputs: [{ name: "input", shape: [1, 2], datatype: "FP32", data: [1, 2] }],
        outputs: [{ name: "label", parameters: { binary_data: true } }],
      }),
    );
    expect(r.id).toBe("42");
    expect(r.parameters).toEqual({ binary_data_output: false });
    expect(r.inputs[0]).toMatchObject({ name: "input", shape: [1, 2], datatype: "FP32" });
    expect(r.outputs).toEqual([{ name: "label", parameters: { binary_data: true } }]);
  });

  it("reads binary inputs after the JSON header in input order", () => {
    const header = json({
      inputs: [
        { name: "a", shape: [2], datatype: "FP32", parameters: { binary_data_size: 8 } },
        { name: "b", shape: [1], datatype: "INT64", data: [7] },
        { name: "c", shape: [1], datatype: "BYTES", parameters: { binary_data_size: 6 } },
      ],
    });
    const a = Buffer.from(Float32Array.from([0.5, -1]).buffer);
    const c = Buffer.from([2, 0, 0, 0, 104, 105]);
    const r = decodeInferRequest(Buffer.concat([header, a, c]), header.byteLength);
    expect(Array.from(r.inputs[0]!.data as Float32Array)).toEqual([0.5, -1]);
    expect(r.inputs[1]!.data).toEqual(BigInt64Array.from([7n]));
    expect(r.inputs[2]!.data).toEqual(["hi"]);
  });

  it("rejects malformed JSON, bad datatypes and shapes, and inconsistent binary sizes", () => {
    expect(userError(() => decodeInferRequest(Buffer.from("{not json")))).toContain("not valid JSON");
    expect(userError(() => decodeInferRequest(json({ inputs: [] })))).toContain("non-empty array");
    expect(
      userError(() => decodeInferRequest(json({ inputs: [{ name: "a", shape: [1], datatype: "FLOAT", data: [1] }] }))),
    ).toContain('unknown datatype (got "FLOAT")');
    expect(
      userError(() => decodeInferRequest(json({ inputs: [{ name: "a", shape: "1", datatype: "FP32", data: [1] }] }))),
    ).toContain("shape must be");
    const header = json({ inputs: [{ name: "a", shape: [2], datatype: "FP32", parameters: { binary_data_size: 8 } }] });
    expect(userError(() => decodeInferRequest(Buffer.concat([header, Buffer.alloc(4)]), header.byteLength))).toContain(
      "past the end",
    );
    expect(userError(() => decodeInferRequest(Buffer.concat([header, Buffer.alloc(12)]), header.byteLength))).toContain(
      "unused",
    );
    expect(userError(() => decodeInferRequest(header))).toContain("Inference-Header-Content-Length");
    expect(userError(() => decodeInferRequest(header, header.byteLength + 1))).toContain("at most");
  });
});

describe("encodeInferResponse", () => {
  const model = { name: "m", version: "3" };
  const result = {
    outputs: [
      { name: "label", datatype: "INT64" as const, shape: [2], data: BigInt64Array.from([0n, 1n]) },
      {
        name: "probabilities",
        datatype: "FP32" as const,
        shape: [2, 2],
        data: Float32Array.from([0.75, 0.25, 0.5, 0.5]),
      },
    ],
  };

  it("answers JSON by default, echoing the id", () => {
    const e = encodeInferResponse(model, { id: "x", inputs: [] }, result);
    expect(e.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(e.body.toString())).toEqual({
      model_name: "m",
      model_version: "3",
      id: "x",
      outputs: [
        { name: "label", datatype: "INT64", shape: [2], data: [0, 1] },
        { name: "probabilities", datatype: "FP32", shape: [2, 2], data: [0.75, 0.25, 0.5, 0.5] },
      ],
    });
  });

  it("puts outputs asked as binary after the JSON header, sized in their parameters", () => {
    const e = encodeInferResponse(
      model,
      { inputs: [], outputs: [{ name: "probabilities", parameters: { binary_data: true } }, { name: "label" }] },
      result,
    );
    const length = Number(e.headers[INFERENCE_HEADER]);
    const head = JSON.parse(e.body.subarray(0, length).toString());
    expect(head.outputs[1]).toEqual({
      name: "probabilities",
      datatype: "FP32",
      shape: [2, 2],
      parameters: { binary_data_size: 16 },
    });
    expect(head.outputs[0].data).toEqual([0, 1]);
    const tail = e.body.subarray(length);
    expect(tail.byteLength).toBe(16);
    expect(tail.readFloatLE(0)).toBe(0.75);
  });

  it("binary_data_output makes every output binary", () => {
    const e = encodeInferResponse(model, { inputs: [], parameters: { binary_data_output: true } }, result);
    expect(e.body.byteLength - Number(e.headers[INFERENCE_HEADER])).toBe(16 + 16);
  });
});
