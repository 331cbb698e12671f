import { z } from "zod";
import { input } from "../../runtime/inputs";

const metrics = z.record(z.string(), z.number().nullable());

export const inputs = z.object({
  "webhook-url": input.string(),
  "webhook-hosts": input.list(),
  title: input.string(),
  environment: input.string(),
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
  "request-approval": input.boolean(),
  "dry-run": input.boolean(),
  "card-path": input.string(),
  "fail-on-error": input.boolean(),
  retries: input.integer({ min: 0, max: 10 }),
  "timeout-seconds": input.number({ min: 0.1, max: 300 }),
});
