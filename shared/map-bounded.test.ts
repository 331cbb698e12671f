import { describe, expect, it } from "vitest";
import { mapBounded } from "./map-bounded";

/** A call that finishes when the test says so, recording when it started. */
function controlled() {
  const started: number[] = [];
  const finish = new Map<number, { ok: (v: number) => void; fail: (e: Error) => void }>();
  let running = 0;
  let peak = 0;
  const fn = (item: number) =>
    new Promise<number>((ok, fail) => {
      started.push(item);
      peak = Math.max(peak, ++running);
      finish.set(item, {
        ok: (v) => {
          running--;
          ok(v);
        },
        fail: (e) => {
          running--;
          fail(e);
        },
      });
    });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { fn, started, finish, settle, peak: () => peak, running: () => running };
}

describe("mapBounded", () => {
  it("runs at most `limit` calls at once and returns results in input order", async () => {
    const c = controlled();
    const all = mapBounded([0, 1, 2, 3, 4], 2, c.fn);
    await c.settle();
    expect(c.started).toEqual([0, 1]);
    c.finish.get(1)!.ok(10);
    await c.settle();
    expect(c.started).toEqual([0, 1, 2]);
    for (const i of [0, 2]) c.finish.get(i)!.ok(i * 10);
    await c.settle();
    for (const i of [3, 4]) c.finish.get(i)!.ok(i * 10);
    expect(await all).toEqual([0, 10, 20, 30, 40]);
    expect(c.peak()).toBe(2);
  });

  it("on the first failure starts nothing more, lets running calls finish, then throws the first failure", async () => {
    const c = controlled();
    let outcome: unknown;
    const all = mapBounded([0, 1, 2, 3, 4, 5], 3, c.fn).then(
      () => (outcome = "resolved"),
      (e: unknown) => (outcome = e),
    );
    await c.settle();
    expect(c.started).toEqual([0, 1, 2]);
    const first = new Error("first");
    c.finish.get(1)!.fail(first);
    await c.settle();
    c.finish.get(2)!.fail(new Error("second"));
    await c.settle();
    // Item 0 is still running: the caller is not told yet, and nothing new started.
    expect(outcome).toBeUndefined();
    expect(c.started).toEqual([0, 1, 2]);
    c.finish.get(0)!.ok(0);
    await all;
    expect(outcome).toBe(first);
    expect(c.running()).toBe(0);
  });

  it("runs one at a time for a limit below 1 or NaN, and returns [] for no items", async () => {
    for (const limit of [0, -3, Number.NaN, 0.5]) {
      const c = controlled();
      const all = mapBounded([1, 2], limit, c.fn);
      await c.settle();
      expect(c.started).toEqual([1]);
      c.finish.get(1)!.ok(1);
      await c.settle();
      c.finish.get(2)!.ok(2);
      expect(await all).toEqual([1, 2]);
    }
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
  });
});
