import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

const metrics = z.record(z.string(), z.number().nullable());

export const inputs = z.object({
  "webhook-url": input.string(),
  "webhook-hosts": input.list(),
  title: defaulted(input.string()),
  environment: defaulted(input.string()),
  model: input.string(),
  "candidate-version": input.string(),
  "champion-version": input.string(),
  "compare-outputs": input.structured(z.record(z.string(), z.string()), "the JSON of a compare-models step's outputs"),
  "candidate-metrics": input.structured(metrics, "a JSON map of metric to number"),
  "champion-metrics": input.structured(metrics, "a JSON map of metric to number"),
  decision: input.enumeration(["promote", "reject", "rolled-back"] as const),
  reason: input.string(),
  facts: input.structured(z.record(z.string(), z.coerce.string()), "a map of labels to strings"),
  "approve-url": input.url(),
  "pr-url": input.url(),
  "report-url": input.url(),
  mention: input.string(),
  "request-approval": defaulted(input.boolean()),
  "dry-run": defaulted(input.boolean()),
  "card-path": input.string(),
  "fail-on-error": defaulted(input.boolean()),
  retries: defaulted(input.integer({ min: 0, max: 10 })),
  "timeout-seconds": defaulted(input.number({ min: 0.1, max: 300 })),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["delivered", "status", "card-path"] as const;
