import { z } from "zod";
import { input } from "../../runtime/inputs";

export const inputs = z.object({
  model: input.requiredString("a path to an .onnx file or a registry reference such as my-model@champion"),
  registry: input.string(),
  data: input.requiredString("a CSV, Parquet or JSON Lines file (or glob) with the rows to score"),
  features: input.list(),
  "id-columns": input.list(),
  output: input.requiredString("the .csv or .parquet file to write the predictions to"),
  task: input.enumeration(["auto", "binary", "multiclass", "regression"] as const),
  threshold: input.number({ min: 0, max: 1 }),
  "positive-label": input.string(),
  "batch-size": input.integer({ min: 1, max: 1_048_576 }),
  shard: input.string(),
  "shard-by": input.enumeration(["files", "rows"] as const),
});
