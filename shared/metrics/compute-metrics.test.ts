import { describe, expect, it } from "vitest";
import { recordingLogger } from "../log";
import {
  computeMetrics,
  computeMetricsWithNotes,
  confusionMatrix,
  METRICS,
  metricsFor,
  type Predictions,
  prepareMetric,
  sliceMetrics,
} from "./index";
import { userErrorOf } from "../../test/helpers/user-error";

const f = (a: number[]) => Float64Array.from(a);

const binary: Predictions = { task: "binary", yTrue: f([0, 0, 1, 1]), scores: f([0.1, 0.4, 0.35, 0.8]) };

describe("computeMetrics", () => {
  it("binary: every metric of the task, hard label at score >= 0.5", () => {
    const m = computeMetrics(binary);
    expect(Object.keys(m).sort()).toEqual(metricsFor("binary").sort());
    // hard labels [0,0,0,1]: tp=1 fn=1 fp=0 tn=2
    expect(m.accuracy).toBe(0.75);
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBeCloseTo(2 / 3, 15); // 2*1/(2+1)
    expect(m.balanced_accuracy).toBe(0.75); // (1 + 0.5)/2
    expect(m.roc_auc).toBe(0.75);
    expect(m.pr_auc).toBeCloseTo(5 / 6, 15);
    // mcc = (1*2 - 0*1)/sqrt(1*2*3*1)... via sums: t=[2,2], p=[3,1], c=3, s=4 -> (12-8)/sqrt((16-10)(16-8)) = 4/sqrt(48)
    expect(m.mcc).toBeCloseTo(4 / Math.sqrt(48), 15);
    // brier: (.01 + .16 + .4225 + .04)/4
    expect(m.brier).toBeCloseTo((0.01 + 0.16 + 0.4225 + 0.04) / 4, 15);
    expect(m.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 15);
  });

  it("binary threshold: predict positive when score >= threshold", () => {
    const m = computeMetrics({ ...binary, threshold: 0.35 });
    // labels [0,1,1,1]: tp=2, fp=1 -> precision 2/3, recall 1
    expect(m.precision).toBeCloseTo(2 / 3, 15);
    expect(m.recall).toBe(1);
    // threshold does not change ranking metrics
    expect(m.roc_auc).toBe(0.75);
  });

  it("multiclass: every metric of the task", () => {
    const p: Predictions = {
      task: "multiclass",
      classes: 3,
      yTrue: f([0, 1, 2, 0, 1, 2]),
      // argmax -> [0,2,1,0,0,1] (the docstring example of precision_score)
      scores: f([0.8, 0.1, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.6, 0.2, 0.2, 0.5, 0.4, 0.1, 0.3, 0.4, 0.3]),
    };
    const m = computeMetrics(p);
    expect(Object.keys(m).sort()).toEqual(metricsFor("multiclass").sort());
    expect(m.accuracy).toBeCloseTo(1 / 3, 15);
    expect(m.precision_macro).toBeCloseTo(2 / 9, 15);
    expect(m.recall_macro).toBeCloseTo(1 / 3, 15);
    expect(m.f1_macro).toBeCloseTo(0.8 / 3, 15);
    expect(m.f1_weighted).toBeCloseTo(0.8 / 3, 15);
    expect(m.roc_auc_ovr).not.toBeNull();
    expect(m.log_loss).toBeCloseTo(-(Math.log(0.8 * 0.3 * 0.3 * 0.6 * 0.4 * 0.3) / 6), 14);
  });

  it("multiclass first arg-max wins on ties (numpy.argmax)", () => {
    const p: Predictions = {
      task: "multiclass",
      classes: 3,
      yTrue: f([1, 0]),
      scores: f([0.4, 0.4, 0.2, 0.2, 0.4, 0.4]),
    };
    expect(confusionMatrix(p)).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 0],
    ]);
  });

  it("regression: every metric of the task", () => {
    const m = computeMetrics({ task: "regression", yTrue: f([3, -0.5, 2, 7]), scores: f([2.5, 0, 2, 8]) });
    expect(Object.keys(m).sort()).toEqual(metricsFor("regression").sort());
    expect(m.mae).toBe(0.5);
    expect(m.max_error).toBe(1);
  });

  it("one class only: roc_auc and pr_auc are null with a reason, others defined", () => {
    const { values, notes } = computeMetricsWithNotes({
      task: "binary",
      yTrue: f([0, 0, 0]),
      scores: f([0.1, 0.6, 0.2]),
    });
    expect(values.roc_auc).toBeNull();
    expect(values.pr_auc).toBeNull();
    expect(notes.roc_auc).toMatch(/only class 0/);
    expect(values.accuracy).toBeCloseTo(2 / 3, 15);
    expect(values.log_loss).not.toBeNull();
  });

  it("multiclass rows that are not probabilities: roc_auc_ovr null, log_loss warns", () => {
    const logger = recordingLogger();
    const { values, notes } = computeMetricsWithNotes(
      { task: "multiclass", classes: 2, yTrue: f([0, 1]), scores: f([0.5, 0.4, 0.3, 0.3]) },
      { logger },
    );
    expect(values.roc_auc_ovr).toBeNull();
    expect(notes.roc_auc_ovr).toMatch(/row 0/);
    expect(values.log_loss).toBeCloseTo(-(Math.log(0.5) + Math.log(0.3)) / 2, 15);
    expect(logger.lines.some((l) => l.level === "warning" && l.message.includes("log_loss"))).toBe(true);
  });

  it("empty data -> UserError", () => {
    expect(userErrorOf(() => computeMetrics({ task: "binary", yTrue: f([]), scores: f([]) }))).toMatch(
      /^predictions: no rows to evaluate \(got 0 rows\)\. /,
    );
  });

  it("NaN score -> UserError naming the row", () => {
    const msg = userErrorOf(() =>
      computeMetrics({ task: "binary", yTrue: f([0, 1, 1]), scores: f([0.2, 0.3, Number.NaN]) }),
    );
    expect(msg).toMatch(/^scores: .*row 2 .*\(got NaN\)\. /);
    const msg2 = userErrorOf(() =>
      computeMetrics({
        task: "multiclass",
        classes: 2,
        yTrue: f([0, 1]),
        scores: f([0.5, 0.5, Number.POSITIVE_INFINITY, 0]),
      }),
    );
    expect(msg2).toMatch(/row 1 \(0-based\), class 0/);
  });

  it("bad labels and shapes -> UserError", () => {
    expect(userErrorOf(() => computeMetrics({ task: "binary", yTrue: f([0, 2]), scores: f([0.2, 0.3]) }))).toMatch(
      /labels: a binary task needs labels 0 and 1 \(got 2 at row 1/,
    );
    expect(
      userErrorOf(() => computeMetrics({ task: "multiclass", classes: 2, yTrue: f([0, 1]), scores: f([0.2, 0.8]) })),
    ).toMatch(/^scores: /);
    expect(
      userErrorOf(() =>
        computeMetrics({ task: "multiclass", classes: 2, yTrue: f([0, 1.5]), scores: f([1, 0, 0, 1]) }),
      ),
    ).toMatch(/class index 0\.\.1 \(got 1\.5/);
    expect(userErrorOf(() => computeMetrics({ task: "regression", yTrue: f([Number.NaN]), scores: f([1]) }))).toMatch(
      /^labels: .*row 0/,
    );
  });

  it("METRICS covers every computed metric with a direction", () => {
    for (const name of Object.keys(METRICS)) expect(typeof METRICS[name]!.greaterIsBetter).toBe("boolean");
    expect(METRICS.log_loss!.greaterIsBetter).toBe(false);
    expect(METRICS.roc_auc!.greaterIsBetter).toBe(true);
  });
});

