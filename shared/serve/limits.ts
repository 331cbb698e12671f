/**
 * What one request may cost the server, checked before the work is done: body bytes, JSON bytes and nesting,
 * tensor elements. Each check runs in time linear in the bytes already received and allocates nothing per
 * element, so a hostile request is refused for the price of reading it.
 */
import { UserError } from "../errors";

export interface ServeLimits {
  /** Largest request body (HTTP) or message (gRPC), in bytes. */
  maxBodyBytes: number;
  /** Largest JSON part of an HTTP inference request, in bytes (JSON costs ~30× its size to parse). */
  maxJsonBytes: number;
  /** Most tensor elements one request may carry, summed over its inputs. */
  maxElements: number;
  /** Inference requests decoded and run at once; later ones wait in a queue. */
  maxConcurrency: number;
  /** Inference requests waiting for a slot; past it the server answers busy (HTTP 503, gRPC UNAVAILABLE). */
  maxQueue: number;
  /** Request bytes held in memory at once (being received, waiting or running); past it: busy. */
  maxPendingBytes: number;
  /** Bytes of gRPC ModelInfer messages held at once, reserved from each message's length prefix; past it: RESOURCE_EXHAUSTED. */
  maxGrpcPendingBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ServeLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024 * 1024,
  maxJsonBytes: 1024 * 1024,
  maxElements: 1024 * 1024,
  maxConcurrency: 2,
  maxQueue: 64,
  maxPendingBytes: 256 * 1024 * 1024,
  maxGrpcPendingBytes: 128 * 1024 * 1024,
});

/**
 * Inference requests (HTTP bodies, gRPC messages) larger than this are handed to the worker thread as bytes: it
 * parses, checks, runs and encodes the answer there, so a 1 MiB JSON body or a message of millions of wire
 * entries (tens of ms of parsing, counting, encoding and garbage collection) never holds up the main thread,
 * which only reads and writes bytes.
 */
export const OFFLOAD_BODY_BYTES = 64 * 1024;

/** Deepest nesting of arrays and objects in a JSON request: tensors need their rank plus three. */
export const MAX_JSON_DEPTH = 64;

/** Most inputs, outputs, parameters and shape dimensions one gRPC request may list, together. */
export const MAX_WIRE_ENTRIES = 65_536;

export function payloadTooLarge(message: string): UserError {
  return new UserError(message, { code: "payload_too_large" });
}

function bad(message: string): UserError {
  return new UserError(message, { code: "bad_request" });
}

/**
 * Checks the nesting depth and the number of values of a JSON text in one pass over its bytes, before
 * `JSON.parse` builds anything: deeper than MAX_JSON_DEPTH is a 400 (a parser would overflow its stack), more
 * values than the element budget allows is a 413.
 */
