import { describe, expect, it } from "vitest";
import { condition, evaluate, interpolate } from "./expressions";

const ctx = {
  github: { event_name: "workflow_dispatch", event: { workflow_run: { conclusion: "success" } } },
  inputs: { candidate: "" },
  needs: { compare: { outputs: { decision: "promote", "champion-version": "" } } },
  steps: { compare: { outputs: { "candidate-version": "3" } } },
  matrix: { plant: "plant-north" },
};

describe("expressions", () => {
  it("reads contexts, including names with dashes and index access", () => {
    expect(evaluate("steps.compare.outputs.candidate-version", ctx)).toBe("3");
    expect(evaluate("matrix['plant']", ctx)).toBe("plant-north");
    expect(evaluate("needs.missing.outputs.x", ctx)).toBeNull();
  });
  it("returns operands from || and && as GitHub does, and compares strings ignoring case", () => {
    expect(evaluate("inputs.candidate || 'failure-predictor@challenger'", ctx)).toBe("failure-predictor@challenger");
    expect(evaluate("needs.compare.outputs.champion-version || 'none'", ctx)).toBe("none");
    expect(evaluate("github.event_name == 'WORKFLOW_DISPATCH' && 'yes'", ctx)).toBe("yes");
    expect(condition("github.event_name == 'push' || github.event.workflow_run.conclusion == 'success'", ctx)).toBe(
      true,
    );
    expect(condition("needs.compare.outputs.decision != 'promote'", ctx)).toBe(false);
    expect(condition("${{ !(inputs.candidate == '') }}", ctx)).toBe(false);
  });
  it("compares values of different types as numbers, as GitHub does (null == '' and vars that are not set)", () => {
    expect(condition("vars.AZUREML_ENDPOINT != ''", ctx)).toBe(false);
    expect(condition("vars.AZUREML_ENDPOINT == ''", ctx)).toBe(true);
    expect(condition("null == 0", ctx)).toBe(true);
    expect(condition("true == 1 && false == '' && '1' == 1", ctx)).toBe(true);
    expect(condition("'abc' == 0", ctx)).toBe(false);
    expect(condition("steps.compare.outputs.candidate-version == 3", ctx)).toBe(true);
  });
  it("interpolates text and calls functions", () => {
    expect(interpolate("failure-predictor@${{ steps.compare.outputs.candidate-version }}", ctx)).toBe(
      "failure-predictor@3",
    );
    expect(JSON.parse(interpolate("${{ toJSON(needs.compare.outputs) }}", ctx))).toEqual(ctx.needs.compare.outputs);
    expect(interpolate("${{ format('{0}/{1}', matrix.plant, 'x') }}", ctx)).toBe("plant-north/x");
    expect(evaluate("contains('abc', 'B')", ctx)).toBe(true);
  });
  it("rejects what it does not understand instead of guessing", () => {
    expect(() => evaluate("steps.a.outputs.b +", ctx)).toThrow();
    expect(() => evaluate("hashFiles('x')", ctx)).toThrow(/unknown function/);
  });
});
