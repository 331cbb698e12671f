import { UserError } from "../errors";
import type { Task } from "../metrics";
import type { ModelSession, ValueSignature } from "../onnx";

/** The output read from a model and what it means. */
export interface OutputChoice {
  /** Declared output used (e.g. "probabilities", "output_probability", "variable"). */
  output: string;
  /** Tensor fetched from the session (ZipMap outputs: the probability tensor behind them). */
  fetch: string;
  /** Values per row: C for `[N,C]`, 1 for `[N]`/`[N,1]`; null when only the first batch will tell. */
  width: number | null;
  /** The model declares itself a classifier (class labels, ZipMap, Sigmoid/Softmax or a probability name). */
  classifier: boolean;
  /** Class labels declared by the model, as text. */
  classLabels?: string[];
}

const PROBA_NAME = /^(output_)?probabilit(y|ies)$/i;
const CLASSIFIER_OPS = new Set([
  "Sigmoid",
  "Softmax",
  "LogSoftmax",
  "LinearClassifier",
  "TreeEnsembleClassifier",
  "SVMClassifier",
  "ZipMap",
]);

/** Pick the output that carries probabilities / scores / predictions. No usable output -> UserError. */
export function chooseOutput(model: string, session: ModelSession): OutputChoice {
  const sig = session.signature;
  const classLabels = sig.classLabels?.map(String);
  const base = classLabels ? { classLabels } : {};
  const zip = sig.zipmaps[0];
  if (zip) {
    return {
      output: zip.output,
      fetch: session.tensorFor(zip.output),
      width: classLabels?.length ?? null,
      classifier: true,
      ...base,
    };
  }
  const numeric = sig.outputs.filter((o) => o.kind === "tensor" && (o.dtype === "float" || o.dtype === "double"));
  const pick = numeric.find((o) => PROBA_NAME.test(o.name)) ?? numeric.find((o) => /prob/i.test(o.name)) ?? numeric[0];
  if (!pick) {
    throw new UserError(
      `${model}: no float output to evaluate (outputs: ${sig.outputs.map((o) => `${o.name}: ${o.type}`).join(", ")}). ` +
        "Export the model with a probability or prediction output (sklearn-onnx: keep the probabilities output).",
    );
  }
  return {
    output: pick.name,
    fetch: session.tensorFor(pick.name),
    width: widthOf(model, pick),
    classifier: Boolean(classLabels) || /prob/i.test(pick.name) || CLASSIFIER_OPS.has(sig.producers[pick.name] ?? ""),
    ...base,
  };
}

function widthOf(model: string, o: ValueSignature): number | null {
  if (!o.shape) return null;
  if (o.shape.length === 1) return 1;
  if (o.shape.length === 2) return typeof o.shape[1] === "number" ? o.shape[1] : null;
  throw new UserError(
    `${model}: output "${o.name}" is ${o.type}; only [N], [N,1] or [N,C] outputs can be evaluated (got rank ${o.shape.length}). Export a per-row output.`,
  );
}

/** Task from an output: C >= 3 multiclass, C = 2 binary, one value binary for a classifier else regression. */
export function inferTask(choice: OutputChoice, width: number): Task {
  if (width >= 3) return "multiclass";
  if (width === 2) return "binary";
  return choice.classifier ? "binary" : "regression";
}

/** A declared task the output cannot serve -> UserError. */
export function checkTask(model: string, choice: OutputChoice, width: number, task: Task): void {
  const ok = task === "regression" ? width === 1 : task === "binary" ? width <= 2 : width >= 2;
  if (!ok) {
    throw new UserError(
      `task: ${model}'s output "${choice.output}" has ${width} value${width > 1 ? "s" : ""} per row, which does not fit task ${task} (got ${task}). ` +
        "Set task: to binary (1 or 2 values), multiclass (one per class) or regression (1 value), or leave it on auto.",
    );
  }
}
