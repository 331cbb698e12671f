import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z.object({
  data: input.requiredString("a CSV, Parquet or JSON Lines file (or glob)"),
  schema: input.requiredString("the path of the YAML data contract"),
  infer: defaulted(input.boolean()),
  "max-examples": defaulted(input.integer({ min: 0, max: 1000 })),
  "fail-on-invalid": defaulted(input.boolean()),
  "report-dir": input.string(),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["valid", "violations", "report"] as const;
