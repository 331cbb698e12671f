import { setImmediate as nextTurn } from "node:timers/promises";
import { shown, UserError } from "../errors";
import { checkElementBudget, checkJsonText, DEFAULT_LIMITS, payloadTooLarge, type ServeLimits } from "./limits";
import type { InferRequest, InferRequestedOutput, InferResult } from "./model";
import {
  DATATYPES,
  elementCount,
  fromBinaryData,
  fromJsonData,
  isDatatype,
  type Parameters,
  type Tensor,
  jsonDataText,
  toBinaryData,
} from "./tensor";

/** Header of the binary tensor data extension: byte length of the JSON part at the start of the body. */
export const INFERENCE_HEADER = "inference-header-content-length";

function bad(message: string): UserError {
  return new UserError(message, { code: "bad_request" });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parameters(v: unknown, where: string): Parameters | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw bad(`${where}: parameters must be a JSON object (got ${shown(v)}). Send {"key": value}.`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") {
      throw bad(`${where}: parameter "${k}" must be a string, number or boolean (got ${shown(x)}). Send a scalar.`);
    }
  }
  return v as Parameters;
}

/**
 * Decodes an inference request body: plain JSON, or (binary tensor data extension) `jsonLength` bytes of JSON
 * followed by the binary data of the inputs that carry a `binary_data_size` parameter, in input order.
 */
export function decodeInferRequest(
  body: Buffer,
  jsonLength?: number,
  limits: Pick<ServeLimits, "maxJsonBytes" | "maxElements"> = DEFAULT_LIMITS,
): InferRequest {
  if (
    jsonLength !== undefined &&
    (!Number.isSafeInteger(jsonLength) || jsonLength < 0 || jsonLength > body.byteLength)
  ) {
    throw bad(
      `Inference-Header-Content-Length: must be the byte length of the JSON part, at most the body's ${body.byteLength} bytes (got ${shown(jsonLength)}). Send the JSON header's length.`,
    );
  }
  const jsonPart = jsonLength === undefined ? body : body.subarray(0, jsonLength);
  if (jsonPart.byteLength > limits.maxJsonBytes) {
    throw payloadTooLarge(
      `JSON part: larger than the server's limit of ${limits.maxJsonBytes} bytes (got ${jsonPart.byteLength} bytes). Send fewer rows per request (or the binary tensor data extension) or raise --max-json-bytes.`,
    );
  }
  checkJsonText(jsonPart, limits.maxElements);
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonPart.toString("utf8"));
  } catch (e) {
    throw bad(
      `body: not valid JSON (got ${shown(jsonPart.subarray(0, 60).toString("utf8"))}): ${(e as Error).message}. Send an inference request object {"inputs": [...]}.`,
    );
  }
  if (!isObject(parsed)) {
    throw bad(
      `body: must be a JSON object (got ${shown(parsed)}). Send an inference request object {"inputs": [...]}.`,
    );
  }
  const { id, inputs, outputs } = parsed;
  if (id !== undefined && typeof id !== "string")
    throw bad(`id: must be a string (got ${shown(id)}). Send a string id.`);
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw bad(
      `inputs: must be a non-empty array of tensors (got ${shown(inputs)}). Send [{"name", "shape", "datatype", "data"}].`,
    );
  }
  let binaryAt = jsonLength ?? body.byteLength;
  let elements = 0;
  const tensors: Tensor[] = inputs.map((raw, i): Tensor => {
    if (!isObject(raw))
      throw bad(
        `inputs[${i}]: must be a tensor object (got ${shown(raw)}). Send {"name", "shape", "datatype", "data"}.`,
      );
    const name = raw.name;
    if (typeof name !== "string" || name === "")
      throw bad(`inputs[${i}]: name must be a non-empty string (got ${shown(name)}). Name the model input.`);
    const where = `inputs[${i}] "${name}"`;
    const datatype = raw.datatype;
    if (!isDatatype(datatype))
      throw bad(`${where}: unknown datatype (got ${shown(datatype)}). Use one of ${DATATYPES.join(", ")}.`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`${where}: shape must be an array of non-negative integers (got ${shown(shape)}). Send e.g. [1, 5].`);
    }
    const params = parameters(raw.parameters, where);
    // Counted before any element is converted, so the request's memory is bounded by the budget.
    elements += elementCount(shape, where);
    checkElementBudget(elements, limits.maxElements, where);
    const binarySize = params?.binary_data_size;
    if (binarySize !== undefined) {
      if (typeof binarySize !== "number" || !Number.isSafeInteger(binarySize) || binarySize < 0) {
        throw bad(
          `${where}: binary_data_size must be a non-negative integer (got ${shown(binarySize)}). Send the byte size.`,
        );
      }
      if (jsonLength === undefined) {
        throw bad(
          `${where}: binary_data_size is set but the request has no Inference-Header-Content-Length header (got ${binarySize}). Send the header with the JSON part's length.`,
        );
      }
      if (binaryAt + binarySize > body.byteLength) {
        throw bad(
          `${where}: binary_data_size runs past the end of the body (got ${binarySize} bytes at offset ${binaryAt} of ${body.byteLength}). Send the binary data of every input after the JSON.`,
        );
      }
      const bytes = body.subarray(binaryAt, binaryAt + binarySize);
      binaryAt += binarySize;
      return { name, datatype, shape, data: fromBinaryData(bytes, datatype, shape, where) };
    }
    return { name, datatype, shape, data: fromJsonData(raw.data, datatype, shape, where) };
  });
  if (jsonLength !== undefined && binaryAt !== body.byteLength) {
    throw bad(
      `body: ${body.byteLength - binaryAt} bytes after the inputs' binary data are unused (got ${body.byteLength} bytes). Make binary_data_size add up to the binary part.`,
    );
  }
  let requested: InferRequestedOutput[] | undefined;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs))
      throw bad(`outputs: must be an array (got ${shown(outputs)}). Send [{"name": "..."}].`);
    requested = outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== "string") {
        throw bad(`outputs[${i}]: must be {"name": string} (got ${shown(o)}). Name the model output.`);
      }
      const p = parameters(o.parameters, `outputs[${i}]`);
      return p ? { name: o.name, parameters: p } : { name: o.name };
    });
  }
  const request: InferRequest = { inputs: tensors };
  if (id !== undefined) request.id = id;
  const p = parameters(parsed.parameters, "parameters");
  if (p) request.parameters = p;
  if (requested) request.outputs = requested;
  return request;
}

