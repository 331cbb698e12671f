/**
 * Large inferences on a worker thread. onnxruntime-node's `session.run` holds the thread that calls it until the
 * model has run, so a 100 k-row request on the main thread stops every other request, health probes included,
 * for as long. Requests of more than INLINE_ELEMENTS elements therefore run on a worker thread with its own
 * session of the same model; small ones (the usual few rows) stay on the main thread, where they cost no message
 * passing. The worker is the server's own entry (main.ts, bundled as serve.js) started as a thread, so the
 * bundle and the image need no other file; it starts on the first large request.
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { isUserError, UserError } from "../errors";
import { answerWire } from "./grpc-server";
import { decodeInferRequest, encodeInferResponseText } from "./http-codec";
import type { ServeLimits } from "./limits";
import { type InferRequest, type InferResult, loadModel, type ServedModel } from "./model";
import { lowerThreadPriority, serverThreadEntry } from "./worker-thread";

/** Requests with at most this many input elements run on the main thread (~5 ms of a 100-tree model). */
export const INLINE_ELEMENTS = 16_384;

/** An HTTP inference request as bytes, for the worker to decode (same checks and errors as on the main thread). */
export interface EncodedInferRequest {
  body: Buffer;
  /** Inference-Header-Content-Length: the JSON part's length when the body carries binary tensor data. */
  jsonLength?: number;
  limits: Pick<ServeLimits, "maxJsonBytes" | "maxElements">;
}

/** The HTTP response the worker wrote: its bytes, headers, and the rows inferred (for the metrics). */
export interface EncodedInferResponse {
  body: Buffer;
  headers: Record<string, string>;
  rows: number;
}

interface WorkerData {
  role: "inference";
  model: string | Uint8Array;
  threads?: number;
}

interface Reply {
  id: number;
  result?: InferResult;
  encoded?: { body: Uint8Array; headers: Record<string, string>; rows: number };
  error?: { message: string; code?: string; user: boolean; stack?: string };
}

type WorkerMessage =
  | { id: number; request: InferRequest }
  | {
      id: number;
      encoded: { body: Uint8Array; jsonLength?: number; limits: EncodedInferRequest["limits"] };
      model: { name: string; version: string };
    }
  | { id: number; grpc: { body: Uint8Array; maxElements: number }; model: { name: string; version: string } };

/** The ArrayBuffer of `bytes` when `bytes` is all of it (so it can be transferred without taking others' bytes). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer | undefined {
  const b = bytes.buffer;
  return b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength ? b : undefined;
}

/** `bytes` in an ArrayBuffer of their own (the same view when they already are), ready to transfer. */
function owned(bytes: Uint8Array): { view: Uint8Array; buffer: ArrayBuffer } {
  const own = ownBuffer(bytes);
  if (own) return { view: bytes, buffer: own };
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { view: copy, buffer: copy.buffer };
}

/** The worker side: loads the model and answers `{id, request}` messages with `{id, result | error}`. */
export function runInferenceWorker(): void {
  const port = parentPort!;
  const data = workerData as WorkerData;
  // Before the session exists, so onnxruntime's pool threads (created by this thread) inherit the priority.
  lowerThreadPriority();
  // Large requests only: their buffers go back after each run instead of staying in onnxruntime's arena.
  const loaded = loadModel({
    model: data.model,
    memoryArena: false,
    ...(data.threads === undefined ? {} : { threads: data.threads }),
  });
  // An encoded HTTP request: parsed, checked, run and answered here, its response bytes moved back.
  const answer = async (m: ServedModel, message: Extract<WorkerMessage, { encoded: unknown }>) => {
    const { body, jsonLength, limits } = message.encoded;
    const request = decodeInferRequest(Buffer.from(body.buffer, body.byteOffset, body.byteLength), jsonLength, limits);
    const result = await m.infer(request);
    const text = encodeInferResponseText(message.model, request, result);
    const bytes = typeof text.body === "string" ? Buffer.from(text.body, "utf8") : text.body;
    const out = owned(bytes);
    const reply: Reply = {
      id: message.id,
      encoded: { body: out.view, headers: { ...text.headers }, rows: request.inputs[0]?.shape[0] ?? 0 },
    };
    port.postMessage(reply, [out.buffer]);
  };
  // A gRPC ModelInferRequest's bytes: checked, decoded, run and encoded here, under the served name and version.
  const answerGrpc = async (m: ServedModel, message: Extract<WorkerMessage, { grpc: unknown }>) => {
    const { body, maxElements } = message.grpc;
    const served: ServedModel = { ...m, name: message.model.name, version: message.model.version };
    const out = await answerWire(served, Buffer.from(body.buffer, body.byteOffset, body.byteLength), maxElements);
    const bytes = owned(out.body);
    port.postMessage({ id: message.id, encoded: { body: bytes.view, headers: {}, rows: out.rows } } satisfies Reply, [
      bytes.buffer,
    ]);
  };
  port.on("message", (message: WorkerMessage) => {
    loaded
      .then((m): Promise<InferResult | void> =>
        "encoded" in message
          ? answer(m, message)
          : "grpc" in message
            ? answerGrpc(m, message)
            : m.infer(message.request),
      )
      .then(
        (result) => {
          if (result) port.postMessage({ id: message.id, result } satisfies Reply);
        },
        (e: unknown) => {
          const err = e as Error;
          const reply: Reply = {
            id: message.id,
            error: { message: err?.message ?? String(e), user: isUserError(e), stack: err?.stack },
          };
          if (isUserError(e) && e.code !== undefined) reply.error!.code = e.code;
          port.postMessage(reply);
        },
      );
  });
}

