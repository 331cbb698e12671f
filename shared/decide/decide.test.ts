import { describe, expect, it } from "vitest";
import type { Predictions } from "../metrics";
import { computeMetrics } from "../metrics";
import { seededRandom } from "./bootstrap";
import { decide } from "./decide";
import { userErrorOf } from "../../test/helpers/user-error";

const oneSentence = (s: string) => {
  expect(s).not.toContain("\n");
  expect(s.endsWith(".")).toBe(true);
};

describe("decide: comparison with the champion", () => {
  it("promotes a strictly better primary metric by default and names it", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.91, f1: 0.7 } },
      champion: { metrics: { roc_auc: 0.9, f1: 0.72 } },
    });
    expect(d.decision).toBe("promote");
    expect(d.isBetter).toBe(true);
    expect(d.primaryMetric).toBe("roc_auc");
    expect(d.reason).toMatch(/^Promote: roc_auc 0\.91 beats champion 0\.9 \(\+0\.01/);
    oneSentence(d.reason);
    expect(d.deltas.roc_auc).toBeCloseTo(0.01, 15);
    expect(d.deltas.f1).toBeCloseTo(-0.02, 15);
  });

  it("rejects an equal primary metric (not better)", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.9 } },
      champion: { metrics: { roc_auc: 0.9 } },
    });
    expect(d.decision).toBe("reject");
    expect(d.isBetter).toBe(false);
    expect(d.reason).toMatch(/^Reject: improvement rule failed: roc_auc 0\.9 is not better than champion 0\.9/);
  });

  it("lower-is-better primary metric (rmse, the regression default)", () => {
    const better = decide({
      task: "regression",
      candidate: { metrics: { rmse: 1.9 } },
      champion: { metrics: { rmse: 2 } },
    });
    expect(better.decision).toBe("promote");
    const worse = decide({
      task: "regression",
      candidate: { metrics: { rmse: 2.1 } },
      champion: { metrics: { rmse: 2 } },
    });
    expect(worse.decision).toBe("reject");
  });

  it("min-improvement = MLflow min_absolute_change: candidate ≥ champion + change (≤ − change when lower is better)", () => {
    const base = { task: "binary" as const, champion: { metrics: { roc_auc: 0.5 } } };
    // 0.5 + 0.25 = 0.75 exactly in binary floating point: the boundary passes (MLflow uses >=)
    expect(
      decide({ ...base, candidate: { metrics: { roc_auc: 0.75 } }, rules: { minImprovement: 0.25 } }).decision,
    ).toBe("promote");
    expect(
      decide({ ...base, candidate: { metrics: { roc_auc: 0.74 } }, rules: { minImprovement: 0.25 } }).decision,
    ).toBe("reject");
    const lower = {
      task: "binary" as const,
      champion: { metrics: { log_loss: 0.5 } },
      rules: { primaryMetric: "log_loss", minImprovement: 0.25 },
    };
    expect(decide({ ...lower, candidate: { metrics: { log_loss: 0.25 } } }).decision).toBe("promote");
    expect(decide({ ...lower, candidate: { metrics: { log_loss: 0.3 } } }).decision).toBe("reject");
  });

  it("min-relative-improvement = MLflow min_relative_change, reversed when lower is better", () => {
    const rules = { minRelativeImprovement: 0.1 };
    // (0.625 - 0.5) / 0.5 = 0.25 exactly -> passes the boundary of 0.25 (MLflow fails only when change < r)
    expect(
      decide({
        task: "binary",
        candidate: { metrics: { roc_auc: 0.625 } },
        champion: { metrics: { roc_auc: 0.5 } },
        rules: { minRelativeImprovement: 0.25 },
      }).decision,
    ).toBe("promote");
    // (0.87 - 0.8) / 0.8 = 0.0875 < 0.1 -> fails. Floating point as MLflow: (0.88 - 0.8) / 0.8 = 0.09999999999999995 fails too.
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.87 } },
      champion: { metrics: { roc_auc: 0.8 } },
      rules,
    });
    expect(d.decision).toBe("reject");
    expect(d.rules.find((r) => r.rule === "relative-improvement")!.passed).toBe(false);
    // rmse: (2 - 1.7) / 2 = 0.15 ≥ 0.1
    expect(
      decide({ task: "regression", candidate: { metrics: { rmse: 1.7 } }, champion: { metrics: { rmse: 2 } }, rules })
        .decision,
    ).toBe("promote");
  });

  it("relative change with a zero champion: the candidate must beat it strictly (MLflow's 1e-10 margin)", () => {
    const rules = { primaryMetric: "mae", minRelativeImprovement: 0.5 };
    const eq = decide({
      task: "regression",
      candidate: { metrics: { mae: 0 } },
      champion: { metrics: { mae: 0 } },
      rules,
    });
    expect(eq.rules.find((r) => r.rule === "relative-improvement")!.passed).toBe(false);
    const r2 = decide({
      task: "regression",
      candidate: { metrics: { r2: 0.2 } },
      champion: { metrics: { r2: 0 } },
      rules: { primaryMetric: "r2", minRelativeImprovement: 0.5 },
    });
    expect(r2.rules.find((r) => r.rule === "relative-improvement")!.passed).toBe(true);
  });

  it("a metric missing from the candidate fails", () => {
    const d = decide({ task: "binary", candidate: { metrics: { f1: 0.9 } }, champion: { metrics: { roc_auc: 0.8 } } });
    expect(d.decision).toBe("reject");
    expect(d.rules[0]).toMatchObject({
      rule: "improvement",
      passed: false,
      detail: "the candidate has no roc_auc value",
    });
    const nullMetric = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: null } },
      champion: { metrics: { roc_auc: 0.8 } },
    });
    expect(nullMetric.decision).toBe("reject");
  });

  it("max-regression: each metric may worsen by at most its allowance", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.92, f1: 0.69, log_loss: 0.36, recall: 0.5 } },
      champion: { metrics: { roc_auc: 0.9, f1: 0.7, log_loss: 0.3, recall: null } },
      rules: { maxRegression: { f1: 0.02, log_loss: 0.05, recall: 0.01 } },
    });
    const byMetric = Object.fromEntries(
      d.rules.filter((r) => r.rule === "max-regression").map((r) => [r.metric, r.passed]),
    );
    expect(byMetric).toEqual({ f1: true, log_loss: false, recall: true });
    // a worsening equal to the allowance on paper passes despite binary rounding (0.72 - 0.71 > 0.01 in floats)
    const edge = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.92, f1: 0.71 } },
      champion: { metrics: { roc_auc: 0.9, f1: 0.72 } },
      rules: { maxRegression: { f1: 0.01 } },
    });
    expect(0.72 - 0.71).toBeGreaterThan(0.01);
    expect(edge.decision).toBe("promote");
    expect(d.decision).toBe("reject");
    expect(d.isBetter).toBe(true);
    expect(d.reason).toMatch(/^Reject: max-regression rule failed: log_loss worsened by 0\.06/);
  });

  it("reports every failed rule together and names the first in the reason", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.85, f1: 0.5, log_loss: 0.5 } },
      champion: { metrics: { roc_auc: 0.9, f1: 0.6, log_loss: 0.4 } },
      rules: {
        maxRegression: { f1: 0.01 },
        thresholds: [
          { metric: "f1", op: ">=", value: 0.8 },
          { metric: "log_loss", op: "<=", value: 0.35 },
          { metric: "roc_auc", op: ">=", value: 0.5 },
        ],
      },
    });
    expect(d.rules.map((r) => [r.rule, r.metric, r.passed])).toEqual([
      ["improvement", "roc_auc", false],
      ["max-regression", "f1", false],
      ["threshold", "f1", false],
      ["threshold", "log_loss", false],
      ["threshold", "roc_auc", true],
    ]);
    expect(d.reason).toMatch(
      /^Reject: improvement rule failed: .* \(also failed: max-regression on f1; threshold on f1; threshold on log_loss\)\.$/,
    );
    oneSentence(d.reason);
  });
});

