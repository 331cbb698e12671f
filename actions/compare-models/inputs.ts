import { z } from "zod";
import { input } from "../../runtime/inputs";
import { parseSignificance } from "../../shared/decide";

export const inputs = z.object({
  candidate: input.requiredString("a path to an .onnx file or a registry reference such as my-model@challenger"),
  champion: input.string(),
  "model-name": input.string(),
  registry: input.string(),
  data: input.requiredString("a CSV, Parquet or JSON Lines file (or glob) with the validation data"),
  label: input.requiredString("the name of the column that holds the true label"),
  features: input.list(),
  task: input.enumeration(["auto", "binary", "multiclass", "regression"] as const),
  "positive-label": input.string(),
  threshold: input.number({ min: 0, max: 1 }),
  "primary-metric": input.string(),
  "min-improvement": input.number({ min: 0 }),
  "min-relative-improvement": input.number({ min: 0, max: 1, exclusive: true }),
  "max-regression": input.structured(z.record(z.string(), z.number().min(0)), "a map of metric to allowed worsening"),
  thresholds: input.list(),
  significance: input.string().transform((v) => parseSignificance(v)),
  "slice-by": input.string(),
  "max-slice-gap": input.number({ min: 0 }),
  "parity-reference": input.string(),
  interface: input.string(),
  "allow-breaking-contract": input.boolean(),
  "parity-tolerance": input.number({ min: 0 }),
  "batch-size": input.integer({ min: 1, max: 1_048_576 }),
  "report-dir": input.string(),
  "fail-on-reject": input.boolean(),
  "comment-on-pr": input.boolean(),
  "github-token": input.string(),
});
