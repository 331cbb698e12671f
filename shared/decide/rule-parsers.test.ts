import { describe, expect, it } from "vitest";
import { DEFAULT_SIGNIFICANCE, parseMetricLimits, parseSignificance, parseThresholds } from "./rule-parsers";
import { userErrorOf } from "../../test/helpers/user-error";

describe("parseThresholds", () => {
  it("reads one rule per line, commas, semicolons, list marks and comments", () => {
    const text = `
      # quality gates
      - f1 >= 0.8
      log_loss <= 0.35, roc_auc>=.9; brier ≤ 1e-1
    `;
    expect(parseThresholds(text, "binary")).toEqual([
      { metric: "f1", op: ">=", value: 0.8 },
      { metric: "log_loss", op: "<=", value: 0.35 },
      { metric: "roc_auc", op: ">=", value: 0.9 },
      { metric: "brier", op: "<=", value: 0.1 },
    ]);
    expect(parseThresholds(["rmse <= 3.5", "r2 >= -1"], "regression")).toEqual([
      { metric: "rmse", op: "<=", value: 3.5 },
      { metric: "r2", op: ">=", value: -1 },
    ]);
    expect(parseThresholds("")).toEqual([]);
  });

  it("names the entry and the fix when it cannot be read", () => {
    expect(userErrorOf(() => parseThresholds("f1 => 0.8"))).toBe(
      'thresholds: unsupported comparison "=>" in "f1 => 0.8" (got "=>"). Write "<metric> >= <number>" or "<metric> <= <number>", e.g. "f1 >= 0.8".',
    );
    expect(userErrorOf(() => parseThresholds("f1 > 0.8"))).toMatch(/unsupported comparison ">"/);
    expect(userErrorOf(() => parseThresholds("f1 >= high"))).toMatch(/needs a plain number after >= \(got "high"\)/);
    expect(userErrorOf(() => parseThresholds("f1 >= 80%"))).toMatch(/write percentages as fractions, 80% as 0\.8\.$/);
    expect(userErrorOf(() => parseThresholds("f1 is at least 0.8"))).toMatch(
      /^thresholds: cannot read a rule \(got "f1 is at least 0.8"\)/,
    );
  });

  it("rejects unknown metrics and metrics of another task", () => {
    expect(userErrorOf(() => parseThresholds("f2 >= 0.8", "binary"))).toMatch(
      /^thresholds: unknown metric in "f2 >= 0.8" \(got "f2"\)\. Use one of: accuracy, .*mcc\.$/,
    );
    expect(userErrorOf(() => parseThresholds("rmse <= 3", "binary"))).toMatch(
      /^thresholds: rmse is not a binary metric/,
    );
  });
});

describe("parseMetricLimits", () => {
  it("reads metric: number and metric=number entries", () => {
    expect(parseMetricLimits("max-regression", "f1: 0.01\nlog_loss=0.02", "binary")).toEqual({
      f1: 0.01,
      log_loss: 0.02,
    });
  });

  it("rejects negative or non-numeric limits", () => {
    expect(userErrorOf(() => parseMetricLimits("max-regression", "f1: -0.1", "binary"))).toMatch(
      /^max-regression: f1 needs a number ≥ 0 \(got "-0.1"\)/,
    );
    expect(userErrorOf(() => parseMetricLimits("max-regression", "f1 0.1", "binary"))).toMatch(/cannot read an entry/);
  });
});

describe("parseSignificance", () => {
  it("reads off, on, a confidence, or key=value settings", () => {
    expect(parseSignificance("")).toBeUndefined();
    expect(parseSignificance(undefined)).toBeUndefined();
    expect(parseSignificance("false")).toBeUndefined();
    expect(parseSignificance("on")).toEqual(DEFAULT_SIGNIFICANCE);
    expect(parseSignificance("0.99")).toEqual({ ...DEFAULT_SIGNIFICANCE, confidence: 0.99 });
    expect(parseSignificance("confidence=0.9, samples: 2000\nseed=7")).toEqual({
      confidence: 0.9,
      samples: 2000,
      seed: 7,
    });
  });

  it("names what it cannot read", () => {
    expect(userErrorOf(() => parseSignificance("level=0.9"))).toMatch(/^significance: cannot read "level=0.9"/);
    expect(userErrorOf(() => parseSignificance("samples=many"))).toMatch(
      /^significance: samples needs a number \(got "many"\)/,
    );
  });
});

describe("parseSignificance accepts the compare-models input as users write it", () => {
  it("reads a YAML/JSON map as well as key=value", () => {
    expect(parseSignificance("{confidence: 0.9, samples: 500, seed: 7}")).toEqual({
      confidence: 0.9,
      samples: 500,
      seed: 7,
    });
    expect(parseSignificance('{"confidence": 0.99}')).toEqual({ confidence: 0.99, samples: 1000, seed: 42 });
    expect(parseSignificance("on")).toEqual({ confidence: 0.95, samples: 1000, seed: 42 });
    expect(() => parseSignificance("{confidence: high}")).toThrow(/significance/);
  });
});
