import type { ColumnBatch, ColumnType } from "../data";
import { shown, UserError } from "../errors";
import { openModelScorer } from "../scoring";
import type { FeatureTable } from "./feature-table";

export interface OnnxScorerOptions {
  /**
   * Feature columns in model order. Default: the input names when the model has one input per column,
   * else metadata_props "features" (JSON array or comma-separated).
   */
  features?: string[];
  /** Rows per session.run (default 8192). */
  batchSize?: number;
  /** Names the model in messages. */
  what?: string;
}

export interface OnnxScorer {
  /** The data columns the model reads, in model order (pass as detectDrift's predictColumns). */
  features: string[];
  /** One score per row: P(positive class) for binary classifiers, the top probability for multi-class, the value for regressors. */
  predict(table: FeatureTable): Promise<Float64Array>;
  release(): Promise<void>;
}

/**
 * A scorer for prediction drift (detectDrift's `predict`): the model read as compare-models reads it
 * (shared/scoring), over a feature table in batches. A missing value reaches a float input as NaN (the
 * model decides; a NaN score counts as missing in the report) and is refused for an integer input.
 */
export async function onnxScorer(model: Uint8Array, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
  const what = options.what ?? "model";
  const scorer = await openModelScorer(model, what);
  const features = options.features ?? scorer.declaredFeatures;
  if (!features || features.length === 0) {
    await scorer.release();
    throw new UserError(
      `${what}: cannot tell which columns feed its matrix input (got no features and no "features" metadata). Set the feature columns in model order.`,
    );
  }
  const batchSize = options.batchSize ?? 8192;
  return {
    features,
    async predict(table) {
      for (const f of features) {
        if (!table.data.has(f)) {
          throw new UserError(
            `${what}: feature ${shown(f)} is not in the data (columns: ${table.columns.join(", ")}). Compare the features the model was trained on.`,
          );
        }
      }
      const types: Record<string, ColumnType> = {};
      for (const [name, col] of table.data) types[name] = col.kind === "numeric" ? "number" : "string";
      const plan = scorer.plan(features, table.columns, types);
      const scores = new Float64Array(table.rows);
      for (let start = 0; start < table.rows; start += batchSize) {
        const batch = tableBatch(table, plan.types, start, Math.min(batchSize, table.rows - start));
        scores.set(await scorer.score(plan, batch, "pass"), start);
      }
      return scores;
    },
    release: () => scorer.release(),
  };
}

/** Rows [start, start + n) of the columns a plan reads, as the data readers hand them to compare-models. */
function tableBatch(table: FeatureTable, types: Record<string, ColumnType>, start: number, n: number): ColumnBatch {
  const columns: ColumnBatch["columns"] = {};
  for (const [name, type] of Object.entries(types)) {
    const col = table.data.get(name);
    if (!col) continue;
    if (type === "number") {
      if (col.kind !== "numeric") continue; // planInputs refuses text for a numeric input
      columns[name] = col.values.subarray(start, start + n);
    } else {
      const text: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        if (col.kind === "categorical") {
          const code = col.codes[start + i] as number;
          text[i] = code < 0 ? "" : (col.categories[code] as string);
        } else text[i] = String(col.values[start + i]);
      }
      columns[name] = text;
    }
  }
  return { rows: n, offset: start, file: "data", firstRow: start + 1, columns };
}
