import { join } from "node:path";
import type { z } from "zod";
import type { ActionContext } from "../../runtime/context";
import type { CompareOptions } from "../../shared/compare";
import type { inputs } from "./inputs";

/** The action's inputs as runCompareModels' options (shared by the decide, shard and merge modes). */
export function compareOptions(i: z.output<typeof inputs>, ctx: ActionContext): CompareOptions {
  const temp = ctx.github.tempDir;
  return {
    candidate: i.candidate,
    champion: i.champion,
    modelName: i["model-name"],
    registry: i.registry,
    data: i.data,
    label: i.label,
    features: i.features,
    task: i.task,
    positiveLabel: i["positive-label"],
    threshold: i.threshold,
    primaryMetric: i["primary-metric"],
    minImprovement: i["min-improvement"],
    minRelativeImprovement: i["min-relative-improvement"],
    maxRegression: i["max-regression"],
    thresholds: i.thresholds,
    significance: i.significance,
    sliceBy: i["slice-by"],
    maxSliceGap: i["max-slice-gap"],
    maxSliceRegression: i["max-slice-regression"],
    parityReference: i["parity-reference"],
    parityTolerance: i["parity-tolerance"],
    interface: i.interface,
    allowBreakingContract: i["allow-breaking-contract"],
    batchSize: i["batch-size"],
    ...(i["memory-budget"] ? { memoryBudget: i["memory-budget"] * 1024 * 1024 } : {}),
    spillDir: temp,
    idColumns: i["id-columns"],
    reportDir: i["report-dir"] || join(temp, `mlops-compare-${Date.now()}`),
    env: ctx.env,
    logger: ctx.logger,
  };
}
