import * as ort from "onnxruntime-node";
import { UserError } from "../errors";
import { tensorType, valueInfo } from "./graph-builder";
import { appendGraphOutputs, decodeModel, type GraphProto, type ModelProto, withoutNodes } from "./model";
import { type ModelSignature, signatureOf } from "./signature";

export interface ModelSession {
  session: ort.InferenceSession;
  /** Signature of the model as given (before the ZipMap edit). */
  signature: ModelSignature;
  /**
   * The tensor to fetch for a declared output: the output itself, or for a ZipMap output
   * (sequence<map>, which onnxruntime-node cannot return) the `[N,C]` float tensor ZipMap reads.
   */
  tensorFor(output: string): string;
  /** session.run fetching only `fetches` (tensor names, see tensorFor). */
  run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Names the model in error messages, e.g. "candidate (model.onnx)". */
  what?: string;
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /**
   * Leave out the ZipMap nodes whose sequence<map> output nothing reads (onnxruntime-node cannot return it,
   * and onnxruntime runs every node whatever is fetched: building a map per row costs more than the
   * classifier itself). Their outputs are then not among the session's outputs; `tensorFor` still names the
   * probability tensor. For callers that fetch tensors only (evaluation, batch scoring).
   */
  skipZipMap?: boolean;
  /** The model already decoded from `bytes` (decodeModel), so it is not decoded twice. */
  decoded?: ModelProto;
}

/**
 * Load ONNX bytes into an onnxruntime session. ZipMap outputs get their probability tensor exposed as an
 * extra graph output (appended to the serialized model, so nothing else in it changes).
 * Not ONNX / rejected by onnxruntime -> UserError.
 */
export async function openSession(bytes: Uint8Array, opts: OpenSessionOptions = {}): Promise<ModelSession> {
  const what = opts.what ?? "model";
  const decoded = opts.decoded ?? decodeModel(bytes, what);
  const signature = signatureOf(decoded);
  const declared = new Set(signature.outputs.map((o) => o.name));
  const extra = signature.zipmaps
    .filter((z) => !declared.has(z.probabilities))
    .map((z) => valueInfo(z.probabilities, tensorType("float")));
  const skipped = opts.skipZipMap ? unreadZipMapOutputs(decoded, signature) : new Set<string>();
  const runnable = appendGraphOutputs(
    skipped.size > 0 ? withoutNodes(bytes, (n) => n.opType === "ZipMap" && skipped.has(n.output[0]!), skipped) : bytes,
    extra,
  );
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(runnable, {
      graphOptimizationLevel: "all",
      ...opts.sessionOptions,
    });
  } catch (e) {
    throw new UserError(
      `${what}: onnxruntime ${ort.env.versions?.common ?? ""} cannot load the model (${firstLine(e)}). ` +
        "Check its opset and operators against onnxruntime 1.30, or re-export it.",
      { cause: e },
    );
  }
  const zipmapSource = new Map(signature.zipmaps.map((z) => [z.output, z.probabilities]));
  return {
    session,
    signature,
    tensorFor: (output) => zipmapSource.get(output) ?? output,
    run: (feeds, fetches) => session.run(feeds, fetches) as Promise<Record<string, ort.Tensor>>,
    release: () => session.release(),
  };
}

/** ZipMap outputs no node reads (in the graph or any subgraph): only the graph's outputs name them. */
export function unreadZipMapOutputs(model: ModelProto, signature: ModelSignature): Set<string> {
  const read = new Set<string>();
  const visit = (g: GraphProto | undefined) => {
    for (const n of g?.node ?? []) {
      for (const i of n.input ?? []) read.add(i);
      for (const a of n.attribute ?? []) {
        visit(a.g);
        for (const sub of a.graphs ?? []) visit(sub);
      }
    }
  };
  visit(model.graph);
  return new Set(signature.zipmaps.map((z) => z.output).filter((o) => !read.has(o)));
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!;
}