describe("decide: no champion", () => {
  it("promotes with reason 'no champion' when thresholds pass", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { f1: 0.85, log_loss: 0.3 } },
      rules: { thresholds: [{ metric: "f1", op: ">=", value: 0.8 }], maxRegression: { f1: 0 }, minImprovement: 0.1 },
    });
    expect(d.decision).toBe("promote");
    expect(d.isBetter).toBe(true);
    expect(d.reason).toMatch(/no champion/);
    expect(d.rules.map((r) => r.rule)).toEqual(["threshold"]);
    expect(d.deltas).toEqual({});
    oneSentence(d.reason);
  });

  it("still rejects when a threshold fails", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { f1: 0.7 } },
      rules: { thresholds: [{ metric: "f1", op: ">=", value: 0.8 }] },
    });
    expect(d.decision).toBe("reject");
    expect(d.reason).toBe("Reject (no champion): threshold rule failed: f1 0.7 is not ≥ 0.8.");
  });
});

describe("decide: slices", () => {
  const slices = [
    { value: "L", rows: 600, metrics: { roc_auc: 0.9 } },
    { value: "M", rows: 300, metrics: { roc_auc: 0.84 } },
    { value: "H", rows: 100, metrics: { roc_auc: null } },
  ];
  it("passes when the gap of the primary metric is within max-slice-gap, skipping undefined slices", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.88 } },
      rules: { maxSliceGap: 0.1 },
      slices,
    });
    const rule = d.rules.find((r) => r.rule === "max-slice-gap")!;
    expect(rule.passed).toBe(true);
    expect(rule.candidate).toBeCloseTo(0.06, 15);
    expect(rule.detail).toMatch(/L: 0\.9, M: 0\.84.*slices without a value: H/);
  });
  it("rejects when the gap is larger", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.88 } },
      rules: { maxSliceGap: 0.05 },
      slices,
    });
    expect(d.decision).toBe("reject");
    expect(d.reason).toMatch(/max-slice-gap rule failed/);
  });

  const championSlices = [
    { value: "L", rows: 600, metrics: { roc_auc: 0.86 } },
    { value: "M", rows: 300, metrics: { roc_auc: 0.87 } },
    { value: "H", rows: 100, metrics: { roc_auc: 0.8 } },
  ];
  const both = {
    task: "binary" as const,
    candidate: { metrics: { roc_auc: 0.88 } },
    champion: { metrics: { roc_auc: 0.85 } },
    slices,
    championSlices,
  };
  it("max-slice-regression rejects a slice that got worse than the champion's same slice, naming it", () => {
    // Overall better (0.88 vs 0.85), but slice M fell from 0.87 to 0.84.
    const d = decide({ ...both, rules: { maxSliceRegression: 0.02 } });
    expect(d.decision).toBe("reject");
    const rule = d.rules.find((r) => r.rule === "max-slice-regression")!;
    expect(rule).toMatchObject({ passed: false, candidate: 0.84, champion: 0.87, limit: 0.02 });
    expect(rule.detail).toBe(
      "roc_auc worsened most on slice M: 0.84 vs the champion's 0.87 (by 0.03), more than the allowed 0.02; slices without a value for both: H",
    );
    expect(d.reason).toMatch(/^Reject: max-slice-regression rule failed: roc_auc worsened most on slice M/);
  });
  it("max-slice-regression passes within the allowance and reverses for lower-is-better metrics", () => {
    expect(decide({ ...both, rules: { maxSliceRegression: 0.03 } }).decision).toBe("promote");
    const d = decide({
      task: "regression",
      candidate: { metrics: { rmse: 9 } },
      champion: { metrics: { rmse: 10 } },
      slices: [{ value: "a", rows: 5, metrics: { rmse: 12 } }],
      championSlices: [{ value: "a", rows: 5, metrics: { rmse: 11 } }],
      rules: { maxSliceRegression: 0.5 },
    });
    expect(d.rules.find((r) => r.rule === "max-slice-regression")).toMatchObject({
      passed: false,
      candidate: 12,
      champion: 11,
    });
  });
  it("max-slice-regression needs a champion: without one it is not evaluated", () => {
    const d = decide({
      task: "binary",
      candidate: { metrics: { roc_auc: 0.88 } },
      slices,
      rules: { maxSliceRegression: 0 },
    });
    expect(d.rules.map((r) => r.rule)).not.toContain("max-slice-regression");
    expect(userErrorOf(() => decide({ ...both, rules: { maxSliceRegression: -1 } }))).toMatch(
      /^max-slice-regression: must be a number ≥ 0 \(got -1\)/,
    );
  });
});

