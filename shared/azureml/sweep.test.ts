import { describe, expect, it } from "vitest";
import { expandMatrix, parseMatrix, parseSweepMetric, pickBest, runBounded, type TrialOutcome } from "./sweep";

describe("matrix", () => {
  it("expands every combination, the first key varying slowest", () => {
    const m = parseMatrix("max_depth: [3, 6]\nlearning_rate: [0.05, 0.1, 0.2]\nmodel: gbt");
    expect(m).toEqual({ max_depth: [3, 6], learning_rate: [0.05, 0.1, 0.2], model: ["gbt"] });
    const c = expandMatrix(m);
    expect(c).toHaveLength(6);
    expect(c[0]).toEqual({ max_depth: 3, learning_rate: 0.05, model: "gbt" });
    expect(c[2]).toEqual({ max_depth: 3, learning_rate: 0.2, model: "gbt" });
    expect(c[3]).toEqual({ max_depth: 6, learning_rate: 0.05, model: "gbt" });
    expect(expandMatrix({})).toEqual([{}]);
    expect(parseMatrix('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
  });
  it("refuses lists, nested values, empty lists and names that cannot be job inputs", () => {
    expect(() => parseMatrix("- 1\n- 2")).toThrow(/^matrix: not a map/);
    expect(() => parseMatrix("a: [[1]]")).toThrow(/^matrix.a: values must be strings, numbers or booleans/);
    expect(() => parseMatrix("a: []")).toThrow(/^matrix.a: empty list/);
    expect(() => parseMatrix("learning-rate: [1]")).toThrow(/^matrix: "learning-rate" is not a usable parameter name/);
  });
});

describe("sweep selection", () => {
  it("parses max:/min: metrics", () => {
    expect(parseSweepMetric("max:roc_auc")).toEqual({ goal: "max", metric: "roc_auc" });
    expect(parseSweepMetric(" min : log_loss ")).toEqual({ goal: "min", metric: "log_loss" });
    expect(() => parseSweepMetric("roc_auc")).toThrow(
      /^sweep-metric: expected max:<metric> or min:<metric> \(got "roc_auc"\)/,
    );
  });
  it("picks the best trial; trials without the metric cannot win; ties keep the earlier", () => {
    const trials: TrialOutcome[] = [
      { index: 0, metrics: { auc: 0.8, loss: 0.3 } },
      { index: 1 },
      { index: 2, metrics: { auc: 0.9, loss: 0.4 } },
      { index: 3, metrics: { auc: 0.9, loss: 0.2 } },
      { index: 4, metrics: { loss: 0.1 } },
    ];
    expect(pickBest(trials, { goal: "max", metric: "auc" })).toBe(2);
    expect(pickBest(trials, { goal: "min", metric: "loss" })).toBe(4);
    expect(pickBest([{ index: 0 }], { goal: "max", metric: "auc" })).toBeUndefined();
  });
});

describe("runBounded", () => {
  it("never runs more than the limit at once and keeps results in order, failures included", async () => {
    let running = 0;
    let peak = 0;
    const r = await runBounded([5, 1, 3, 2, 4], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((d) => setTimeout(d, x * 3));
      running--;
      if (x === 3) throw new Error("three");
      return x * 10;
    });
    expect(peak).toBe(2);
    expect(r.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([
      50,
      10,
      "three",
      20,
      40,
    ]);
  });
});
