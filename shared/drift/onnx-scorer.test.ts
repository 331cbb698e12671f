import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { columnsModel, decodeModel, encodeModel, linearClassifierModel } from "../onnx";
import { detectDrift, featureTable, onnxScorer } from "./index";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const grid = (n: number, from: number, step: number) =>
  Float64Array.from({ length: n }, (_, i) => from + ((i * 7919) % n) * step);

describe("onnxScorer (prediction drift)", () => {
  // P(failure) = sigmoid(0.5·(temp - 300) + 0.1·(torque - 40)), as a real ONNX model run by onnxruntime.
  const model = (opts: { zipmap?: boolean; ops?: "ml" | "standard" }) =>
    encodeModel(
      linearClassifierModel({
        coefficients: [[0.5, 0.1]],
        intercepts: [-0.5 * 300 - 0.1 * 40],
        metadata: { features: JSON.stringify(["temp", "torque"]) },
        ...opts,
      }),
    );

  it("scores every row with P(positive class), batch by batch, for ZipMap and plain probability outputs", async () => {
    const table = featureTable({
      torque: grid(1000, 20, 0.04),
      temp: grid(1000, 295, 0.01),
      kind: Array(1000).fill("L"),
    });
    for (const opts of [{ zipmap: true }, { ops: "standard" as const }]) {
      const scorer = await onnxScorer(model(opts), { batchSize: 300 });
      try {
        const scores = await scorer.predict(table);
        expect(scores).toHaveLength(1000);
        const temp = table.data.get("temp");
        const torque = table.data.get("torque");
        if (temp?.kind !== "numeric" || torque?.kind !== "numeric") throw new Error("numeric columns expected");
        for (const i of [0, 299, 300, 999]) {
          const expected = sigmoid(
            0.5 * ((temp.values[i] as number) - 300) + 0.1 * ((torque.values[i] as number) - 40),
          );
          expect(scores[i]).toBeCloseTo(expected, 5);
        }
      } finally {
        await scorer.release();
      }
    }
  });

  it("feeds detectDrift: shifted inputs shift the score distribution, model columns loaded from the files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-model-"));
    const csv = (tempFrom: number) => {
      const temp = grid(2000, tempFrom, 0.004);
      const torque = grid(2000, 30, 0.01);
      return `temp,torque,label\n${Array.from(temp, (t, i) => `${t},${torque[i]},0`).join("\n")}\n`;
    };
    const reference = join(dir, "reference.csv");
    const current = join(dir, "current.csv");
    writeFileSync(reference, csv(296));
    writeFileSync(current, csv(299));
    const scorer = await onnxScorer(model({ zipmap: true }));
    expect(scorer.features).toEqual(["temp", "torque"]);
    try {
      const r = await detectDrift({
        reference,
        current,
        predict: (t) => scorer.predict(t),
        predictColumns: scorer.features,
        features: ["torque"],
      });
      expect(r.features[0]?.drifted).toBe(false);
      expect(r.prediction?.drifted).toBe(true);
      expect(r.prediction?.current.mean).toBeGreaterThan(r.prediction?.reference.mean ?? 1);
    } finally {
      await scorer.release();
    }
  });

  it("names a missing feature column", async () => {
    const scorer = await onnxScorer(model({ zipmap: true }));
    try {
      await expect(scorer.predict(featureTable({ temp: [300] }))).rejects.toThrow(
        /feature "torque" is not in the data \(columns: temp\)/,
      );
    } finally {
      await scorer.release();
    }
  });
  it("scores with the probabilities, not the int64 label output declared before them", async () => {
    // sklearn-onnx order: label (int64) first, then the probabilities, here under a name that does not say so.
    const proto = linearClassifierModel({
      coefficients: [[0.5, 0.1]],
      intercepts: [-0.5 * 300 - 0.1 * 40],
      metadata: { features: JSON.stringify(["temp", "torque"]) },
      zipmap: false,
    });
    const graph = proto.graph!;
    expect(graph.output?.map((o) => o.name)).toEqual(["label", "probabilities"]);
    for (const node of graph.node ?? []) node.output = node.output?.map((o) => (o === "probabilities" ? "scores" : o));
    for (const o of graph.output ?? []) if (o.name === "probabilities") o.name = "scores";
    const scorer = await onnxScorer(encodeModel(decodeModel(encodeModel(proto))));
    try {
      const scores = await scorer.predict(featureTable({ temp: [296, 300, 304], torque: [40, 40, 40] }));
      expect(Array.from(scores)).toEqual([sigmoid(-2), 0.5, sigmoid(2)].map((p) => expect.closeTo(p, 5)));
    } finally {
      await scorer.release();
    }
  });

  it("refuses a missing value fed to an integer input (never scores it as 0), and passes NaN to a float input", async () => {
    const m = encodeModel(
      columnsModel({
        columns: [
          { name: "temp", type: "float" },
          { name: "rpm", type: "int64" },
        ],
        head: {
          kind: "linear-classifier",
          coefficients: [[0.5, 0.001]],
          intercepts: [-151.5],
          classes: [0, 1],
          postTransform: "LOGISTIC",
        },
      }),
    );
    const scorer = await onnxScorer(m);
    try {
      expect(scorer.features).toEqual(["temp", "rpm"]);
      await expect(
        scorer.predict(featureTable({ temp: [300, 301, 302], rpm: [1500, Number.NaN, 1500] })),
      ).rejects.toThrow(/missing value \(empty, NA or NaN\) in feature "rpm" at row 2/);
      const scores = await scorer.predict(featureTable({ temp: [300, Number.NaN], rpm: [1500, 1500] }));
      expect(scores[0]).toBeCloseTo(0.5, 5);
      expect(scores[1]).toBeNaN();
    } finally {
      await scorer.release();
    }
  });
});
