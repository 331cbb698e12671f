import { describe, expect, it } from "vitest";
import { fromBinaryData, fromHalf, fromJsonData, toBinaryData, toHalf, toJsonData } from "./tensor";
import { userErrorOf as userError } from "../../test/helpers/user-error";

describe("JSON tensor data", () => {
  it("accepts flat and nested row-major data and keeps the order", () => {
    const flat = fromJsonData([1, 2, 3, 4, 5, 6], "FP32", [2, 3], "x");
    const nested = fromJsonData(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      "FP32",
      [2, 3],
      "x",
    );
    expect(Array.from(flat as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(nested as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(flat).toBeInstanceOf(Float32Array);
  });

  it("maps each datatype to its typed array", () => {
    expect(fromJsonData([true, false], "BOOL", [2], "x")).toEqual(Uint8Array.from([1, 0]));
    expect(fromJsonData([-5, 7], "INT64", [2], "x")).toEqual(BigInt64Array.from([-5n, 7n]));
    expect(fromJsonData(["9007199254740993"], "INT64", [1], "x")).toEqual(BigInt64Array.from([9007199254740993n]));
    expect(fromJsonData([255], "UINT8", [1], "x")).toEqual(Uint8Array.from([255]));
    expect(fromJsonData(["a", "bé"], "BYTES", [2], "x")).toEqual(["a", "bé"]);
    expect(fromJsonData([0.5], "FP64", [1], "x")).toEqual(Float64Array.from([0.5]));
  });

  it("rejects a data length that does not match the shape, saying both", () => {
    const msg = userError(() => fromJsonData([1, 2, 3], "FP32", [2, 2], 'inputs[0] "input"'));
    expect(msg).toContain('inputs[0] "input"');
    expect(msg).toContain("3 elements");
    expect(msg).toContain("needs 4");
  });

  it("rejects elements of the wrong kind and out-of-range integers", () => {
    expect(userError(() => fromJsonData(["1"], "FP32", [1], "x"))).toContain("a number");
    expect(userError(() => fromJsonData([1], "BOOL", [1], "x"))).toContain("true or false");
    expect(userError(() => fromJsonData([300], "UINT8", [1], "x"))).toContain("[0, 255]");
    expect(userError(() => fromJsonData([1.5], "INT32", [1], "x"))).toContain("integer");
    expect(userError(() => fromJsonData({ a: 1 }, "FP32", [1], "x"))).toContain("JSON array");
    expect(userError(() => fromJsonData([1], "FP32", [-1], "x"))).toContain("non-negative");
  });

  it("renders outputs as JSON values", () => {
    expect(toJsonData("BOOL", Uint8Array.from([1, 0]))).toEqual([true, false]);
    expect(toJsonData("INT64", BigInt64Array.from([3n, -1n]))).toEqual([3, -1]);
    expect(toJsonData("FP32", Float32Array.from([0.25]))).toEqual([0.25]);
    expect(toJsonData("BYTES", ["a"])).toEqual(["a"]);
  });
});

describe("binary tensor data", () => {
  it("round-trips numeric tensors little-endian without padding", () => {
    const data = Float32Array.from([1.5, -2, 3.25]);
    const bytes = toBinaryData(data);
    expect(bytes.byteLength).toBe(12);
    expect(Buffer.from(bytes).readFloatLE(4)).toBe(-2);
    // An unaligned source (offset 1) still decodes.
    const shifted = new Uint8Array(13);
    shifted.set(bytes, 1);
    expect(fromBinaryData(shifted.subarray(1), "FP32", [3], "x")).toEqual(data);
  });

  it("encodes BYTES as 4-byte length-prefixed elements", () => {
    const bytes = toBinaryData(["ab", "", "é"]);
    expect(Array.from(bytes)).toEqual([2, 0, 0, 0, 97, 98, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9]);
    expect(fromBinaryData(bytes, "BYTES", [3], "x")).toEqual(["ab", "", "é"]);
  });

  it("rejects a byte size that does not match shape × element size", () => {
    const msg = userError(() => fromBinaryData(new Uint8Array(10), "FP32", [1, 3], "x"));
    expect(msg).toContain("10 bytes");
    expect(msg).toContain("needs 12");
    expect(userError(() => fromBinaryData(Uint8Array.from([5, 0, 0, 0, 1]), "BYTES", [1], "x"))).toContain(
      "length-prefixed",
    );
  });
});

describe("half precision", () => {
  it("converts exactly representable values both ways and rounds to nearest", () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.1, 3);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
  });
});
