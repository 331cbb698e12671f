import { columnsModel, encodeModel, linearClassifierModel, type TreeNode, treeEnsembleClassifierModel } from "../onnx";

/**
 * Small ONNX models shaped like the ones the pipeline trains (sklearn-onnx output names), built in memory:
 * used by the server's tests and benchmark and by demos that need a model without a training run.
 */

/** The five AI4I 2020 sensor features, the inputs of these models. */
export { AI4I_FEATURES } from "../data/ai4i-columns";

/**
 * Logistic regression (LinearClassifier) over `input` FP32 [N,5]: outputs `label` INT64 [N], `probabilities`
 * FP32 [N,2]; with `zipmap`, sklearn-onnx's default outputs `output_label` and `output_probability` instead.
 */
export const LOGISTIC = {
  coefficients: [[0.02, -0.03, -0.004, 0.25, 0.012]],
  intercepts: [-3.5],
};

export function logisticModel(options: { zipmap?: boolean } = {}): Uint8Array {
  return encodeModel(
    linearClassifierModel({
      ...LOGISTIC,
      classes: [0, 1],
      producerName: "mlops-actions",
      zipmap: options.zipmap ?? false,
    }),
  );
}

/** P(class 1) of LOGISTIC for one row, computed in plain TS (float64). */
export function logisticProbability(row: readonly number[]): number {
  const z = LOGISTIC.coefficients[0]!.reduce((acc, w, j) => acc + w * row[j]!, LOGISTIC.intercepts[0]!);
  return 1 / (1 + Math.exp(-z));
}

/**
 * A model with one input per column, as sklearn-onnx exports a DataFrame pipeline: `air` FP32 [N,1],
 * `wear` INT64 [N,1], `type` BYTES [N,1] (one-hot L/M/H) → `label`, `probabilities`.
 */
export function columnsExampleModel(): Uint8Array {
  return encodeModel(
    columnsModel({
      columns: [
        { name: "air", type: "float" },
        { name: "wear", type: "int64" },
        { name: "type", type: "string", categories: ["L", "M", "H"] },
      ],
      head: {
        kind: "linear-classifier",
        coefficients: [[0.5, 0.01, 1, 0, -1]],
        intercepts: [-150],
        classes: [0, 1],
        postTransform: "LOGISTIC",
      },
    }),
  );
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A gradient-boosted-trees-sized classifier over [N,5]: `trees` random trees of `depth` (a heavier, realistic run). */
export function treeModel(trees = 100, depth = 6, seed = 7): Uint8Array {
  const r = seeded(seed);
  const grow = (d: number): TreeNode =>
    d === 0
      ? { value: [(r() - 0.5) * 0.2, (r() - 0.5) * 0.2] }
      : { feature: Math.floor(r() * 5), threshold: r(), left: grow(d - 1), right: grow(d - 1) };
  return encodeModel(
    treeEnsembleClassifierModel({
      nFeatures: 5,
      classes: [0, 1],
      trees: Array.from({ length: trees }, () => grow(depth)),
      postTransform: "SOFTMAX",
    }),
  );
}
