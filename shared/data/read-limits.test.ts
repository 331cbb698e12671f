import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { boundedLines, checkParquetPage, checkParquetRowGroup } from "./read-limits";

async function collect(chunks: string[], limit?: number): Promise<string[]> {
  const out: string[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const l of boundedLines(source(), "f.txt", limit)) out.push(l);
  return out;
}

describe("boundedLines", () => {
  it("gives the same lines as split, however the text is chunked (random texts and cuts)", async () => {
    let seed = 24;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: Math.floor(rand() * 60) }, () =>
        rand() < 0.2 ? "\n" : rand() < 0.1 ? "\r\n" : "ab"[Math.floor(rand() * 2)],
      ).join("");
      const chunks: string[] = [];
      for (let at = 0; at < text.length;) {
        const n = 1 + Math.floor(rand() * 7);
        chunks.push(text.slice(at, at + n));
        at += n;
      }
      const expected = text.split("\n");
      if (expected.at(-1) === "") expected.pop();
      expect(await collect(chunks), JSON.stringify(chunks)).toEqual(expected);
    }
  });

  it("names the line that is too long, whether it ends or not", async () => {
    const e1 = await collect(["ab\ncd\n", "x".repeat(6), "x".repeat(6), "\nok\n"], 10).catch((e: unknown) => e);
    expect(isUserError(e1)).toBe(true);
    expect(String(e1)).toMatch(/f\.txt: line 3 is longer than/);
    const e2 = await collect(["ab\n", "x".repeat(11)], 10).catch((e: unknown) => e);
    expect(String(e2)).toMatch(/line 2 is longer/);
    expect(await collect(["ab\n", "x".repeat(10), "\n"], 10)).toEqual(["ab", "x".repeat(10)]);
  });
});

describe("Parquet claims", () => {
  it("holds row groups and pages to the budget and to what is left", () => {
    expect(() => checkParquetRowGroup("f", 0, 1000, 16, 100, 1 << 20)).not.toThrow();
    expect(() => checkParquetRowGroup("f", 0, 2e9, 16, 100)).toThrow(/row group 0 claims 2000000000 rows/);
    expect(() => checkParquetPage("f", "x", { compressed: 10, uncompressed: 20 }, { bytes: 9, rows: 5 })).toThrow(
      /claims 10 bytes but its chunk has 9 left/,
    );
    expect(() => checkParquetPage("f", "x", { compressed: 5, uncompressed: 3e9 }, { bytes: 9, rows: 5 })).toThrow(
      /uncompressed, more than the reader's budget/,
    );
    expect(() =>
      checkParquetPage("f", "x", { compressed: 5, uncompressed: 8, values: 6 }, { bytes: 9, rows: 5 }),
    ).toThrow(/claims 6 values but its row group has 5 rows left/);
  });
});
