import protobuf from "protobufjs";
import { UserError } from "../errors";
import { ONNX_PROTO } from "./onnx-schema";

/** TensorProto.DataType values (onnx.proto). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

// Plain-object views of the messages (protobufjs camelCase names). Every field is optional as in proto2;
// int64 fields are JS numbers (exact up to 2^53, plenty for dims, opsets and attribute ints).

export interface StringStringEntry {
  key?: string;
  value?: string;
}
export interface OperatorSetId {
  domain?: string;
  version?: number;
}
export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  doubleData?: number[];
  uint64Data?: number[];
}
export interface Dimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}
export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } };
  sequenceType?: { elemType?: TypeProto };
  mapType?: { keyType?: number; valueType?: TypeProto };
  optionalType?: { elemType?: TypeProto };
  denotation?: string;
}
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  docString?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}
export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntry[];
}

let root: protobuf.Root | undefined;
function types(): { Model: protobuf.Type; Graph: protobuf.Type } {
  root ??= protobuf.parse(ONNX_PROTO).root;
  return { Model: root.lookupType("onnx.ModelProto"), Graph: root.lookupType("onnx.GraphProto") };
}

/** Serialize a model to the ONNX file format. */
export function encodeModel(model: ModelProto): Uint8Array {
  const { Model } = types();
  const message = Model.fromObject(model as Record<string, unknown>);
  return Model.encode(message).finish();
}

/**
 * Parse ONNX bytes. `what` names the file in the UserError thrown when the bytes are not an ONNX model
 * (corrupt, truncated, another format).
 */
export function decodeModel(bytes: Uint8Array, what = "model"): ModelProto {
  const { Model } = types();
  let decoded: protobuf.Message;
  try {
    decoded = Model.decode(bytes);
  } catch (e) {
    throw notOnnx(what, bytes, (e as Error).message, e);
  }
  const model = Model.toObject(decoded, { longs: Number, enums: Number, bytes: Uint8Array as never }) as ModelProto;
  // Any byte string decodes to *something*; a model needs a graph and an opset.
  if (!model.graph || !model.opsetImport?.length || !model.irVersion) {
    throw notOnnx(what, bytes, "no graph, opset_import or ir_version");
  }
  return model;
}

function notOnnx(what: string, bytes: Uint8Array, detail: string, cause?: unknown): UserError {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new UserError(
    `${what}: not an ONNX model (${bytes.length} bytes starting ${head || "<empty>"}; ${detail}). ` +
      "Pass the .onnx file written by the trainer or exported with sklearn-onnx/torch.onnx.",
    { cause },
  );
}

/**
 * Add outputs to a serialized model without decoding and re-encoding it: protobuf merges a repeated
 * field appended at the end of a message, so every field of the original (even ones this schema does
 * not know) is kept byte for byte.
 */
export function appendGraphOutputs(bytes: Uint8Array, outputs: ValueInfoProto[]): Uint8Array {
  if (outputs.length === 0) return bytes;
  const tail = encodeModel({ graph: { output: outputs } });
  const merged = new Uint8Array(bytes.length + tail.length);
  merged.set(bytes, 0);
  merged.set(tail, bytes.length);
  return merged;
}

/**
 * Remove top-level graph nodes and graph outputs from a serialized model without decoding and re-encoding
 * it: the graph's other fields, and every field outside the graph, are copied byte for byte. `dropNode` sees
 * each node's op type and outputs; `dropOutputs` names the graph outputs to remove.
 */
export function withoutNodes(
  bytes: Uint8Array,
  dropNode: (node: { opType: string; output: string[] }) => boolean,
  dropOutputs: Set<string>,
): Uint8Array {
  const out = protobuf.Writer.create();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === MODEL_GRAPH && (tag & 7) === 2) {
      const graph = r.bytes();
      out.uint32(tag).bytes(filterGraph(graph, dropNode, dropOutputs));
      continue;
    }
    r.skipType(tag & 7);
    out.raw(bytes.subarray(start, r.pos));
  }
  return out.finish();
}

// Field numbers of onnx.proto: ModelProto.graph, GraphProto.node / .output, NodeProto.output / .op_type,
// ValueInfoProto.name.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const VALUE_NAME = 1;

function filterGraph(
  bytes: Uint8Array,
  dropNode: (node: { opType: string; output: string[] }) => boolean,
  dropOutputs: Set<string>,
): Uint8Array {
  const out = protobuf.Writer.create();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    if ((tag & 7) === 2 && (field === GRAPH_NODE || field === GRAPH_OUTPUT)) {
      const body = r.bytes();
      const drop =
        field === GRAPH_NODE ? dropNode(nodeHead(body)) : dropOutputs.has(stringField(body, VALUE_NAME) ?? "");
      if (!drop) out.raw(bytes.subarray(start, r.pos));
      continue;
    }
    r.skipType(tag & 7);
    out.raw(bytes.subarray(start, r.pos));
  }
  return out.finish();
}

function nodeHead(bytes: Uint8Array): { opType: string; output: string[] } {
  const r = protobuf.Reader.create(bytes);
  const node = { opType: "", output: [] as string[] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) === 2 && tag >>> 3 === NODE_OUTPUT) node.output.push(r.string());
    else if ((tag & 7) === 2 && tag >>> 3 === NODE_OP_TYPE) node.opType = r.string();
    else r.skipType(tag & 7);
  }
  return node;
}

function stringField(bytes: Uint8Array, field: number): string | undefined {
  const r = protobuf.Reader.create(bytes);
  let value: string | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) === 2 && tag >>> 3 === field) value = r.string();
    else r.skipType(tag & 7);
  }
  return value;
}
