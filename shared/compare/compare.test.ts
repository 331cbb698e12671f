import { describe, expect, it } from "vitest";
import { userErrorOf } from "../../test/helpers/user-error";
import { runCompareModels } from "./compare";

const base = { candidate: "missing.onnx", data: "missing.csv", label: "y", reportDir: "unused" };

describe("runCompareModels: metric names", () => {
  // The names are checked before any model is read, by the same rule decide applies to thresholds.
  it("names the input, and shows a hostile name shortened, as decide does", async () => {
    const long = `f${"1".repeat(500)}`;
    const message = await userErrorOf(runCompareModels({ ...base, primaryMetric: long }));
    expect(message).toMatch(/^primary-metric: unknown metric \(got "f1{20,}…\)\. Use one of: .*roc_auc/);
    expect(message.length).toBeLessThan(600);
  });

  it("refuses a metric of another task when the task is given", async () => {
    const message = await userErrorOf(
      runCompareModels({ ...base, task: "regression", maxRegression: { roc_auc: 0.01 } }),
    );
    expect(message).toMatch(
      /^max-regression: roc_auc is not a regression metric \(got "roc_auc"\)\. Use one of: .*rmse/,
    );
  });
});
