import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { type FileMetaData, parquetMetadata } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { decompressPage } from "hyparquet/src/datapage.js";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { ByteWriter, parquetWriteBuffer } from "hyparquet-writer";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import { afterAll, describe, expect, it } from "vitest";
import type { ColumnType } from "./types";
import { localFile } from "./data-files";
import { parquetBatches, readParquetHead } from "./parquet-reader";

const dir = mkdtempSync(join(tmpdir(), "parquet-flat-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const write = (bytes: ArrayBuffer | Uint8Array) => {
  const p = join(dir, `f${files++}.parquet`);
  writeFileSync(p, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return p;
};

type Column = Parameters<typeof parquetWriteBuffer>[0]["columnData"][number];
type Options = Omit<Parameters<typeof parquetWriteBuffer>[0], "columnData">;

/** Every selected column read through both paths, row by row: the flat path must equal parquetRead's. */
/**
 * Every column read by parquetRead alone and by the flat path, compared value for value. With `numbersOnly`, only
 * the numeric columns are asked for, in batches of 333 rows: the flat path then decodes a row group a batch at a
 * time, so batches end inside pages (after a null, in a dictionary run, in a delta block) and go on from there.
 */
async function readBoth(path: string, types?: Record<string, ColumnType>, numbersOnly = false) {
  const file = localFile(path, statSync(path).size);
  const head = await readParquetHead(file);
  const select = head.columns
    // (a timestamp is a number too, but not a flat numeric column: it would send the row group to parquetRead)
    .filter((name) => !numbersOnly || (head.types[name] === "number" && name !== "timestamp"))
    .map((name) => ({
      name,
      type: types?.[name] ?? (name === "timestamp" ? "string" : head.types[name]!),
    }));
  const batchSize = numbersOnly ? 333 : 1000;
  if (numbersOnly) expect(select.length).toBeGreaterThan(10);
  const read = async (hyparquetOnly: boolean) => {
    const out: Record<string, unknown[]> = Object.fromEntries(select.map((c) => [c.name, []]));
    let firstRows: number[] = [];
    for await (const b of parquetBatches({
      file,
      columns: head.columns,
      select,
      batchSize,
      offset: 0,
      hyparquetOnly,
    })) {
      firstRows.push(b.firstRow);
      for (const [name, values] of Object.entries(b.columns)) out[name]!.push(...values);
    }
    firstRows = firstRows.slice(0, 5);
    return { out, firstRows };
  };
  const old = await read(true);
  const flat = await read(false);
  expect(flat.firstRows).toEqual(old.firstRows);
  expect(Object.keys(flat.out)).toEqual(select.map((c) => c.name));
  for (const { name } of select) {
    const a = old.out[name]!;
    const b = flat.out[name]!;
    expect(b.length, name).toBe(head.rows);
    expect(a.length, name).toBe(head.rows);
    const differ = a.findIndex((v, i) => !Object.is(v, b[i]));
    expect(differ, `${name}: first differing row (old ${String(a[differ])}, flat ${String(b[differ])})`).toBe(-1);
  }
  return flat.out;
}

const N = 5003;
let seed = 11;
const rnd = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
/**
 * About one row in three null, at no regular interval (so that page boundaries fall both before and
 * after nulls: `expectLayout` checks it), a run of 300 (an RLE run of levels), the first row of the second
 * row group, the last of the second and the last row.
 */
const nulls = Array.from(
  { length: N },
  (_, i) => rnd() < 0.3 || (i >= 1500 && i < 1800) || i === 2000 || i === 3999 || i === N - 1,
);
const isNull = (i: number) => nulls[i] === true;
const firstNull = nulls.indexOf(true);
const firstValue = nulls.indexOf(false);
const doubles = Array.from({ length: N }, () => Math.round((rnd() * 2e4 - 1e4) * 1e3) / 1e3);
doubles[5] = -0;
doubles[6] = Number.NaN;
const withNulls = <T>(values: T[]) => values.map((v, i) => (isNull(i) ? null : v));

function columns(): Column[] {
  const ints = doubles.map((d) => Math.trunc(d) || 0);
  return [
    { name: "required double", data: Float64Array.from(doubles), type: "DOUBLE", nullable: false },
    { name: "nullable double, no nulls", data: Float64Array.from(doubles), type: "DOUBLE" },
    { name: "nullable double", data: withNulls(doubles), type: "DOUBLE" },
    { name: "all null", data: doubles.map(() => null), type: "DOUBLE" },
    { name: "float", data: withNulls(doubles.map((d) => Math.fround(d))), type: "FLOAT" },
    { name: "int32", data: withNulls(ints), type: "INT32" },
    { name: "required int32", data: Int32Array.from(ints), type: "INT32", nullable: false },
    { name: "int64", data: withNulls(ints.map((v) => BigInt(v) * 1000003n)), type: "INT64" },
    { name: "boolean", data: withNulls(ints.map((v) => v % 3 === 0)), type: "BOOLEAN" },
    // low cardinality: the writer picks RLE_DICTIONARY by itself; forced for the FLOAT one
    { name: "dictionary double", data: withNulls(ints.map((v) => (v % 17) / 4)), type: "DOUBLE" },
    {
      name: "dictionary float",
      data: withNulls(ints.map((v) => (v % 5) / 2)),
      type: "FLOAT",
      encoding: "RLE_DICTIONARY",
    },
    { name: "single-value dictionary", data: withNulls(ints.map(() => 2.5)), type: "DOUBLE" },
    { name: "delta int32", data: withNulls(ints), type: "INT32", encoding: "DELTA_BINARY_PACKED" },
    { name: "split double", data: withNulls(doubles), type: "DOUBLE", encoding: "BYTE_STREAM_SPLIT" },
    // not flat numeric: stay on parquetRead
    { name: "text", data: withNulls(ints.map((v) => `t${v % 13}`)), type: "STRING" },
    { name: "timestamp", data: withNulls(ints.map((v) => new Date(1.7e12 + v * 1000))), type: "TIMESTAMP" },
  ];
}

/** Page types and encodings of each column chunk, and the rows each data page starts at. */
function pages(file: string) {
  const bytes = new Uint8Array(readFileSync(file)).buffer;
  const out: Record<string, { kinds: Set<string>; starts: number[] }> = {};
  let groupStart = 0;
  for (const group of parquetMetadata(bytes).row_groups) {
    let row = 0;
    for (const chunk of group.columns) {
      const m = chunk.meta_data!;
      const info = (out[m.path_in_schema[0]!] ??= { kinds: new Set(), starts: [] });
      const reader = { view: new DataView(bytes, Number(m.dictionary_page_offset || m.data_page_offset)), offset: 0 };
      row = 0;
      while (reader.offset < Number(m.total_compressed_size)) {
        const h = parquetHeader(reader);
        reader.offset += h.compressed_page_size;
        const encoding = h.data_page_header?.encoding ?? h.data_page_header_v2?.encoding ?? "";
        info.kinds.add(`${h.type} ${encoding}`.trim());
        if (h.type === "DICTIONARY_PAGE") continue;
        info.starts.push(groupStart + row);
        row += h.data_page_header?.num_values ?? h.data_page_header_v2!.num_rows;
      }
    }
    groupStart += Number(group.num_rows);
  }
  return out;
}

/** What the files written below must contain for the comparison to cover the cases. */
function expectLayout(file: string, page: "DATA_PAGE" | "DATA_PAGE_V2") {
  const p = pages(file);
  const starts = p["nullable double"]!.starts.filter((r) => r > 0 && r % 2000 !== 0);
  expect(starts.length).toBeGreaterThan(10);
  // pages after a null and (v1, split in toDataPageV1) pages that start with one
  expect(starts.some((r) => isNull(r - 1))).toBe(true);
  expect(starts.some((r) => isNull(r))).toBe(page === "DATA_PAGE");
  expect(p["nullable double"]!.kinds).toEqual(new Set([`${page} PLAIN`]));
  expect(p["dictionary double"]!.kinds).toEqual(new Set(["DICTIONARY_PAGE", `${page} RLE_DICTIONARY`]));
  expect(p["dictionary float"]!.kinds).toEqual(new Set(["DICTIONARY_PAGE", `${page} RLE_DICTIONARY`]));
  expect(p["delta int32"]!.kinds).toEqual(new Set([`${page} DELTA_BINARY_PACKED`]));
  expect(p["split double"]!.kinds).toEqual(new Set([`${page} BYTE_STREAM_SPLIT`]));
}

/** Several row groups, each of several pages. */
const LAYOUT: Options = { rowGroupSize: 2000, pageSize: 1024 };

describe("flat numeric Parquet columns (DATA_PAGE_V2)", () => {
  for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
    it(`match parquetRead value for value, ${codec}`, async () => {
      const file = write(parquetWriteBuffer({ columnData: columns(), codec, ...LAYOUT }));
      const meta = parquetMetadata(new Uint8Array(readFileSync(file)).buffer);
      expect(meta.row_groups.length).toBe(3);
      expectLayout(file, "DATA_PAGE_V2");
      const out = await readBoth(file);
      // and both equal what was written
      expect(out["nullable double"]).toEqual(doubles.map((d, i) => (isNull(i) ? Number.NaN : d)));
      expect(Object.is(out["required double"]![5], -0)).toBe(true);
      expect(out["all null"]!.every((v) => Number.isNaN(v))).toBe(true);
      const ints = doubles.map((d) => Math.trunc(d) || 0);
      expect(out["int64"]).toEqual(ints.map((v, i) => (isNull(i) ? Number.NaN : v * 1000003)));
      expect(out["boolean"]).toEqual(ints.map((v, i) => (isNull(i) ? Number.NaN : v % 3 === 0 ? 1 : 0)));
      expect(out["text"]![firstNull]).toBe("");
      const numbers = await readBoth(file, undefined, true);
      expect(Object.keys(numbers)).not.toContain("text");
      for (const name of Object.keys(numbers)) expect(numbers[name], name).toEqual(out[name]);
    });
  }

  it("reads a numeric column asked for as a string through parquetRead, unchanged", async () => {
    const file = write(parquetWriteBuffer({ columnData: columns(), ...LAYOUT }));
    const out = await readBoth(file, { "nullable double": "string", int64: "string" });
    expect(out["nullable double"]![firstNull]).toBe("");
    expect(out["nullable double"]![firstValue]).toBe(String(doubles[firstValue]));
  });

  it("reads a timestamp column asked for as a number as milliseconds since the epoch", async () => {
    const file = write(parquetWriteBuffer({ columnData: columns(), ...LAYOUT }));
    const out = await readBoth(file, { timestamp: "number" });
    expect(out.timestamp![firstValue]).toBe(1.7e12 + (Math.trunc(doubles[firstValue]!) || 0) * 1000);
    expect(out.timestamp![firstNull]).toBeNaN();
  });

  it("reports a column that is not numeric as a UserError on both paths", async () => {
    const file = write(parquetWriteBuffer({ columnData: columns(), ...LAYOUT }));
    const select = [
      { name: "nullable double", type: "number" as const },
      { name: "text", type: "number" as const },
    ];
    for (const hyparquetOnly of [true, false]) {
      const run = async () => {
        for await (const _ of parquetBatches({
          file: localFile(file, statSync(file).size),
          columns: columns().map((c) => c.name),
          select,
          batchSize: 100,
          offset: 0,
          hyparquetOnly,
        })) {
          // drain
        }
      };
      await expect(run()).rejects.toThrow(`non-numeric value in numeric column "text" at row ${firstValue + 1} `);
    }
  });

  it("reads GZIP, BROTLI and ZSTD pages (what pyarrow and Spark write besides SNAPPY) with the same values on both paths", async () => {
    const zstdCompress = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer }).zstdCompressSync;
    const codecs: [string, (b: Uint8Array) => Uint8Array][] = [
      ["GZIP", (b) => new Uint8Array(gzipSync(b))],
      ["BROTLI", (b) => new Uint8Array(brotliCompressSync(b))],
      // Node has zstd from 22.15; the reader decompresses ZSTD with fzstd where it does not.
      ...(zstdCompress
        ? [["ZSTD", (b: Uint8Array) => new Uint8Array(zstdCompress(b))] as [string, (b: Uint8Array) => Uint8Array]]
        : []),
    ];
    const expected = withNulls(doubles);
    for (const [codec, compress] of codecs) {
      const file = write(
        parquetWriteBuffer({
          columnData: [{ name: "x", data: expected, type: "DOUBLE" }],
          codec: codec as "GZIP",
          compressors: { [codec]: compress },
        }),
      );
      const got = await readBoth(file);
      const wanted = expected.map((v) => (v === null ? Number.NaN : v));
      expect(
        got.x!.findIndex((v, i) => !Object.is(v, wanted[i])),
        codec,
      ).toBe(-1);
    }
  });
});