describe("decide: significance", () => {
  function predictions(n: number, signal: number, seed: number): Predictions {
    const r = seededRandom(seed);
    const yTrue = new Float64Array(n);
    const scores = new Float64Array(n);
    const noise = seededRandom(99);
    for (let i = 0; i < n; i++) yTrue[i] = noise() / 2 ** 32 < 0.4 ? 1 : 0;
    for (let i = 0; i < n; i++)
      scores[i] = Math.min(1, Math.max(0, 0.5 + (yTrue[i]! - 0.5) * signal + (r() / 2 ** 32 - 0.5)));
    return { task: "binary", yTrue, scores };
  }
  const significance = { confidence: 0.95, samples: 200, seed: 42 };

  it("A/A comparison (same predictions as candidate and champion) with significance on rejects", () => {
    const p = predictions(3000, 0.3, 1);
    const m = computeMetrics(p);
    const d = decide({
      task: "binary",
      candidate: { metrics: m, predictions: p },
      champion: { metrics: m, predictions: p },
      rules: { significance },
    });
    expect(d.decision).toBe("reject");
    expect(d.isBetter).toBe(false);
    expect(d.rules.find((r) => r.rule === "significance")!.passed).toBe(false);
    expect(d.bootstrap!.probabilityBetter).toBe(0);
    oneSentence(d.reason);
  });

  it("promotes a clearly better candidate and rejects a barely different one", () => {
    const champ = predictions(3000, 0.3, 1);
    const strong = predictions(3000, 0.6, 2);
    const d = decide({
      task: "binary",
      candidate: { metrics: computeMetrics(strong), predictions: strong },
      champion: { metrics: computeMetrics(champ), predictions: champ },
      rules: { significance },
    });
    expect(d.decision).toBe("promote");
    expect(d.reason).toMatch(/significant at 95 %/);
    // a candidate with fresh noise but the same signal: the improvement (if any) is not significant
    const twin = predictions(3000, 0.3, 3);
    const twinMetrics = computeMetrics(twin);
    const t = decide({
      task: "binary",
      candidate: { metrics: twinMetrics, predictions: twin },
      champion: { metrics: computeMetrics(champ), predictions: champ },
      rules: { significance },
    });
    expect(t.rules.find((r) => r.rule === "significance")!.passed).toBe(false);
    expect(t.decision).toBe("reject");
  });
});

