import { z } from "zod";
import { defaulted, input, numberMap } from "../../runtime/inputs";
import { parseDuration } from "../../shared/performance";

const duration = (what: string) =>
  input.string().transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return parseDuration(v, what);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^[^:]+: /, "").replace(/ \(got .*$/, "") });
      return z.NEVER;
    }
  });

export const inputs = z.object({
  predictions: input.requiredString("the captured predictions (path, glob or blob URI)"),
  labels: input.requiredString("the label events (path, glob or blob URI)"),
  label: input.requiredString("the label column of the label events, e.g. Machine failure"),
  "id-column": defaulted(input.string()),
  "score-column": input.string(),
  task: defaulted(input.enumeration(["binary", "regression"] as const)),
  "positive-label": defaulted(input.string()),
  "max-delay": defaulted(duration("max-delay")),
  window: defaulted(duration("window")),
  "group-by": input.string(),
  "baseline-model": input.string(),
  baseline: input.structured(numberMap, "a map of metric to number, e.g. {roc_auc: 0.93}"),
  registry: defaulted(input.string()),
  "primary-metric": input.string(),
  "max-drop": input.structured(numberMap, "a map of metric to a tolerated drop, e.g. {roc_auc: 0.05}"),
  "min-rows": defaulted(input.integer({ min: 1 })),
  "report-dir": input.string(),
  "joined-format": defaulted(input.enumeration(["parquet", "csv"] as const)),
  "fail-on-degraded": defaulted(input.boolean()),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["degraded", "metrics", "windows", "labelled", "joined", "report"] as const;
