import { describe, expect, it } from "vitest";
import { percentile } from "./health-check";
import { abSplit, blueGreenPlan, parseTrafficSteps, shiftTo, trafficTotal } from "./traffic-plan";

describe("traffic plan", () => {
  it("parses increasing steps ending at 100 and refuses the rest with the fix", () => {
    expect(parseTrafficSteps(["10", "50", "100"])).toEqual([10, 50, 100]);
    expect(parseTrafficSteps(["25%", "100"])).toEqual([25, 100]);
    expect(() => parseTrafficSteps(["10", "50"])).toThrow(/the last step must be 100 .*got "10,50"/);
    expect(() => parseTrafficSteps(["50", "10", "100"])).toThrow(/must increase/);
    expect(() => parseTrafficSteps(["0", "100"])).toThrow(/from 1 to 100/);
    expect(() => parseTrafficSteps(["12.5", "100"])).toThrow(/whole percentages/);
  });

  it("shares the rest among the deployments that had traffic, in proportion, summing to exactly 100", () => {
    expect(shiftTo({ a: 100 }, "b", 10)).toEqual({ a: 90, b: 10 });
    expect(shiftTo({ a: 70, c: 30, z: 0 }, "b", 10)).toEqual({ a: 63, c: 27, z: 0, b: 10 });
    const odd = shiftTo({ a: 34, c: 33, d: 33 }, "b", 10);
    expect(trafficTotal(odd)).toBe(100);
    expect(odd.b).toBe(10);
    expect(shiftTo({ a: 90, b: 10 }, "b", 100)).toEqual({ a: 0, b: 100 });
  });

  it("plans one map per step; straight to 100 when nothing else had traffic; nothing when already at 100", () => {
    expect(blueGreenPlan({ a: 100 }, "b", [10, 50, 100])).toEqual([
      { a: 90, b: 10 },
      { a: 50, b: 50 },
      { a: 0, b: 100 },
    ]);
    expect(blueGreenPlan({}, "b", [10, 50, 100])).toEqual([{ b: 100 }]);
    expect(blueGreenPlan({ a: 0 }, "b", [10, 100])).toEqual([{ a: 0, b: 100 }]);
    // A re-run after a partial rollout continues from where the deployment is.
    expect(blueGreenPlan({ a: 50, b: 50 }, "b", [10, 50, 100])).toEqual([{ a: 0, b: 100 }]);
    expect(blueGreenPlan({ a: 0, b: 100 }, "b", [10, 50, 100])).toEqual([]);
  });

  it("A/B keeps champion at 100-N and sets every other deployment to 0", () => {
    expect(abSplit({ a: 90, old: 10 }, "a", "new", 20)).toEqual({ a: 80, old: 0, new: 20 });
  });

  it("percentile is the nearest rank", () => {
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  });
});
