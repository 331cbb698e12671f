import { shown, UserError } from "../errors";
import type { ModelSignature, ValueSignature } from "../onnx/signature";
import type { ColumnType } from "./types";

/** The data columns a model reads and how they become its inputs. */
export type InputBinding =
  /** One `[N,F]` float/double input fed from F numeric columns, in order. */
  | { kind: "matrix"; input: string; dtype: "float" | "double"; columns: string[] }
  /** One input per column (sklearn-onnx with named columns): `[N,1]` (rank 2) or `[N]` (rank 1). */
  | { kind: "column"; input: string; dtype: ColumnDtype; column: string; rank: 1 | 2 };

export type ColumnDtype = "float" | "double" | "int64" | "int32" | "string" | "bool";

export interface InputPlan {
  /** The feature columns, in model order. */
  features: string[];
  /** How each feature column is read from the data. */
  types: Record<string, ColumnType>;
  bindings: InputBinding[];
}

/**
 * Which columns are the features. In order: `features` when given; else the model's input names when
 * they are data columns (one input per column); else metadata_props "features" (JSON array or
 * comma-separated) when present; else every data column but the label.
 */
export function selectFeatures(opts: {
  columns: string[];
  label: string;
  signature: ModelSignature;
  features?: string[];
}): string[] {
  const { columns, label, signature } = opts;
  if (opts.features && opts.features.length > 0) {
    const missing = opts.features.filter((f) => !columns.includes(f));
    if (missing.length > 0) {
      throw new UserError(
        `features: ${missing.map((m) => `"${m}"`).join(", ")} not found in the data (columns: ${columns.join(", ")}). ` +
          "Set features: to columns of the data (case, spaces and brackets must match).",
      );
    }
    return opts.features;
  }
  const names = signature.inputs.map((i) => i.name);
  if (names.length > 1 || (names.length === 1 && columns.includes(names[0]!))) return names;
  const meta = signature.metadata.features ?? signature.metadata.feature_names;
  if (meta) {
    const listed = parseList(meta);
    if (listed.length > 0) return listed;
  }
  return columns.filter((c) => c !== label);
}

function parseList(text: string): string[] {
  const t = text.trim();
  if (t.startsWith("[")) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
    } catch {
      // not JSON: fall through to the comma-separated form
    }
  }
  return t
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

const NUMERIC: ReadonlySet<string> = new Set(["float", "double", "int64", "int32", "bool"]);

/**
 * Map feature columns onto a model's declared inputs. Any mismatch (missing column, text where the model
 * wants numbers, wrong width, unsupported input type) is a UserError showing both sides.
 */
export function planInputs(opts: {
  /** Names the model in messages, e.g. "candidate". */
  model: string;
  signature: ModelSignature;
  features: string[];
  /** Column types of the data (inferred or declared). */
  dataTypes: Record<string, ColumnType>;
  dataColumns: string[];
  /** Where each text column's first non-number is (DataSet.textAt), for the message. */
  textAt?: Record<string, string>;
}): InputPlan {
  const { model, signature, features, dataTypes } = opts;
  const inputs = signature.inputs;
  const declared = inputs.map((i) => `${i.name}: ${i.type}`).join(", ");
  if (inputs.length === 0) {
    throw new UserError(`${model}: the model declares no inputs (got none). Re-export it with its input declared.`);
  }
  const only = inputs[0]!;
  if (inputs.length === 1 && only.kind === "tensor" && only.shape?.length === 2 && !features.includes(only.name)) {
    // One [N,F] matrix input.
    if (only.dtype !== "float" && only.dtype !== "double") {
      throw new UserError(
        `${model}: input "${only.name}" is ${only.type}; only float or double matrix inputs can be fed from numeric columns (got ${only.dtype}). Export the model with a float input.`,
      );
    }
    const width = only.shape[1];
    if (typeof width === "number" && width !== features.length) {
      throw new UserError(
        `${model}: input "${only.name}" takes ${width} features per row (${only.type}) but ${features.length} feature columns are selected (got ${shown(features.join(", "), 300)}). ` +
          `Set features: to the ${width} columns the model was trained on, in training order.`,
      );
    }
    const text = features.filter((f) => dataTypes[f] === "string");
    if (text.length > 0) {
      const at = opts.textAt?.[text[0]!];
      throw new UserError(
        `${model}: input "${only.name}" is ${only.type} but feature column${text.length > 1 ? "s" : ""} ${text.map((t) => `"${t}"`).join(", ")} ${text.length > 1 ? "are" : "is"} not numeric${at ? ` (got ${at} in "${text[0]}")` : ""}. ` +
          "Fix the values (empty or NA mean missing), leave text columns out of features:, or use a model with one input per column.",
      );
    }
    return {
      features,
      types: Object.fromEntries(features.map((f) => [f, "number" as const])),
      bindings: [{ kind: "matrix", input: only.name, dtype: only.dtype, columns: features }],
    };
  }
  // One input per column.
  const missing = inputs.filter((i) => !opts.dataColumns.includes(i.name)).map((i) => i.name);
  if (missing.length > 0) {
    throw new UserError(
      `${model}: the model's input${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} match no data column ` +
        `(model inputs: ${declared}; data columns: ${opts.dataColumns.join(", ")}). Rename the columns or re-export the model with the data's column names.`,
    );
  }
  const types: Record<string, ColumnType> = {};
  const bindings: InputBinding[] = inputs.map((i) => {
    const rank = bindingRank(model, i);
    if (i.kind !== "tensor" || !(NUMERIC.has(i.dtype) || i.dtype === "string")) {
      throw new UserError(
        `${model}: input "${i.name}" is ${i.type}, which cannot be fed from a data column (got ${i.dtype}). Use float, double, int64, int32, bool or string inputs.`,
      );
    }
    if (i.dtype !== "string" && dataTypes[i.name] === "string") {
      const at = opts.textAt?.[i.name];
      throw new UserError(
        at
          ? `data: column "${i.name}" is not numeric (got ${at}), but ${model}'s input "${i.name}" is ${i.type}. Fix the value (empty or NA mean missing), or re-export the model with a string input for it.`
          : `${model}: input "${i.name}" is ${i.type} but the data column "${i.name}" is not numeric (model inputs: ${declared}). ` +
              "Fix the column's values or re-export the model with a string input for it.",
      );
    }
    types[i.name] = i.dtype === "string" ? "string" : "number";
    return { kind: "column", input: i.name, dtype: i.dtype as ColumnDtype, column: i.name, rank };
  });
  return { features: inputs.map((i) => i.name), types, bindings };
}

function bindingRank(model: string, i: ValueSignature): 1 | 2 {
  if (!i.shape || i.shape.length === 2) {
    const w = i.shape?.[1];
    if (typeof w === "number" && w !== 1) {
      throw new UserError(
        `${model}: input "${i.name}" is ${i.type}: ${w} values per row cannot come from one column (got width ${w}). Feed it one column ([N,1]) or use a single matrix input.`,
      );
    }
    return 2;
  }
  if (i.shape.length === 1) return 1;
  throw new UserError(
    `${model}: input "${i.name}" is ${i.type}; rank ${i.shape.length} inputs cannot be fed from columns (got shape [${i.shape.join(",")}]). Use [N,1] or [N,F] inputs.`,
  );
}