export function checkJsonText(bytes: Uint8Array, maxElements: number): void {
  let depth = 0;
  let values = 0;
  let inString = false;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x2c) values++;
    else if (c === 0x5b || c === 0x7b) {
      values++;
      if (++depth > MAX_JSON_DEPTH) {
        throw bad(
          `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels (got more at byte ${i}). Send data flat or nested by the tensor's dimensions.`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  // Names, shapes and parameters add a few values per tensor; the slack keeps them out of the budget.
  if (values > maxElements + MAX_WIRE_ENTRIES) {
    throw payloadTooLarge(
      `body: JSON holds about ${values} values, more than the server's limit of ${maxElements} elements per request (got ${n} bytes). Send fewer rows per request or raise --max-elements.`,
    );
  }
}

/** Throws the 413 of a request whose tensors hold more elements than the budget. */
export function checkElementBudget(elements: number, maxElements: number, what: string): void {
  if (elements > maxElements) {
    throw payloadTooLarge(
      `${what}: the request's tensors hold ${elements === Number.POSITIVE_INFINITY ? "too many" : elements} elements, more than the server's limit of ${maxElements} (got that from the shapes and contents). Send fewer rows per request or raise --max-elements.`,
    );
  }
}

/**
 * A protobuf wire reader over one message, enough to count what `ModelInferRequest` would decode into.
 * Reads fields without allocating; a truncated or malformed message is a 400.
 */
class Wire {
  at: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  malformed(): UserError {
    return bad(
      `request: not a valid ModelInferRequest (got malformed protobuf at byte ${this.at}). Send a message encoded from grpc_predict_v2.proto.`,
    );
  }

  /** A varint as a number (exact up to 2^53; larger values come back larger than any limit). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.end) throw this.malformed();
      const b = this.buf[this.at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw this.malformed();
  }

  /** The end offset of a length-delimited field starting here. */
  span(): number {
    const len = this.varint();
    const stop = this.at + len;
    if (stop > this.end) throw this.malformed();
    return stop;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 2) this.at = this.span();
    else if (wireType === 5) this.at += 4;
    else throw this.malformed();
    if (this.at > this.end) throw this.malformed();
  }

  /** Varints packed between here and `stop`. */
  countVarints(stop: number): number {
    let count = 0;
    for (let i = this.at; i < stop; i++) if (this.buf[i]! < 0x80) count++;
    this.at = stop;
    return count;
  }
}

/** Size in bytes of each packed element of InferTensorContents' fields 6 (float) and 7 (double). */
const FIXED_SIZE: Record<number, number> = { 6: 4, 7: 8 };

function countContents(w: Wire, stop: number): number {
  let elements = 0;
  while (w.at < stop) {
    const key = w.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field < 1 || field > 8) {
      w.skip(wireType);
    } else if (wireType === 2 && field !== 8) {
      const end = w.span();
      const size = FIXED_SIZE[field];
      if (size === undefined) elements += w.countVarints(end);
      else {
        if ((end - w.at) % size !== 0) throw w.malformed();
        elements += (end - w.at) / size;
        w.at = end;
      }
    } else {
      elements++;
      w.skip(wireType);
    }
  }
  return elements;
}

/** Entries, dimensions and elements of one InferInputTensor. */
function countInput(w: Wire, stop: number, counts: { entries: number; elements: number; shaped: number }): void {
  let product = 1;
  // A negative dimension (a 10-byte varint) is left to the decoder's shape check, which names it.
  const dim = (d: number) => {
    product *= d > Number.MAX_SAFE_INTEGER ? 0 : d;
    counts.entries++;
  };
  while (w.at < stop) {
    const key = w.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 3 && wireType === 2) {
      const end = w.span();
      while (w.at < end) dim(w.varint());
    } else if (field === 3 && wireType === 0) {
      dim(w.varint());
    } else if (field === 5 && wireType === 2) {
      const end = w.span();
      counts.elements += countContents(w, end);
    } else {
      if (field === 4) counts.entries++;
      w.skip(wireType);
    }
  }
  counts.shaped += product;
}

/**
 * Checks an encoded ModelInferRequest against the budget before protobuf decoding builds one object per
 * element: the elements its shapes declare and its typed contents hold (each at most `maxElements`), and its
 * inputs, outputs, parameters and dimensions (at most MAX_WIRE_ENTRIES). Linear in the message's bytes.
 */
export function checkInferRequestWire(buf: Uint8Array, maxElements: number): void {
  const w = new Wire(buf, 0, buf.length);
  const counts = { entries: 0, elements: 0, shaped: 0 };
  while (w.at < w.end) {
    const key = w.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 5 && wireType === 2) {
      counts.entries++;
      const end = w.span();
      countInput(w, end, counts);
    } else {
      if (field === 4 || field === 6 || field === 7) counts.entries++;
      w.skip(wireType);
    }
    if (counts.entries > MAX_WIRE_ENTRIES) {
      throw payloadTooLarge(
        `request: more than ${MAX_WIRE_ENTRIES} inputs, outputs, parameters and shape dimensions (got more at byte ${w.at}). Send the model's inputs once each.`,
      );
    }
  }
  checkElementBudget(counts.elements, maxElements, "contents");
  checkElementBudget(counts.shaped, maxElements, "shape");
}
