import { readFileSync } from "node:fs";
import { basename } from "node:path";
import * as ort from "onnxruntime-node";
import { shown, UserError } from "../errors";
import { openSession } from "../onnx";
import { type Datatype, elementCount, type Parameters, type Tensor, type TensorData } from "./tensor";

/** A model input or output as the protocol describes it; -1 marks a variable dimension. */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface InferRequestedOutput {
  name: string;
  parameters?: Parameters;
}

/** A decoded inference request, whatever the transport (HTTP JSON, HTTP binary, gRPC). */
export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: Tensor[];
  /** Empty or absent: every output of the model. */
  outputs?: InferRequestedOutput[];
}

export interface InferResult {
  outputs: Tensor[];
}

/** A loaded ONNX model ready to answer requests. */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly platform: "onnxruntime_onnx";
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  /** The ONNX model's metadata_props (e.g. `features`, a JSON list of the feature names). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Class labels of a classifier, when the model declares them. */
  readonly classLabels?: readonly (number | string)[];
  /** Validates the request against the model (names, datatypes, shapes) and runs it. */
  infer(request: InferRequest): Promise<InferResult>;
  release(): Promise<void>;
}

export interface LoadModelOptions {
  /** Path to an .onnx file, or its bytes. */
  model: string | Uint8Array;
  /** Defaults to the file name without `.onnx` ("model" for bytes). */
  name?: string;
  /** Defaults to "1". */
  version?: string;
  /** onnxruntime intra-op threads; default lets onnxruntime choose. */
  threads?: number;
  /**
   * Keep onnxruntime's CPU memory arena (default true): it keeps the largest run's buffers for the next run,
   * which saves allocations on the usual small requests but holds the memory of a large one for good.
   */
  memoryArena?: boolean;
}

const FROM_ORT: Partial<Record<ort.Tensor.Type, Datatype>> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float16: "FP16",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
};

const TO_ORT: Record<Datatype, ort.Tensor.Type> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};

function tensorMetadata(v: ort.InferenceSession.TensorValueMetadata, what: string, file: string): TensorMetadata {
  const datatype = FROM_ORT[v.type];
  if (!datatype) {
    throw new UserError(
      `model: ${what} "${v.name}" has element type ${v.type}, which the Open Inference Protocol cannot carry (got ${shown(file)}). Export the model with a numeric, bool or string ${what}.`,
    );
  }
  return { name: v.name, datatype, shape: v.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) };
}

/**
 * onnxruntime settings for serving: full graph optimisation, and thread pools that sleep instead of spinning
 * between runs. Spinning pool threads compete with Node's event loop (and the rest of a small edge box) for
 * the same cores; without it p99 latency under load drops by an order of magnitude on 2 cores (bench/serve.ts).
 */
export function servingSessionOptions(threads?: number, memoryArena = true): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    enableCpuMemArena: memoryArena,
    graphOptimizationLevel: "all",
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  };
  if (threads !== undefined) options.intraOpNumThreads = threads;
  return options;
}

function bad(message: string): UserError {
  return new UserError(message, { code: "bad_request" });
}

