/**
 * An empty input is its action.yml default, so the inputs that can be switched off take an explicit value for
 * it, read here as the runner reads a step (action.yml's defaults filled in first).
 */
import { expect, it } from "vitest";
import { inputs as compareInputs } from "../actions/compare-models/inputs";
import { inputs as promoteInputs } from "../actions/promote/inputs";
import { fillDefaults } from "../runtime/inputs";
import { readActionMeta } from "../runtime/metadata";

function field(action: string, shape: Record<string, { parse(v: unknown): unknown }>, name: string, given: string) {
  const meta = readActionMeta(action);
  const raw = fillDefaults({ [name]: shape[name] } as never, { [name]: given }, (n) => meta.inputs?.[n]?.default ?? "");
  return shape[name]!.parse(raw[name]);
}

it("compare-models: report-artifact none uploads nothing; empty is the default name", () => {
  expect(field("compare-models", compareInputs.shape, "report-artifact", "none")).toBe("");
  expect(field("compare-models", compareInputs.shape, "report-artifact", "")).toBe("compare-models-report");
  expect(field("compare-models", compareInputs.shape, "report-artifact", "fp-report")).toBe("fp-report");
});

it("compare-models: significance off is off; empty is the default, on", () => {
  expect(field("compare-models", compareInputs.shape, "significance", "off")).toBeUndefined();
  expect(field("compare-models", compareInputs.shape, "significance", "")).toMatchObject({ confidence: 0.95 });
});

it("promote: environment none records the actor alone; empty is the default, production", () => {
  expect(field("promote", promoteInputs.shape, "environment", "none")).toBe("");
  expect(field("promote", promoteInputs.shape, "environment", "")).toBe("production");
});
