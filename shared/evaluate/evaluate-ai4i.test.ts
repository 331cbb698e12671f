import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { describeIf, file } from "../../test/services/availability";
import { openDataset } from "../data";
import { AI4I_FEATURES, AI4I_LABEL } from "../data/ai4i-columns";
import { rocAuc } from "../metrics";
import { encodeModel, linearClassifierModel } from "../onnx";
import { evaluateModels } from "./index";

const AI4I = fileURLToPath(new URL("../../../shared/data/ai4i2020.csv", import.meta.url));
const FEATURES = [...AI4I_FEATURES];
const LABEL = AI4I_LABEL;

/** Logistic regression by full-batch gradient descent on standardized features (only `use` are trained). */
function fitLogistic(X: Float64Array[], y: Float64Array, use: boolean[], iterations = 400, rate = 0.5) {
  const n = y.length;
  const F = X.length;
  const mean = X.map((c) => c.reduce((a, v) => a + v, 0) / n);
  const std = X.map((c, j) => Math.sqrt(c.reduce((a, v) => a + (v - mean[j]!) ** 2, 0) / n));
  const Z = X.map((c, j) => c.map((v) => (v - mean[j]!) / std[j]!));
  const w = new Float64Array(F);
  let b = 0;
  const p = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < F; j++) z += w[j]! * Z[j]![i]!;
      p[i] = 1 / (1 + Math.exp(-z));
    }
    const g = new Float64Array(F);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const e = p[i]! - y[i]!;
      gb += e;
      for (let j = 0; j < F; j++) g[j] = g[j]! + e * Z[j]![i]!;
    }
    b -= (rate * gb) / n;
    for (let j = 0; j < F; j++) if (use[j]) w[j] = w[j]! - (rate * g[j]!) / n;
  }
  return { mean, std, w: Array.from(w), b, Z };
}

describeIf(
  "evaluate on the AI4I 2020 data",
  file(AI4I, "the AI4I 2020 predictive maintenance CSV in ../shared/data"),
  () => {
    it("a trained model and a weak one, evaluated in one pass, give sensible and different predictions", async () => {
      // Load the training columns once for fitting (10,000 rows: fine in a test).
      const ds = await openDataset(AI4I);
      const X: number[][] = FEATURES.map(() => []);
      const ys: number[] = [];
      for await (const batch of ds.batches({ columns: [...FEATURES, LABEL] })) {
        FEATURES.forEach((f, j) => {
          X[j]!.push(...(batch.columns[f] as Float64Array));
        });
        ys.push(...(batch.columns[LABEL] as Float64Array));
      }
      const cols = X.map((c) => Float64Array.from(c));
      const y = Float64Array.from(ys);
      const good = fitLogistic(cols, y, [true, true, true, true, true]);
      const weak = fitLogistic(cols, y, [true, false, false, false, false]);
      const toModel = (m: ReturnType<typeof fitLogistic>, zipmap: boolean) =>
        encodeModel(
          linearClassifierModel({
            coefficients: [m.w],
            intercepts: [m.b],
            preprocess: [{ kind: "scaler", offset: m.mean, scale: m.std.map((s) => 1 / s) }],
            metadata: { features: JSON.stringify(FEATURES), label: LABEL },
            zipmap,
          }),
        );

      const r = await evaluateModels(
        [
          { name: "candidate", bytes: toModel(good, true) },
          { name: "champion", bytes: toModel(weak, false) },
        ],
        { data: AI4I, label: LABEL, sliceBy: "Type", keepPredictions: true },
      );
      expect(r.rows).toBe(10_000);
      expect(r.task).toBe("binary");
      const [cand, champ] = r.models.map((m) => m.predictions);
      expect(r.models[0]!.features).toEqual(FEATURES); // from the model's metadata, not every column
      expect(cand!.yTrue.reduce((a, v) => a + v, 0)).toBe(339); // failures in AI4I 2020

      // ONNX scores equal the plain computation of the fitted models.
      const ref = (m: typeof good) =>
        Array.from(y, (_, i) => 1 / (1 + Math.exp(-(m.b + m.w.reduce((a, w, j) => a + w * m.Z[j]![i]!, 0)))));
      const worst = (a: Float64Array, b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      expect(worst(cand!.scores, ref(good))).toBeLessThan(1e-4);
      expect(worst(champ!.scores, ref(weak))).toBeLessThan(1e-4);

      const aucGood = rocAuc(cand!.yTrue, cand!.scores)!;
      const aucWeak = rocAuc(champ!.yTrue, champ!.scores)!;
      expect(aucGood).toBeGreaterThan(0.85);
      expect(aucWeak).toBeLessThan(0.7);
      expect(aucGood - aucWeak).toBeGreaterThan(0.15);
      // Calibrated like the base rate (3.39 %), and not constant.
      const mean = cand!.scores.reduce((a, v) => a + v, 0) / r.rows;
      expect(mean).toBeGreaterThan(0.02);
      expect(mean).toBeLessThan(0.05);
      expect(new Set(r.slices!.keys)).toEqual(new Set(["L", "M", "H"]));
    });
  },
);
