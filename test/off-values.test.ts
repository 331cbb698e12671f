/**
 * An empty input is its action.yml default, so the inputs that can be switched off take an explicit value for
 * it, read here as the runner reads a step (action.yml's defaults filled in first).
 */
import { expect, it } from "vitest";
import { inputs as compareInputs } from "../actions/compare-models/inputs";
import { inputs as promoteInputs } from "../actions/promote/inputs";
import { inputAsRunner } from "./helpers/runner-inputs";

it("compare-models: report-artifact none uploads nothing; empty is the default name", () => {
  expect(inputAsRunner("compare-models", compareInputs, "report-artifact", "none")).toBe("");
  expect(inputAsRunner("compare-models", compareInputs, "report-artifact", "")).toBe("compare-models-report");
  expect(inputAsRunner("compare-models", compareInputs, "report-artifact", "fp-report")).toBe("fp-report");
});

it("compare-models: significance off is off; empty is the default, on", () => {
  expect(inputAsRunner("compare-models", compareInputs, "significance", "off")).toBeUndefined();
  expect(inputAsRunner("compare-models", compareInputs, "significance", "")).toMatchObject({ confidence: 0.95 });
});

it("promote: environment none records the actor alone; empty is the default, production", () => {
  expect(inputAsRunner("promote", promoteInputs, "environment", "none")).toBe("");
  expect(inputAsRunner("promote", promoteInputs, "environment", "")).toBe("production");
});