describe("decide: rule validation", () => {
  const base = { task: "binary" as const, candidate: { metrics: {} } };
  it("rejects bad rules with UserErrors naming the input", () => {
    expect(userErrorOf(() => decide({ ...base, rules: { primaryMetric: "rmse" } }))).toMatch(
      /^primary-metric: rmse is not a binary metric/,
    );
    expect(userErrorOf(() => decide({ ...base, rules: { minRelativeImprovement: 5 } }))).toMatch(
      /^min-relative-improvement: must be a fraction between 0 and 1, exclusive \(got 5\)\. Write 5 % as 0\.05\.$/,
    );
    expect(userErrorOf(() => decide({ ...base, rules: { minImprovement: -1 } }))).toMatch(
      /^min-improvement: must be a number ≥ 0 \(got -1\)/,
    );
    expect(
      userErrorOf(() => decide({ ...base, rules: { significance: { confidence: 95, samples: 1000, seed: 1 } } })),
    ).toMatch(/^significance: confidence must be between 0 and 1/);
    expect(userErrorOf(() => decide({ ...base, rules: { maxRegression: { f9: 0.1 } } }))).toMatch(
      /^max-regression: unknown metric/,
    );
    expect(userErrorOf(() => decide({ ...base, rules: { maxSliceGap: Number.NaN } }))).toMatch(
      /^max-slice-gap: must be a number/,
    );
  });
});
