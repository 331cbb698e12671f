import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { readRows } from "../validate";
import { openDataset } from "./open-dataset";
import { encodeParquet, type ParquetColumn } from "./parquet-writer";

const dir = mkdtempSync(join(tmpdir(), "parquet-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const toArrayBuffer = (parts: Buffer[]) => {
  const b = Buffer.concat(parts);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};

const columns: ParquetColumn[] = [
  { name: "id", type: "string", values: ["a", "a", "b", "ünï ✓", "a"] },
  { name: "time", type: "timestamp-ms", values: BigInt64Array.from([1n, 2n, 3n, 1_700_000_000_000n, 5n]) },
  { name: "Air temperature [K]", type: "float", values: Float32Array.from([298.1, 298.2, -1, 0, 1e30]) },
  { name: "p", type: "double", values: Float64Array.from([0.25, 0.5, Number.NaN, 1e-300, -0]) },
  { name: "n32", type: "int32", values: Int32Array.from([1, -2, 3, 2147483647, -2147483648]) },
  { name: "n64", type: "int64", values: BigInt64Array.from([1n, -2n, 9007199254740993n, 0n, -1n]) },
  { name: "flag", type: "boolean", values: Uint8Array.from([1, 0, 1, 1, 0]) },
  {
    name: "label",
    type: "int64",
    values: BigInt64Array.from([0n, 1n, 99n, 1n, 99n]),
    present: Uint8Array.from([1, 1, 0, 1, 0]),
  },
  { name: "note", type: "string", values: ["x", "", "zzz", "", "y"], present: Uint8Array.from([1, 1, 0, 0, 1]) },
];

describe("encodeParquet", () => {
  it("writes a file hyparquet reads back value for value, nulls and dictionary strings included", async () => {
    const file = toArrayBuffer(encodeParquet(columns, 5, { metadata: { model: "m" } }));
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(5);
    expect(meta.key_value_metadata).toEqual([{ key: "model", value: "m" }]);
    const rows = await parquetReadObjects({ file });
    expect(rows.map((r) => r.id)).toEqual(["a", "a", "b", "ünï ✓", "a"]);
    expect(rows.map((r) => (r.time as Date).getTime())).toEqual([1, 2, 3, 1_700_000_000_000, 5]);
    expect(rows.map((r) => r["Air temperature [K]"])).toEqual(
      Array.from(Float32Array.from([298.1, 298.2, -1, 0, 1e30])),
    );
    expect(rows.map((r) => r.p)).toEqual([0.25, 0.5, Number.NaN, 1e-300, -0]);
    expect(rows.map((r) => r.n32)).toEqual([1, -2, 3, 2147483647, -2147483648]);
    expect(rows.map((r) => r.n64)).toEqual([1n, -2n, 9007199254740993n, 0n, -1n]);
    expect(rows.map((r) => r.flag)).toEqual([true, false, true, true, false]);
    expect(rows.map((r) => r.label)).toEqual([0n, 1n, null, 1n, null]);
    expect(rows.map((r) => r.note)).toEqual(["x", "", null, null, "y"]);
  });

  it("takes strings already dictionary-encoded (indices), nullable or not, and request ids as runs", async () => {
    const dict = ["L", "ünï ✓", "𝔘"];
    const file = toArrayBuffer(
      encodeParquet(
        [
          { name: "id", type: "string", values: ["r1", "r2", "r1"], runs: Uint32Array.from([2, 1, 2]) },
          { name: "type", type: "string", values: dict, indices: Int32Array.from([0, 1, 0, 2, 1, 7]) },
          {
            name: "out",
            type: "string",
            values: dict,
            indices: Int32Array.from([2, 0, 9, 1, 0]),
            present: Uint8Array.from([1, 1, 0, 1, 1]),
          },
          {
            name: "all",
            type: "float",
            values: Float32Array.from([1, 2, 3, 4, 5]),
            present: Uint8Array.from([1, 1, 1, 1, 1]),
          },
          { name: "opt", type: "int64", values: BigInt64Array.from([5n, 4n, 3n, 2n, 1n]), nullable: true },
        ],
        5,
      ),
    );
    const schema = parquetMetadata(file).schema;
    expect(schema.filter((e) => e.name === "all" || e.name === "opt").map((e) => e.repetition_type)).toEqual([
      "OPTIONAL",
      "OPTIONAL",
    ]);
    const rows = await parquetReadObjects({ file });
    expect(rows.map((r) => r.opt)).toEqual([5n, 4n, 3n, 2n, 1n]);
    expect(rows.map((r) => r.id)).toEqual(["r1", "r1", "r2", "r1", "r1"]);
    expect(rows.map((r) => r.type)).toEqual(["L", "ünï ✓", "L", "𝔘", "ünï ✓"]);
    expect(rows.map((r) => r.out)).toEqual(["𝔘", "L", null, "ünï ✓", "L"]);
    expect(rows.map((r) => r.all)).toEqual([1, 2, 3, 4, 5]);
  });

  it("writes times given once per run (a request's rows) as dictionary runs, read back row by row by every reader", async () => {
    // Three requests of 2, 1 and 3 rows; the first and the last answered in the same millisecond.
    const time: ParquetColumn = {
      name: "time",
      type: "timestamp-ms",
      values: Float64Array.from([1_700_000_000_000, 1_700_000_000_007, 1_700_000_000_000]),
      runs: Uint32Array.from([2, 1, 3]),
    };
    const expected = [0, 0, 7, 0, 0, 0].map((d) => 1_700_000_000_000 + d);
    const parts = encodeParquet([time, { name: "v", type: "float", values: Float32Array.from([1, 2, 3, 4, 5, 6]) }], 6);
    const file = toArrayBuffer(parts);
    const column = parquetMetadata(file).row_groups[0]!.columns[0]!.meta_data!;
    expect(column.encodings).toContain("RLE_DICTIONARY");
    expect(column.dictionary_page_offset).toBeDefined();
    const rows = await parquetReadObjects({ file });
    expect(rows.map((r) => (r.time as Date).getTime())).toEqual(expected);
    const path = join(dir, "runs.parquet");
    writeFileSync(path, Buffer.concat(parts));
    const ds = await openDataset(path);
    const read: number[] = [];
    for await (const b of ds.batches({ columns: ["time"] })) read.push(...(b.columns.time as Float64Array));
    expect(read).toEqual(expected);
    // Fewer rows than the runs hold: the runs stop at the row count.
    const cut = await parquetReadObjects({ file: toArrayBuffer(encodeParquet([time], 4)) });
    expect(cut.map((r) => (r.time as Date).getTime())).toEqual(expected.slice(0, 4));
  });

  it("is read by the readers of compare-models/detect-drift and validate-data", async () => {
    const path = join(dir, "t.parquet");
    writeFileSync(path, Buffer.concat(encodeParquet(columns, 5)));
    const ds = await openDataset(path);
    expect(ds.columns).toEqual(columns.map((c) => c.name));
    expect(ds.types.time).toBe("number");
    const batches = [];
    for await (const b of ds.batches({ columns: ["time", "label", "id", "Air temperature [K]"] })) batches.push(b);
    expect(Array.from(batches[0]!.columns.time as Float64Array)).toEqual([1, 2, 3, 1_700_000_000_000, 5]);
    expect(Array.from(batches[0]!.columns.label as Float64Array)).toEqual([0, 1, Number.NaN, 1, Number.NaN]);
    expect(batches[0]!.columns.id).toEqual(["a", "a", "b", "ünï ✓", "a"]);
    const source = await readRows(path);
    const cells = [];
    for await (const r of source.rows) cells.push(r.cells);
    expect(cells).toHaveLength(5);
    expect(cells[2]![source.columns.indexOf("label")]).toBeNull();
  });

  it("handles many rows, long runs and a large dictionary", async () => {
    const n = 70_000;
    const ids = Array.from({ length: n }, (_, i) => `request-${Math.floor(i / 64)}`);
    const x = Float32Array.from({ length: n }, (_, i) => i / 7);
    const present = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const file = toArrayBuffer(
      encodeParquet(
        [
          { name: "id", type: "string", values: ids },
          { name: "x", type: "float", values: x, present },
        ],
        n,
      ),
    );
    const rows = await parquetReadObjects({ file });
    expect(rows).toHaveLength(n);
    expect(rows[69_999]!.id).toBe(ids[69_999]);
    expect(rows[4]!.x).toBe(x[4]);
    expect(rows[3]!.x).toBeNull();
  });

  it("refuses a column given twice or too short", () => {
    expect(() => encodeParquet([columns[0]!, columns[0]!], 5)).toThrow(/given twice/);
    expect(() => encodeParquet([columns[0]!], 6)).toThrow(/5 of 6 values/);
  });
});
