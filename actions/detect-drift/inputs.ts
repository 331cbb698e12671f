import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";
import { parseMethodInput } from "../../shared/drift";

export const inputs = z.object({
  reference: input.requiredString("the reference data (CSV, Parquet or JSON Lines), usually the training set"),
  current: input.requiredString("the current data to compare with the reference"),
  features: input.list(),
  label: input.string(),
  categorical: input.list(),
  thresholds: input.structured(
    z.strictObject({
      psi: z.number().positive().optional(),
      ks_p_value: z.number().gt(0).lt(1).optional(),
      wasserstein: z.number().positive().optional(),
      chi2_p_value: z.number().gt(0).lt(1).optional(),
      jensen_shannon: z.number().positive().max(1).optional(),
    }),
    "a map with any of psi, ks_p_value, wasserstein, chi2_p_value, jensen_shannon",
  ),
  method: defaulted(input.string()).transform((v) => parseMethodInput(v)),
  "drift-share": defaulted(input.number({ min: 0, max: 1 })),
  model: input.string(),
  registry: defaulted(input.string()),
  "report-dir": input.string(),
  "fail-on-drift": defaulted(input.boolean()),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["drifted", "drift-share", "features", "report"] as const;