/**
 * The same file rewritten with DATA_PAGE (v1) pages, as pandas/pyarrow and Spark write them; the writer
 * here only writes DATA_PAGE_V2. A v1 page keeps its definition levels (length-prefixed) inside the
 * compressed body. Offset and column indexes are dropped.
 */
const WIDTH: Record<string, number> = { DOUBLE: 8, INT64: 8, FLOAT: 4, INT32: 4 };

function toDataPageV1(file: Uint8Array): Uint8Array {
  const meta: FileMetaData = parquetMetadata(file.slice().buffer);
  const out = new ByteWriter();
  out.appendUint32(0x31524150);
  for (const group of meta.row_groups) {
    let groupBytes = 0;
    for (const chunk of group.columns) {
      const m = chunk.meta_data!;
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const reader = { view: new DataView(file.buffer, file.byteOffset + start), offset: 0 };
      const end = Number(m.total_compressed_size);
      const chunkStart = out.offset;
      let dataOffset: number | undefined;
      let uncompressed = 0;
      while (reader.offset < end) {
        const headerStart = reader.offset;
        const h = parquetHeader(reader);
        const body = new Uint8Array(file.buffer, file.byteOffset + start + reader.offset, h.compressed_page_size);
        reader.offset += h.compressed_page_size;
        if (h.type !== "DATA_PAGE_V2") {
          out.appendBytes(
            new Uint8Array(file.buffer, file.byteOffset + start + headerStart, reader.offset - headerStart),
          );
          uncompressed += reader.offset - headerStart;
          continue;
        }
        dataOffset ??= out.offset;
        const v2 = h.data_page_header_v2!;
        const levelBytes = body.subarray(0, v2.definition_levels_byte_length);
        let values = body.subarray(v2.definition_levels_byte_length);
        if (v2.is_compressed !== false) {
          const size = h.uncompressed_page_size - v2.definition_levels_byte_length;
          values = decompressPage(values, size, m.codec, undefined);
        }
        const emit = (levels: number[] | undefined, bytes: Uint8Array) => {
          const lw = new ByteWriter();
          if (levels) writeRleBitPackedHybrid(lw, levels, 1);
          const encoded = new Uint8Array(lw.getBuffer());
          const plain = new Uint8Array((levels ? 4 + encoded.length : 0) + bytes.length);
          if (levels) {
            new DataView(plain.buffer).setUint32(0, encoded.length, true);
            plain.set(encoded, 4);
          }
          plain.set(bytes, levels ? 4 + encoded.length : 0);
          const stored = m.codec === "SNAPPY" ? snappyCompress(plain) : plain;
          const headerAt = out.offset;
          writePageHeader(out, {
            type: "DATA_PAGE",
            uncompressed_page_size: plain.length,
            compressed_page_size: stored.length,
            data_page_header: {
              num_values: levels?.length ?? v2.num_values,
              encoding: v2.encoding,
              definition_level_encoding: "RLE",
              repetition_level_encoding: "RLE",
            },
          });
          out.appendBytes(stored);
          uncompressed += out.offset - headerAt - stored.length + plain.length;
        };
        if (!levelBytes.length) {
          emit(undefined, values);
          continue;
        }
        const levels = new Array<number>(v2.num_values);
        readRleBitPackedHybrid(
          { view: new DataView(levelBytes.buffer, levelBytes.byteOffset), offset: 0 },
          1,
          levels,
          levelBytes.length,
        );
        // PLAIN pages of fixed-width values are split before their first null after row 0, so that pages
        // start with a null, which the writer never does
        const width = v2.encoding === "PLAIN" ? WIDTH[m.type] : undefined;
        const split = levels.indexOf(0, 1);
        if (width && split > 0) {
          const bytesBefore = levels.slice(0, split).filter((l) => l === 1).length * width;
          emit(levels.slice(0, split), values.subarray(0, bytesBefore));
          emit(levels.slice(split), values.subarray(bytesBefore));
        } else {
          emit(levels, values);
        }
      }
      if (m.dictionary_page_offset) m.dictionary_page_offset = BigInt(chunkStart);
      m.data_page_offset = BigInt(dataOffset ?? chunkStart);
      m.total_compressed_size = BigInt(out.offset - chunkStart);
      m.total_uncompressed_size = BigInt(uncompressed);
      m.encoding_stats = undefined;
      chunk.file_offset = BigInt(chunkStart);
      chunk.offset_index_offset = undefined;
      chunk.offset_index_length = undefined;
      chunk.column_index_offset = undefined;
      chunk.column_index_length = undefined;
      groupBytes += out.offset - chunkStart;
    }
    group.total_byte_size = BigInt(groupBytes);
    group.file_offset =
      group.columns[0]!.meta_data!.dictionary_page_offset ?? group.columns[0]!.meta_data!.data_page_offset;
  }
  const metaStart = out.offset;
  writeMetadata(out, meta);
  out.appendUint32(out.offset - metaStart);
  out.appendUint32(0x31524150);
  return new Uint8Array(out.getBuffer());
}

describe("flat numeric Parquet columns (DATA_PAGE v1)", () => {
  for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
    it(`match parquetRead value for value, ${codec}`, async () => {
      const v2 = new Uint8Array(parquetWriteBuffer({ columnData: columns(), codec, ...LAYOUT }));
      const file = write(toDataPageV1(v2));
      expectLayout(file, "DATA_PAGE");
      const out = await readBoth(file);
      expect(out["nullable double"]).toEqual(doubles.map((d, i) => (isNull(i) ? Number.NaN : d)));
      expect(out["dictionary double"]!.filter((v) => Number.isNaN(v)).length).toBe(
        doubles.filter((_, i) => isNull(i)).length,
      );
      const numbers = await readBoth(file, undefined, true);
      for (const name of Object.keys(numbers)) expect(numbers[name], name).toEqual(out[name]);
    });
  }
});