/** Input buffers that can move to the worker without a copy (each owned whole by its array). */
function transferable(request: InferRequest): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of request.inputs) {
    const d = t.data;
    if (
      !Array.isArray(d) &&
      d.byteOffset === 0 &&
      d.buffer instanceof ArrayBuffer &&
      d.byteLength === d.buffer.byteLength
    ) {
      out.add(d.buffer);
    }
  }
  return [...out];
}

/** A served model that can also take a whole HTTP inference request, as bytes, to its worker thread. */
export interface OffloadedModel extends ServedModel {
  /**
   * Decodes, validates, runs and encodes an HTTP inference request on the worker thread. `request.body` is moved
   * there (it is unusable afterwards); errors are the same UserErrors the main thread would throw.
   */
  inferEncoded(request: EncodedInferRequest): Promise<EncodedInferResponse>;
  /** The same for a gRPC ModelInferRequest's bytes; the response body is the encoded ModelInferResponse. */
  inferGrpcEncoded(request: Omit<EncodedInferRequest, "jsonLength">): Promise<EncodedInferResponse>;
}

/**
 * `model` with its large requests run on a worker thread holding a second session of the same model (`source`:
 * the path or bytes it was loaded from). The same validation runs on either side, so answers and errors agree.
 */
export function offloadLargeRequests(
  model: ServedModel,
  source: string | Uint8Array,
  options: {
    threads?: number;
    inlineElements?: number;
    /** False when the inputs are read after inference (capture): they are copied to the worker, not moved. */
    transferInputs?: boolean;
  } = {},
): OffloadedModel {
  const inline = options.inlineElements ?? INLINE_ELEMENTS;
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>();

  const failAll = (e: unknown) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  function start(): Worker {
    const entry = serverThreadEntry();
    const data: WorkerData = { role: "inference", model: source };
    if (options.threads !== undefined) data.threads = options.threads;
    const w = new Worker(entry.script, {
      eval: entry.eval,
      workerData: data,
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    w.on("message", (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.result || reply.encoded) p.resolve(reply);
      else if (reply.error?.user) p.reject(new UserError(reply.error.message, { code: reply.error.code }));
      else
        p.reject(
          Object.assign(new Error(reply.error?.message ?? "inference worker failed"), { stack: reply.error?.stack }),
        );
    });
    w.on("error", (e) => failAll(e));
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`inference worker stopped (exit code ${code})`));
    });
    return w;
  }

  function send(message: Omit<WorkerMessage, "id">, transfer: ArrayBuffer[]): Promise<Reply> {
    worker ??= start();
    const w = worker;
    return new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, ...message }, transfer);
    });
  }

  async function infer(request: InferRequest): Promise<InferResult> {
    let elements = 0;
    for (const t of request.inputs) elements += t.data.length;
    if (elements <= inline) return model.infer(request);
    const reply = await send({ request }, options.transferInputs === false ? [] : transferable(request));
    return reply.result!;
  }

  async function inferEncoded(request: EncodedInferRequest): Promise<EncodedInferResponse> {
    const body = owned(request.body);
    const encoded = {
      body: body.view,
      limits: { maxJsonBytes: request.limits.maxJsonBytes, maxElements: request.limits.maxElements },
      ...(request.jsonLength === undefined ? {} : { jsonLength: request.jsonLength }),
    };
    const reply = await send({ encoded, model: { name: model.name, version: model.version } }, [body.buffer]);
    const out = reply.encoded!;
    return {
      body: Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength),
      headers: out.headers,
      rows: out.rows,
    };
  }

  async function inferGrpcEncoded(request: Omit<EncodedInferRequest, "jsonLength">): Promise<EncodedInferResponse> {
    const body = owned(request.body);
    const grpc = { body: body.view, maxElements: request.limits.maxElements };
    const reply = await send({ grpc, model: { name: model.name, version: model.version } }, [body.buffer]);
    const out = reply.encoded!;
    return {
      body: Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength),
      headers: {},
      rows: out.rows,
    };
  }

  return {
    name: model.name,
    version: model.version,
    platform: model.platform,
    inputs: model.inputs,
    outputs: model.outputs,
    metadata: model.metadata,
    ...(model.classLabels ? { classLabels: model.classLabels } : {}),
    infer,
    inferEncoded,
    inferGrpcEncoded,
    release: async () => {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
      await model.release();
    },
  };
}