export interface EncodedResponse {
  body: Buffer;
  headers: Record<string, string>;
}

/** An encoded response whose body is still text when it is all JSON (the server writes it with its headers). */
export interface EncodedResponseText {
  body: Buffer | string;
  headers: Record<string, string>;
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json" });

/**
 * Encodes an inference response: JSON, or JSON + binary outputs when the request asked for them
 * (`binary_data: true` on an output, or `binary_data_output: true` on the request).
 */
export function encodeInferResponse(
  model: { name: string; version: string },
  request: InferRequest,
  result: InferResult,
): EncodedResponse {
  const { body, headers } = encodeInferResponseText(model, request, result);
  return typeof body === "string" ? { body: Buffer.from(body, "utf8"), headers: { ...headers } } : { body, headers };
}

/**
 * `encodeInferResponse` with an all-JSON body left as a string, so the HTTP server can write it together with
 * its headers in one write. The JSON is written by hand, byte for byte what `JSON.stringify` gives for
 * `{model_name, model_version, id?, outputs: [{name, datatype, shape, data | parameters}]}`, because stringifying
 * the outputs' numbers was the largest part of the server's own time per request.
 */
export function encodeInferResponseText(
  model: { name: string; version: string },
  request: InferRequest,
  result: InferResult,
  dataTexts?: ReadonlyMap<Tensor, string>,
): EncodedResponseText {
  const wantsBinaryAll = request.parameters?.binary_data_output === true;
  const requested = request.outputs;
  let binaries: Uint8Array[] | undefined;
  let json = `{"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)}`;
  if (request.id !== undefined) json += `,"id":${JSON.stringify(request.id)}`;
  json += ',"outputs":[';
  const outputs = result.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    let binary: unknown = wantsBinaryAll;
    if (requested !== undefined && requested.length > 0) {
      // The last request entry of a name wins, as a Map built from the list would have it.
      for (let k = requested.length - 1; k >= 0; k--) {
        const o = requested[k]!;
        if (o.name === t.name) {
          binary = o.parameters?.binary_data ?? wantsBinaryAll;
          break;
        }
      }
    }
    if (i > 0) json += ",";
    json += `{"name":${JSON.stringify(t.name)},"datatype":${JSON.stringify(t.datatype)},"shape":${JSON.stringify(t.shape)}`;
    if (binary === true) {
      const bytes = toBinaryData(t.data);
      (binaries ??= []).push(bytes);
      json += `,"parameters":{"binary_data_size":${bytes.byteLength}}}`;
    } else {
      json += `,"data":${dataTexts?.get(t) ?? jsonDataText(t.datatype, t.data)}}`;
    }
  }
  json += "]}";
  if (binaries === undefined) return { body: json, headers: JSON_HEADERS };
  const head = Buffer.from(json, "utf8");
  return {
    body: Buffer.concat([head, ...binaries]),
    headers: { "content-type": "application/octet-stream", [INFERENCE_HEADER]: String(head.byteLength) },
  };
}

/** Elements of an output written as JSON text in one event-loop turn (~5 ms); larger outputs take several. */
const TURN_ELEMENTS = 65_536;

/** Whether the response carries output `name` as binary data (as `encodeInferResponseText` decides it). */
function binaryWanted(request: InferRequest, name: string): boolean {
  const all = request.parameters?.binary_data_output === true;
  const requested = request.outputs;
  if (requested !== undefined) {
    for (let k = requested.length - 1; k >= 0; k--) {
      const o = requested[k]!;
      if (o.name === name) return (o.parameters?.binary_data ?? all) === true;
    }
  }
  return all;
}

/**
 * `encodeInferResponseText`, with the JSON text of large outputs built in slices of TURN_ELEMENTS, one slice
 * per event-loop turn, so a large response never holds up health probes for long.
 */
export async function encodeInferResponseTextInTurns(
  model: { name: string; version: string },
  request: InferRequest,
  result: InferResult,
): Promise<EncodedResponseText> {
  let texts: Map<Tensor, string> | undefined;
  for (const t of result.outputs) {
    if (t.data.length <= TURN_ELEMENTS || binaryWanted(request, t.name)) continue;
    const parts: string[] = [];
    for (let at = 0; at < t.data.length; at += TURN_ELEMENTS) {
      await nextTurn();
      const slice = Array.isArray(t.data)
        ? t.data.slice(at, at + TURN_ELEMENTS)
        : t.data.subarray(at, at + TURN_ELEMENTS);
      parts.push(jsonDataText(t.datatype, slice).slice(1, -1));
    }
    (texts ??= new Map()).set(t, `[${parts.join(",")}]`);
  }
  return encodeInferResponseText(model, request, result, texts);
}
