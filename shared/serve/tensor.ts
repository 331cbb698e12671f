import { shown, UserError } from "../errors";

/** Open Inference Protocol tensor data types. */
export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export type Datatype = (typeof DATATYPES)[number];

/** Elements of a tensor, row-major. BOOL is 0/1 bytes, FP16 the raw half-precision bits, BYTES strings. */
export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/** A tensor on its way in or out of the model, independent of the wire format. */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Protocol parameters (request, input and output level). */
export type Parameters = Record<string, string | number | boolean>;

type NumericCtor =
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const ARRAY: Record<Exclude<Datatype, "BYTES">, NumericCtor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

const INT_RANGE: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === "string" && (DATATYPES as readonly string[]).includes(value);
}

/** Bytes per element in the binary layouts, undefined for BYTES (variable). */
export function elementSize(datatype: Datatype): number | undefined {
  return datatype === "BYTES" ? undefined : ARRAY[datatype].BYTES_PER_ELEMENT;
}

/** Number of elements a shape holds; throws a UserError for a dimension that is not a non-negative integer. */
export function elementCount(shape: readonly number[], where: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new UserError(
        `${where}: shape must hold non-negative integers (got ${shown(shape)}). Send the tensor's dimensions, e.g. [1, 5].`,
        { code: "bad_request" },
      );
    }
    n *= d;
  }
  return n;
}

/** Flattens nested JSON arrays (the protocol allows both flat and nested row-major data). */
function flatten(data: unknown[]): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(v);
  };
  walk(data);
  return out;
}

function badElement(where: string, datatype: Datatype, index: number, value: unknown, expected: string): UserError {
  return new UserError(
    `${where}: element ${index} is not ${expected} as ${datatype} requires (got ${shown(value)}). Send ${expected} values or change the datatype.`,
    { code: "bad_request" },
  );
}

/**
 * The common case of `fromJsonData` in one pass: a flat array of exactly `expected` plain numbers for a datatype
 * held in a 32/64-bit float or ≤32-bit integer array. Returns undefined for anything else (nested data, another
 * length, a non-number, an out-of-range integer), which `fromJsonData` then checks the long way, so results and
 * error messages are the same either way.
 */
function fromFlatNumbers(data: unknown, datatype: Datatype, expected: number): TensorData | undefined {
  if (!Array.isArray(data) || data.length !== expected) return undefined;
  // One loop per array type keeps each loop's element stores monomorphic.
  if (datatype === "FP32") {
    const out = new Float32Array(expected);
    for (let i = 0; i < expected; i++) {
      const v: unknown = data[i];
      if (typeof v !== "number") return undefined;
      out[i] = v;
    }
    return out;
  }
  if (datatype === "FP64") {
    const out = new Float64Array(expected);
    for (let i = 0; i < expected; i++) {
      const v: unknown = data[i];
      if (typeof v !== "number") return undefined;
      out[i] = v;
    }
    return out;
  }
  const range = INT_RANGE[datatype];
  if (!range) return undefined;
  const out = new (ARRAY[datatype as keyof typeof ARRAY] as Int32ArrayConstructor)(expected);
  const [lo, hi] = range;
  for (let i = 0; i < expected; i++) {
    const v: unknown = data[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) return undefined;
    out[i] = v;
  }
  return out;
}

/**
 * JSON `data` → typed elements, checked against `datatype` and the element count of `shape`.
 * `where` names the tensor in error messages, e.g. `inputs[0] "float_input"`.
 */
export function fromJsonData(data: unknown, datatype: Datatype, shape: readonly number[], where: string): TensorData {
  const expected = elementCount(shape, where);
  const fast = fromFlatNumbers(data, datatype, expected);
  if (fast) return fast;
  if (!Array.isArray(data)) {
    throw new UserError(
      `${where}: data must be a JSON array of ${expected} elements (got ${shown(data)}). Send the elements row-major.`,
      { code: "bad_request" },
    );
  }
  const flat = flatten(data);
  if (flat.length !== expected) {
    throw new UserError(
      `${where}: data holds ${flat.length} elements but shape ${shown(shape)} needs ${expected} (got ${flat.length}). Make data match the shape.`,
      { code: "bad_request" },
    );
  }
  if (datatype === "BYTES") {
    return flat.map((v, i) => {
      if (typeof v !== "string") throw badElement(where, datatype, i, v, "a string");
      return v;
    });
  }
  if (datatype === "FP16") {
    const out = new Uint16Array(expected);
    flat.forEach((v, i) => {
      if (typeof v !== "number") throw badElement(where, datatype, i, v, "a number");
      out[i] = toHalf(v);
    });
    return out;
  }
  if (datatype === "BOOL") {
    const out = new Uint8Array(expected);
    flat.forEach((v, i) => {
      if (typeof v !== "boolean") throw badElement(where, datatype, i, v, "true or false");
      out[i] = v ? 1 : 0;
    });
    return out;
  }
  if (datatype === "INT64" || datatype === "UINT64") {
    const out = datatype === "INT64" ? new BigInt64Array(expected) : new BigUint64Array(expected);
    flat.forEach((v, i) => {
      const ok = typeof v === "number" ? Number.isSafeInteger(v) : typeof v === "string" && /^-?\d+$/.test(v);
      if (!ok) throw badElement(where, datatype, i, v, "an integer");
      const b = BigInt(v as number | string);
      if (datatype === "UINT64" ? b < 0n || b > 0xffffffffffffffffn : b < -(2n ** 63n) || b >= 2n ** 63n) {
        throw badElement(where, datatype, i, v, "an integer in range");
      }
      out[i] = b;
    });
    return out;
  }
  const Ctor = ARRAY[datatype] as Float32ArrayConstructor;
  const out = new Ctor(expected);
  const range = INT_RANGE[datatype];
  for (let i = 0; i < expected; i++) {
    const v = flat[i];
    if (typeof v !== "number") throw badElement(where, datatype, i, v, "a number");
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw badElement(where, datatype, i, v, `an integer in [${range[0]}, ${range[1]}]`);
    }
    out[i] = v;
  }
  return out;
}

