import { type AttrValue, type Dim, GraphBuilder, type ModelOptions, sequenceOfMapType } from "./graph-builder";
import type { ModelProto } from "./model";

/**
 * Builders for the model shapes this project trains, serves and evaluates. They emit the same graphs
 * sklearn-onnx does (ai.onnx.ml operators, output names "label"/"probabilities", or ZipMap's
 * "output_label"/"output_probability") or plain ONNX operators, so the rest of the suite handles real
 * exported models and ours alike.
 */

/** Class labels in the model (classlabels_ints / classlabels_strings). */
export type ClassLabels = number[] | string[];

export type PostTransform = "NONE" | "LOGISTIC" | "SOFTMAX" | "SOFTMAX_ZERO" | "PROBIT";

export interface ScalerSpec {
  /** y = (x - offset) * scale, per feature (or one value for all). */
  offset: number[];
  scale: number[];
}

export type NormalizerSpec = { norm: "MAX" | "L1" | "L2" };

export interface LinearSpec {
  /** One row per class, each `nFeatures` long. A single row with two classes = binary: P(classes[1]) = sigmoid(w·x + b). */
  coefficients: number[][];
  intercepts: number[];
}

/** A decision tree: branch nodes go left when `x[feature] <= threshold` (BRANCH_LEQ, as sklearn). */
export type TreeNode =
  | { feature: number; threshold: number; left: TreeNode; right: TreeNode; missingGoesLeft?: boolean }
  | { value: number | number[] };

export interface TreeEnsembleSpec {
  trees: TreeNode[];
  /** Added to the summed leaf values (per class / target). */
  baseValues?: number[];
  postTransform?: PostTransform;
}

/** The model's input: one float matrix, or one `[N,1]` input per named column (sklearn-onnx with a DataFrame). */
export type InputSpec =
  | { kind: "matrix"; nFeatures: number; name?: string; elem?: "float" | "double" }
  | { kind: "columns"; columns: ColumnSpec[] };

export interface ColumnSpec {
  name: string;
  type: "float" | "int64" | "string";
  /** string columns: categories one-hot encoded in this order (unknown values encode as all zeros). */
  categories?: string[];
  /**
   * string columns: ordinal codes instead of one-hot (ai.onnx.ml LabelEncoder, as sklearn-onnx exports an
   * OrdinalEncoder), e.g. {L: 0, M: 1, H: 2}; unknown values encode as `unknownCode` (default NaN).
   */
  codes?: Record<string, number>;
  unknownCode?: number;
}

export type HeadSpec =
  /** MatMul + Add + Sigmoid (single row: output "probability" [N,1]) or Softmax (output "probabilities" [N,C]). */
  | ({ kind: "linear-standard" } & LinearSpec)
  /** ai.onnx.ml LinearClassifier: outputs "label" [N] and "probabilities" [N,C]. */
  | ({ kind: "linear-classifier"; classes: ClassLabels; postTransform?: PostTransform } & LinearSpec)
  /** ai.onnx.ml TreeEnsembleClassifier: outputs "label" [N] and "probabilities" [N,C]. */
  | ({ kind: "tree-classifier"; classes: ClassLabels } & TreeEnsembleSpec)
  /** ai.onnx.ml TreeEnsembleRegressor: output "variable" [N,nTargets]. */
  | ({ kind: "tree-regressor"; nTargets?: number; aggregate?: "SUM" | "AVERAGE" | "MIN" | "MAX" } & TreeEnsembleSpec)
  /** No model: output the preprocessed features as "variable" [N,F] (a Scaler/Normalizer-only model). */
  | { kind: "identity" };

export type PreprocessStep = ({ kind: "scaler" } & ScalerSpec) | ({ kind: "normalizer" } & NormalizerSpec);

export interface ModelBuildSpec extends ModelOptions {
  input: InputSpec;
  preprocess?: PreprocessStep[];
  head: HeadSpec;
  /**
   * Classifier heads from ai.onnx.ml: add a ZipMap so probabilities come out as sequence<map<label, float>>
   * named "output_probability" (and the label as "output_label"), as sklearn-onnx does by default.
   */
  zipmap?: boolean;
}

