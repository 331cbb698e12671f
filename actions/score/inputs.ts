import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z.object({
  model: input.requiredString("a path to an .onnx file or a registry reference such as my-model@champion"),
  registry: defaulted(input.string()),
  data: input.requiredString("a CSV, Parquet or JSON Lines file (or glob) with the rows to score"),
  features: input.list(),
  "id-columns": input.list(),
  output: input.requiredString("the .csv or .parquet file to write the predictions to"),
  task: defaulted(input.enumeration(["auto", "binary", "multiclass", "regression"] as const)),
  threshold: defaulted(input.number({ min: 0, max: 1 })),
  "positive-label": defaulted(input.string()),
  "batch-size": defaulted(input.integer({ min: 1, max: 1_048_576 })),
  shard: input.string(),
  "shard-by": defaulted(input.enumeration(["files", "rows"] as const)),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["rows", "output", "columns", "model-version"] as const;