/** Loads an ONNX model with onnxruntime-node. A missing or unreadable model is a UserError. */
export async function loadModel(options: LoadModelOptions): Promise<ServedModel> {
  const label = typeof options.model === "string" ? options.model : `<${options.model.byteLength} bytes>`;
  let bytes: Uint8Array;
  try {
    bytes = typeof options.model === "string" ? readFileSync(options.model) : options.model;
  } catch (e) {
    throw new UserError(
      `model: cannot read it (got ${shown(label)}): ${(e as Error).message}. Pass a readable .onnx file.`,
      {
        cause: e,
      },
    );
  }
  const sessionOptions = servingSessionOptions(options.threads, options.memoryArena ?? true);
  const model = await openSession(bytes, { what: `model (${label})`, sessionOptions });
  const { session } = model;
  const inputs = session.inputMetadata.map((v) => {
    if (!v.isTensor) {
      throw new UserError(
        `model: input "${v.name}" is not a tensor (got ${shown(label)}). Serve a model whose inputs are tensors.`,
      );
    }
    return tensorMetadata(v, "input", label);
  });
  // Output name → the tensor fetched for it. ZipMap outputs (sequence of maps, which onnxruntime-node cannot
  // return) are served as the [N, classes] FP32 probability tensor ZipMap reads; other non-tensors are left out.
  const fetchOf = new Map<string, string>();
  const outputs: TensorMetadata[] = [];
  // Only the outputs the model declares: openSession may append ZipMap's source tensor as an extra output.
  const declared = new Set(model.signature.outputs.map((o) => o.name));
  for (const v of session.outputMetadata.filter((o) => declared.has(o.name))) {
    if (v.isTensor) {
      outputs.push(tensorMetadata(v, "output", label));
      fetchOf.set(v.name, v.name);
    } else if (model.tensorFor(v.name) !== v.name) {
      outputs.push({ name: v.name, datatype: "FP32", shape: [-1, model.signature.classLabels?.length ?? -1] });
      fetchOf.set(v.name, model.tensorFor(v.name));
    }
  }
  if (outputs.length === 0) {
    throw new UserError(
      `model: no tensor output to serve (got ${shown(label)}). Export the model with tensor outputs.`,
    );
  }
  const inputByName = new Map(inputs.map((m) => [m.name, m]));
  const outputByName = new Map(outputs.map((m) => [m.name, m]));
  const name =
    options.name ?? (typeof options.model === "string" ? basename(options.model).replace(/\.onnx$/i, "") : "model");
  const version = options.version ?? "1";
  const inputList = inputs.map((m) => m.name).join(", ");
  const outputList = outputs.map((m) => m.name).join(", ");

  // Per model, not per request: the output names and the tensors fetched for them, for requests that name none.
  const allOutputs = [...outputByName.keys()];
  const allFetches = allOutputs.map((n) => fetchOf.get(n)!);

  async function infer(request: InferRequest): Promise<InferResult> {
    const feeds: Record<string, ort.Tensor> = {};
    const given = request.inputs;
    for (let i = 0; i < given.length; i++) {
      const t = given[i]!;
      const meta = inputByName.get(t.name);
      // The error messages (and the `where` they start with) are built only when a check fails.
      const where = () => `inputs[${i}] "${t.name}"`;
      if (!meta) throw bad(`${where()}: the model has no such input (got ${shown(t.name)}). Use one of: ${inputList}.`);
      if (feeds[t.name]) throw bad(`${where()}: input given twice (got ${shown(t.name)}). Send each input once.`);
      if (t.datatype !== meta.datatype) {
        throw bad(`${where()}: datatype must be ${meta.datatype} (got ${shown(t.datatype)}). Send ${meta.datatype}.`);
      }
      const shapeOk = t.shape.length === meta.shape.length && meta.shape.every((d, k) => d === -1 || d === t.shape[k]);
      if (!shapeOk) {
        throw bad(
          `${where()}: shape must match ${shown(meta.shape)} (-1 is any size) (got ${shown(t.shape)}). Send a tensor of that shape.`,
        );
      }
      const count = elementCount(t.shape, where());
      if (t.data.length !== count) {
        throw bad(
          `${where()}: data holds ${t.data.length} elements but shape ${shown(t.shape)} needs ${count} (got ${t.data.length}). Make data match the shape.`,
        );
      }
      feeds[t.name] = new ort.Tensor(TO_ORT[t.datatype], t.data as ort.Tensor.DataType, t.shape);
    }
    // Names are unique (checked above), so as many feeds as model inputs means none is missing.
    if (given.length !== inputs.length) {
      const missing = inputs.filter((m) => !feeds[m.name]).map((m) => m.name);
      throw bad(
        `inputs: missing ${missing.join(", ")} (got ${shown(Object.keys(feeds))}). Send every input: ${inputList}.`,
      );
    }
    let requested = allOutputs;
    let fetches = allFetches;
    if (request.outputs && request.outputs.length > 0) {
      requested = request.outputs.map((o) => o.name);
      for (const [i, o] of requested.entries()) {
        if (!outputByName.has(o)) {
          throw bad(`outputs[${i}]: the model has no such output (got ${shown(o)}). Request one of: ${outputList}.`);
        }
      }
      fetches = requested.map((n) => fetchOf.get(n)!);
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run(feeds, fetches);
    } catch (e) {
      // Shapes were checked against the model's declared ones; onnxruntime still rejects what only it knows
      // (e.g. a dimension two inputs must share). That is the client's request, not a server bug.
      throw bad(
        `inputs: the model rejected them (got ${shown(request.inputs.map((t) => t.shape))}): ${(e as Error).message}.`,
      );
    }
    const outputsOut: Tensor[] = new Array(requested.length);
    for (let k = 0; k < requested.length; k++) {
      const n = requested[k]!;
      const t = result[fetches[k]!]!;
      outputsOut[k] = {
        name: n,
        datatype: outputByName.get(n)!.datatype,
        shape: t.dims.map(Number),
        data: t.data as TensorData,
      };
    }
    return { outputs: outputsOut };
  }

  return {
    name,
    version,
    platform: "onnxruntime_onnx",
    inputs,
    outputs,
    metadata: model.signature.metadata,
    ...(model.signature.classLabels ? { classLabels: model.signature.classLabels } : {}),
    infer,
    release: () => model.release(),
  };
}