/** Build any supported model from a spec. The convenience builders below cover the common shapes. */
export function buildModel(spec: ModelBuildSpec): ModelProto {
  const g = new GraphBuilder("mlops_model");
  const { features, width } = addInput(g, spec.input);
  let x = features;
  for (const step of spec.preprocess ?? []) {
    x = step.kind === "scaler" ? addScaler(g, x, step) : addNormalizer(g, x, step);
  }
  addHead(g, x, width, spec.head, spec.zipmap ?? false);
  return g.model(spec);
}

/** Logistic/softmax regression over a float `[N,F]` input. `ops: "ml"` = LinearClassifier as sklearn-onnx. */
export function linearClassifierModel(
  opts: LinearSpec &
    ModelOptions & {
      classes?: ClassLabels;
      ops?: "standard" | "ml";
      zipmap?: boolean;
      inputName?: string;
      preprocess?: PreprocessStep[];
      postTransform?: PostTransform;
    },
): ModelProto {
  const nFeatures = opts.coefficients[0]?.length ?? 0;
  const nRows = opts.coefficients.length;
  const classes = opts.classes ?? (nRows === 1 ? [0, 1] : Array.from({ length: nRows }, (_, i) => i));
  const head: HeadSpec =
    (opts.ops ?? "ml") === "standard"
      ? { kind: "linear-standard", coefficients: opts.coefficients, intercepts: opts.intercepts }
      : {
          kind: "linear-classifier",
          coefficients: opts.coefficients,
          intercepts: opts.intercepts,
          classes,
          postTransform: opts.postTransform ?? (nRows === 1 ? "LOGISTIC" : "SOFTMAX"),
        };
  return buildModel({
    ...opts,
    input: matrixInput(nFeatures, opts.inputName),
    head,
  });
}

/** Gradient boosting / random forest classifier (TreeEnsembleClassifier) over a float `[N,F]` input. */
export function treeEnsembleClassifierModel(
  opts: TreeEnsembleSpec &
    ModelOptions & {
      nFeatures: number;
      classes: ClassLabels;
      zipmap?: boolean;
      inputName?: string;
      preprocess?: PreprocessStep[];
    },
): ModelProto {
  return buildModel({
    ...opts,
    input: matrixInput(opts.nFeatures, opts.inputName),
    head: { kind: "tree-classifier", ...opts },
  });
}

/** Tree ensemble regressor over a float `[N,F]` input; output "variable" [N,nTargets]. */
export function treeEnsembleRegressorModel(
  opts: TreeEnsembleSpec &
    ModelOptions & {
      nFeatures: number;
      nTargets?: number;
      aggregate?: "SUM" | "AVERAGE" | "MIN" | "MAX";
      inputName?: string;
      preprocess?: PreprocessStep[];
    },
): ModelProto {
  return buildModel({
    ...opts,
    input: matrixInput(opts.nFeatures, opts.inputName),
    head: { kind: "tree-regressor", ...opts },
  });
}

/** A Scaler and/or Normalizer alone over `[N,F]`; output "variable" [N,F]. */
export function transformModel(
  opts: ModelOptions & { nFeatures: number; steps: PreprocessStep[]; inputName?: string },
): ModelProto {
  return buildModel({
    ...opts,
    input: matrixInput(opts.nFeatures, opts.inputName),
    preprocess: opts.steps,
    head: { kind: "identity" },
  });
}

/** One input per column (float / int64 / one-hot string) concatenated into features, then `head`. */
export function columnsModel(
  opts: ModelOptions & { columns: ColumnSpec[]; head: HeadSpec; preprocess?: PreprocessStep[]; zipmap?: boolean },
): ModelProto {
  return buildModel({ ...opts, input: { kind: "columns", columns: opts.columns } });
}

// ---- graph pieces --------------------------------------------------------------------------------

const N: Dim = "N";

