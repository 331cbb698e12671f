import { describe, expect, it } from "vitest";
import { evaluate, toText } from "./expressions";
import { expandMatrix } from "./workflow-runner";

const ctx = {
  github: { event_name: "workflow_dispatch", event: { workflow_run: { conclusion: "success" } } },
  inputs: { candidate: "" },
  needs: { compare: { outputs: { decision: "promote", "champion-version": "" } } },
  steps: { compare: { outputs: { "candidate-version": "3" } } },
  matrix: { plant: "plant-north" },
};
const ok = { success: true, failure: false };

describe("expressions, through GitHub's evaluator", () => {
  it("reads contexts with dashes and index access, returns operands from || and &&, compares loosely", () => {
    expect(evaluate("steps.compare.outputs.candidate-version", ctx)).toBe("3");
    expect(evaluate("matrix['plant']", ctx)).toBe("plant-north");
    expect(evaluate("inputs.candidate || 'failure-predictor@challenger'", ctx)).toBe("failure-predictor@challenger");
    expect(evaluate("github.event_name == 'WORKFLOW_DISPATCH' && 'yes'", ctx)).toBe("yes");
    expect(evaluate("steps.compare.outputs.candidate-version == 3", ctx)).toBe(true);
    expect(toText(evaluate("format('{0}/{1}', matrix.plant, 'x')", ctx))).toBe("plant-north/x");
  });
  it("answers the status functions from the job's state", () => {
    expect(evaluate("success() && 'ran'", ctx, ok)).toBe("ran");
    expect(evaluate("failure()", ctx, { success: false, failure: true })).toBe(true);
    expect(evaluate("always()", ctx, { success: false, failure: true })).toBe(true);
  });
  it("refuses what GitHub refuses: an unknown function, a syntax error", () => {
    expect(() => evaluate("hashFiles('x')", ctx)).toThrow();
    expect(() => evaluate("steps.a.outputs.b +", ctx)).toThrow();
  });
});

describe("matrix expansion", () => {
  it("follows GitHub's include/exclude rules", () => {
    const m = expandMatrix({
      os: ["a", "b"],
      v: [1, 2],
      exclude: [{ os: "b", v: 2 }],
      include: [
        { os: "a", extra: "x" },
        { os: "c", v: 9 },
      ],
    });
    expect(m).toEqual([
      { os: "a", v: 1, extra: "x" },
      { os: "a", v: 2, extra: "x" },
      { os: "b", v: 1 },
      { os: "c", v: 9 },
    ]);
    expect(expandMatrix({ include: [{ model: "m1" }, { model: "m2" }] })).toEqual([{ model: "m1" }, { model: "m2" }]);
  });
});
