import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { logisticModel, logisticProbability } from "./example-models";
import { offloadLargeRequests } from "./inference-worker";
import { loadModel } from "./model";

describe("offloadLargeRequests", () => {
  it("answers large requests from the worker exactly as the main thread does, errors included", async () => {
    const bytes = logisticModel();
    const model = offloadLargeRequests(await loadModel({ model: bytes, name: "m" }), bytes, { inlineElements: 10 });
    try {
      const rows = [
        [298.1, 308.6, 1551, 42.8, 0],
        [302.5, 311.3, 1305, 68.2, 210],
        [300, 310, 1400, 50, 100],
      ];
      const request = {
        inputs: [{ name: "input", datatype: "FP32" as const, shape: [3, 5], data: Float32Array.from(rows.flat()) }],
      };
      const result = await model.infer(request);
      const probabilities = result.outputs.find((o) => o.name === "probabilities")!;
      expect(probabilities.shape).toEqual([3, 2]);
      rows.forEach((r, i) =>
        expect((probabilities.data as Float32Array)[i * 2 + 1]).toBeCloseTo(logisticProbability(r), 5),
      );
      const wrong = await model
        .infer({ inputs: [{ name: "input", datatype: "FP64", shape: [3, 5], data: new Float64Array(15) }] })
        .catch((e: unknown) => e);
      expect(isUserError(wrong)).toBe(true);
      expect(String(wrong)).toMatch(/datatype must be FP32 \(got "FP64"\)/);
    } finally {
      await model.release();
    }
  }, 60_000);
});