describe("prepareMetric (weighted evaluation for the bootstrap)", () => {
  const cases: Predictions[] = [
    { task: "binary", yTrue: f([0, 1, 1, 0, 1, 0, 0, 1]), scores: f([0.1, 0.9, 0.4, 0.4, 0.6, 0.7, 0.2, 0.55]) },
    {
      task: "multiclass",
      classes: 3,
      yTrue: f([0, 1, 2, 2, 1, 0]),
      scores: f([0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 0.5, 0.4, 0.1, 0.4, 0.4, 0.2]),
    },
    { task: "regression", yTrue: f([1, 2, 3, 4, 5]), scores: f([1.5, 2, 2.5, 4.5, 4]) },
  ];
  for (const p of cases) {
    it(`${p.task}: unit weights equal computeMetrics, integer weights equal repeated rows`, () => {
      const all = computeMetrics(p);
      const n = p.yTrue.length;
      const ones = new Float64Array(n).fill(1);
      const w = Float64Array.from({ length: n }, (_, i) => (i * 7) % 3);
      const width = p.task === "multiclass" ? 3 : 1;
      const yRep: number[] = [];
      const sRep: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < w[i]!; k++) {
          yRep.push(p.yTrue[i]!);
          for (let c = 0; c < width; c++) sRep.push(p.scores[i * width + c]!);
        }
      }
      const rep = computeMetrics({ ...p, yTrue: f(yRep), scores: f(sRep) });
      for (const name of Object.keys(all)) {
        const m = prepareMetric(name, p);
        expect(m(ones), name).toBeCloseTo(all[name]!, 12);
        const got = m(w);
        if (rep[name] === null) expect(got, name).toBeNull();
        else expect(got, name).toBeCloseTo(rep[name]!, 12);
      }
    });
  }
});

describe("sliceMetrics", () => {
  it("computes the metrics of each slice, a one-class slice has null AUC", () => {
    const p: Predictions = { task: "binary", yTrue: f([0, 1, 0, 1, 0, 0]), scores: f([0.2, 0.8, 0.6, 0.4, 0.1, 0.3]) };
    const slices = sliceMetrics(p, ["L", "L", "M", "M", "H", "H"]);
    expect(slices.map((s) => [s.value, s.rows])).toEqual([
      ["L", 2],
      ["M", 2],
      ["H", 2],
    ]);
    expect(slices[0]!.metrics.roc_auc).toBe(1);
    expect(slices[1]!.metrics.roc_auc).toBe(0);
    expect(slices[2]!.metrics.roc_auc).toBeNull();
    expect(slices[2]!.notes.roc_auc).toBeDefined();
  });
});