function addInput(g: GraphBuilder, input: InputSpec): { features: string; width: number } {
  if (input.kind === "matrix") {
    const name = g.input(input.name ?? "input", input.elem ?? "float", [N, input.nFeatures]);
    if (input.elem === "double")
      return { features: g.node("Cast", [name], { to: { int: 1 } }), width: input.nFeatures };
    return { features: name, width: input.nFeatures };
  }
  const parts: string[] = [];
  let width = 0;
  for (const col of input.columns) {
    const name = g.input(col.name, col.type, [N, 1]);
    if (col.type === "float") {
      parts.push(name);
      width += 1;
    } else if (col.type === "int64") {
      parts.push(g.node("Cast", [name], { to: { int: 1 } }));
      width += 1;
    } else if (col.codes) {
      const keys = Object.keys(col.codes);
      if (keys.length === 0) throw new Error(`columnsModel: string column "${col.name}" has empty codes`);
      parts.push(
        g.node(
          "LabelEncoder",
          [name],
          {
            keys_strings: { strings: keys },
            values_floats: { floats: keys.map((k) => col.codes![k]!) },
            default_float: { float: col.unknownCode ?? Number.NaN },
          },
          "ai.onnx.ml",
        ),
      );
      width += 1;
    } else {
      const cats = col.categories ?? [];
      if (cats.length === 0) throw new Error(`columnsModel: string column "${col.name}" needs categories`);
      const onehot = g.node(
        "OneHotEncoder",
        [name],
        { cats_strings: { strings: cats }, zeros: { int: 1 } },
        "ai.onnx.ml",
      );
      const shape = g.constant("onehot_shape", "int64", [2], [-1, cats.length]);
      parts.push(g.node("Reshape", [onehot, shape]));
      width += cats.length;
    }
  }
  const features = parts.length === 1 ? parts[0]! : g.node("Concat", parts, { axis: { int: 1 } });
  return { features, width };
}

function addScaler(g: GraphBuilder, x: string, s: ScalerSpec): string {
  return g.node("Scaler", [x], { offset: { floats: s.offset }, scale: { floats: s.scale } }, "ai.onnx.ml");
}

function addNormalizer(g: GraphBuilder, x: string, s: NormalizerSpec): string {
  return g.node("Normalizer", [x], { norm: { string: s.norm } }, "ai.onnx.ml");
}

function classLabelAttrs(
  classes: ClassLabels,
  prefix: "classlabels_ints" | "classlabels_int64s",
): Record<string, AttrValue> {
  return typeof classes[0] === "string"
    ? { classlabels_strings: { strings: classes as string[] } }
    : { [prefix]: { ints: classes as number[] } };
}

function labelElem(classes: ClassLabels): "string" | "int64" {
  return typeof classes[0] === "string" ? "string" : "int64";
}

function addHead(g: GraphBuilder, x: string, width: number, head: HeadSpec, zipmap: boolean): void {
  switch (head.kind) {
    case "identity":
      g.output(g.node("Identity", [x], {}, "", "variable"), "float", [N, width]);
      return;
    case "linear-standard": {
      const C = head.coefficients.length;
      const wt = new Float32Array(width * C); // [F,C] = coefficients transposed
      head.coefficients.forEach((row, c) => {
        row.forEach((w, f) => {
          wt[f * C + c] = w;
        });
      });
      const W = g.constant("coefficients", "float", [width, C], wt);
      const B = g.constant("intercepts", "float", [C], head.intercepts);
      const z = g.node("Add", [g.node("MatMul", [x, W]), B]);
      if (C === 1) g.output(g.node("Sigmoid", [z], {}, "", "probability"), "float", [N, 1]);
      else g.output(g.node("Softmax", [z], { axis: { int: 1 } }, "", "probabilities"), "float", [N, C]);
      return;
    }
    case "linear-classifier": {
      const [label, probs] = classifierOutputs(g, zipmap);
      g.nodeMulti(
        "LinearClassifier",
        [x],
        [label, probs],
        {
          coefficients: { floats: head.coefficients.flat() },
          intercepts: { floats: head.intercepts },
          post_transform: { string: head.postTransform ?? "NONE" },
          multi_class: { int: 0 },
          ...classLabelAttrs(head.classes, "classlabels_ints"),
        },
        "ai.onnx.ml",
      );
      finishClassifier(g, label, probs, head.classes, zipmap);
      return;
    }
    case "tree-classifier": {
      const [label, probs] = classifierOutputs(g, zipmap);
      const t = flattenTrees(head.trees);
      g.nodeMulti(
        "TreeEnsembleClassifier",
        [x],
        [label, probs],
        {
          ...t.nodeAttrs,
          class_treeids: { ints: t.leafTree },
          class_nodeids: { ints: t.leafNode },
          class_ids: { ints: t.leafTarget },
          class_weights: { floats: t.leafWeight },
          post_transform: { string: head.postTransform ?? "NONE" },
          ...(head.baseValues ? { base_values: { floats: head.baseValues } } : {}),
          ...classLabelAttrs(head.classes, "classlabels_int64s"),
        },
        "ai.onnx.ml",
      );
      finishClassifier(g, label, probs, head.classes, zipmap);
      return;
    }
    case "tree-regressor": {
      const t = flattenTrees(head.trees);
      const nTargets = head.nTargets ?? 1;
      const y = g.node(
        "TreeEnsembleRegressor",
        [x],
        {
          ...t.nodeAttrs,
          target_treeids: { ints: t.leafTree },
          target_nodeids: { ints: t.leafNode },
          target_ids: { ints: t.leafTarget },
          target_weights: { floats: t.leafWeight },
          n_targets: { int: nTargets },
          aggregate_function: { string: head.aggregate ?? "SUM" },
          post_transform: { string: head.postTransform ?? "NONE" },
          ...(head.baseValues ? { base_values: { floats: head.baseValues } } : {}),
        },
        "ai.onnx.ml",
        "variable",
      );
      g.output(y, "float", [N, nTargets]);
      return;
    }
  }
}

