/** The recycled column pool: a short request takes only a match and leaves the rest for later batches. */
import { describe, expect, it } from "vitest";
import { numberColumn, recycleColumns, recycledCount } from "./batch-builder";

describe("numberColumn / recycleColumns", () => {
  it("a short request (a row group's tail) allocates and keeps every full-size array for the next batches", () => {
    const full = [new Float64Array(400), new Float64Array(400), new Float64Array(400)];
    const short = new Float64Array(100);
    full[0]!.fill(7);
    recycleColumns([full[0]!, short, full[1]!, full[2]!]);
    expect(recycledCount()).toBe(4);

    const tail = numberColumn(37);
    expect([...full, short]).not.toContain(tail);
    expect(tail.length).toBe(37);
    expect(recycledCount()).toBe(4);

    const taken = [numberColumn(400), numberColumn(400), numberColumn(400)];
    expect(new Set(taken)).toEqual(new Set(full)); // the same arrays, not new ones
    for (const a of taken) expect(a.every((v) => v === 0)).toBe(true); // zeroed as a new one would be
    expect(numberColumn(100)).toBe(short);
    expect(recycledCount()).toBe(0);
    expect(full).not.toContain(numberColumn(400)); // empty: allocates
  });

  it("with a length, only arrays of that length (the batch size) are kept", () => {
    const full = new Float64Array(64);
    recycleColumns([new Float64Array(10), full, new Float64Array(63)], 64);
    expect(recycledCount()).toBe(1);
    expect(numberColumn(64)).toBe(full);
    expect(recycledCount()).toBe(0);
  });

  it("keeps at most 64 MiB: a few row groups' columns, not every array given back", () => {
    const group = Array.from({ length: 9 }, () => new Float64Array(1 << 20)); // 8 MiB each, 72 MiB in all
    recycleColumns(group);
    expect(recycledCount()).toBe(8);
    recycleColumns([new Float64Array(8)]); // full: not even a small one
    expect(recycledCount()).toBe(8);
    expect(group.slice(0, 8)).toContain(numberColumn(1 << 20));
    recycleColumns([group[8]!]); // room again once one is taken
    expect(recycledCount()).toBe(8);
    const taken = Array.from({ length: 8 }, () => numberColumn(1 << 20));
    expect(taken).toContain(group[8]);
    expect(recycledCount()).toBe(0);
  });
});