/** Typed elements → JSON `data` (flat, row-major). 64-bit integers become numbers (exact up to 2^53). */
export function toJsonData(datatype: Datatype, data: TensorData): (number | boolean | string)[] {
  if (Array.isArray(data)) return data;
  if (datatype === "BOOL") return Array.from(data as Uint8Array, (v) => v !== 0);
  if (datatype === "FP16") return Array.from(data as Uint16Array, fromHalf);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (v) => Number(v));
  return Array.from(data as Float64Array);
}

/**
 * Typed elements → the JSON text of `data`, exactly `JSON.stringify(toJsonData(datatype, data))`.
 *
 * Built by string concatenation because it is the hot part of every JSON response: V8's JSON.stringify of a
 * fresh array of doubles takes ~11 µs for 128 floats, this ~1 µs. A number is appended with the same
 * Number-to-String conversion JSON uses for finite numbers; NaN and ±Infinity become `null` as in JSON.
 */
export function jsonDataText(datatype: Datatype, data: TensorData): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  const n = data.length;
  if (n === 0) return "[]";
  let s = "[";
  if (datatype === "BOOL") {
    const d = data as Uint8Array;
    for (let i = 0; i < n; i++) s += i === 0 ? (d[i] !== 0 ? "true" : "false") : d[i] !== 0 ? ",true" : ",false";
  } else if (datatype === "FP16") {
    const d = data as Uint16Array;
    for (let i = 0; i < n; i++) {
      const v = fromHalf(d[i]!);
      if (i > 0) s += ",";
      s += v - v === 0 ? v : "null";
    }
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      if (i > 0) s += ",";
      s += Number(data[i]!);
    }
  } else {
    const d = data as Float64Array;
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      if (i > 0) s += ",";
      // v - v is 0 for every finite number, NaN for NaN and ±Infinity (which JSON writes as null).
      s += v - v === 0 ? v : "null";
    }
  }
  return `${s}]`;
}

/**
 * Binary (little-endian, row-major) bytes → typed elements, as used by raw_input_contents and the HTTP binary
 * tensor data extension. BYTES elements are each a 4-byte length followed by the bytes (read as UTF-8).
 */
export function fromBinaryData(
  bytes: Uint8Array,
  datatype: Datatype,
  shape: readonly number[],
  where: string,
): TensorData {
  const expected = elementCount(shape, where);
  if (datatype === "BYTES") {
    const out: string[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (at < bytes.byteLength) {
      if (at + 4 > bytes.byteLength) break;
      const len = view.getUint32(at, true);
      if (at + 4 + len > bytes.byteLength) {
        at = -1;
        break;
      }
      out.push(Buffer.from(bytes.buffer, bytes.byteOffset + at + 4, len).toString("utf8"));
      at += 4 + len;
    }
    if (at !== bytes.byteLength || out.length !== expected) {
      throw new UserError(
        `${where}: binary BYTES data does not hold ${expected} length-prefixed elements for shape ${shown(shape)} (got ${bytes.byteLength} bytes). Prefix each element with its 4-byte little-endian length.`,
        { code: "bad_request" },
      );
    }
    return out;
  }
  const Ctor = ARRAY[datatype];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== expected * size) {
    throw new UserError(
      `${where}: binary data is ${bytes.byteLength} bytes but shape ${shown(shape)} of ${datatype} needs ${expected * size} (got ${bytes.byteLength}). Send ${expected} elements of ${size} bytes, little-endian.`,
      { code: "bad_request" },
    );
  }
  // Copy: the source may not be aligned for the element size, and the request buffer is not ours to keep.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, expected);
}

/** Typed elements → binary (little-endian, row-major) bytes; no copy for numeric data. */
export function toBinaryData(data: TensorData): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const parts = data.map((s) => Buffer.from(s, "utf8"));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.byteLength, at);
    p.copy(out, at + 4);
    at += 4 + p.byteLength;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float → IEEE 754 half bits (round to nearest even). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  e = half;
  return sign | e;
}

/** IEEE 754 half bits → float. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}