function classifierOutputs(g: GraphBuilder, zipmap: boolean): [string, string] {
  return zipmap ? ["output_label", g.fresh("probabilities")] : ["label", "probabilities"];
}

function finishClassifier(g: GraphBuilder, label: string, probs: string, classes: ClassLabels, zipmap: boolean) {
  const C = classes.length;
  g.output(label, labelElem(classes), [N]);
  if (!zipmap) {
    g.output(probs, "float", [N, C]);
    return;
  }
  g.node("ZipMap", [probs], classLabelAttrs(classes, "classlabels_int64s"), "ai.onnx.ml", "output_probability");
  g.outputWithType("output_probability", sequenceOfMapType(labelElem(classes)));
}

interface FlatTrees {
  nodeAttrs: Record<string, AttrValue>;
  leafTree: number[];
  leafNode: number[];
  leafTarget: number[];
  leafWeight: number[];
}

/** Preorder numbering per tree, as the TreeEnsemble* attribute lists expect. */
function flattenTrees(trees: TreeNode[]): FlatTrees {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const leafTree: number[] = [];
  const leafNode: number[] = [];
  const leafTarget: number[] = [];
  const leafWeight: number[] = [];
  trees.forEach((tree, t) => {
    let next = 0;
    const visit = (n: TreeNode): number => {
      const id = next++;
      const at = treeIds.length;
      treeIds.push(t);
      nodeIds.push(id);
      if ("value" in n) {
        featureIds.push(0);
        modes.push("LEAF");
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        const v = typeof n.value === "number" ? [n.value] : n.value;
        v.forEach((w, k) => {
          leafTree.push(t);
          leafNode.push(id);
          leafTarget.push(k);
          leafWeight.push(w);
        });
        return id;
      }
      featureIds.push(n.feature);
      modes.push("BRANCH_LEQ");
      values.push(n.threshold);
      trueIds.push(0);
      falseIds.push(0);
      missingTrue.push(n.missingGoesLeft ? 1 : 0);
      trueIds[at] = visit(n.left);
      falseIds[at] = visit(n.right);
      return id;
    };
    visit(tree);
  });
  return {
    nodeAttrs: {
      nodes_treeids: { ints: treeIds },
      nodes_nodeids: { ints: nodeIds },
      nodes_featureids: { ints: featureIds },
      nodes_modes: { strings: modes },
      nodes_values: { floats: values },
      nodes_truenodeids: { ints: trueIds },
      nodes_falsenodeids: { ints: falseIds },
      nodes_missing_value_tracks_true: { ints: missingTrue },
    },
    leafTree,
    leafNode,
    leafTarget,
    leafWeight,
  };
}

/** A float `[N,F]` input, named `input` unless a name is given. */
function matrixInput(nFeatures: number, name?: string): InputSpec {
  return { kind: "matrix", nFeatures, ...(name ? { name } : {}) };
}
