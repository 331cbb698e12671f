import type { ColumnMetaData, Compressors, DecodedArray, FileMetaData, SchemaTree } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import { checkParquetPage } from "./read-limits";

/**
 * Flat numeric Parquet columns decoded straight into a Float64Array (null -> NaN).
 *
 * hyparquet's parquetRead assembles every page through its generic Dremel list/struct assembly, which
 * for an OPTIONAL column (what pandas and Spark write) builds a plain JS array one pushed value at a time;
 * that made nullable files parse at less than half the speed of required ones. A flat column needs none
 * of it: each definition level is either "value" (1) or "null" (0). So this module walks the pages itself
 * and keeps hyparquet for page headers, decompression, value decoding (PLAIN, dictionary, delta,
 * byte-stream-split) and dictionary dereferencing. Written here, because they are the hot loop: decoding
 * the one-bit definition levels into a reused Uint8Array (hyparquet decodes them into a new JS array and
 * counts the nulls in a second pass: fusing the two into this loop took nullable columns from about
 * 3.3 to about 5 M rows/s, parse only, 1 M rows x 9 columns) and scattering the values into the row
 * group's Float64Array. Anything
 * that is not a flat primitive column whose values are plain numbers (nested, strings, dates, decimals,
 * unsigned) stays on parquetRead.
 */

type ColumnDecoder = Parameters<typeof readDataPage>[2];

const FAST_TYPES = new Set(["DOUBLE", "FLOAT", "INT32", "INT64", "BOOLEAN"]);
/** Converted types under which hyparquet returns the stored number unchanged. */
const SIGNED_INTS = new Set(["INT_8", "INT_16", "INT_32", "INT_64"]);

/** The schema path (root, leaf) of `name` when it can be read by `readFlatColumn`, else undefined. */
export function flatNumericPath(schema: SchemaTree, name: string): SchemaTree[] | undefined {
  const leaf = schema.children.find((c) => c.element.name === name);
  if (!leaf || leaf.children.length > 0) return undefined;
  const e = leaf.element;
  if (!e.type || !FAST_TYPES.has(e.type) || e.repetition_type === "REPEATED") return undefined;
  if (e.converted_type !== undefined && !SIGNED_INTS.has(e.converted_type)) return undefined;
  const lt = e.logical_type;
  if (lt !== undefined && !(lt.type === "INTEGER" && lt.isSigned)) return undefined;
  return [schema, leaf];
}

/** Byte range of a column chunk in the file (dictionary page included), as hyparquet plans it. */
export function chunkRange(meta: ColumnMetaData): [number, number] {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return [start, start + Number(meta.total_compressed_size)];
}

export function columnMeta(metadata: FileMetaData, group: number, name: string): ColumnMetaData {
  const meta = metadata.row_groups[group]?.columns.find(
    (c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name,
  )?.meta_data;
  if (!meta) throw new Error(`parquet column chunk not found: ${name} in row group ${group}`);
  return meta;
}

/**
 * Decodes one column chunk (`bytes`, from `chunkRange`) of a flat numeric column into `target`
 * (one slot per row of the row group). Returns the rows written: like parquetRead, a chunk whose pages
 * end early leaves the remaining slots as they were.
 */
export function readFlatColumn(
  chunk: ArrayBuffer | Uint8Array,
  meta: ColumnMetaData,
  schemaPath: SchemaTree[],
  target: Float64Array,
  compressors?: Compressors,
  file = "parquet file",
): number {
  const [root, leaf] = schemaPath as [SchemaTree, SchemaTree];
  const optional = leaf.element.repetition_type === "OPTIONAL";
  // Values are decoded by hyparquet as for a REQUIRED column (no definition levels in front of them):
  // this module reads the levels itself, into `levels`, and hands hyparquet the bytes after them.
  const required = { ...leaf, element: { ...leaf.element, repetition_type: "REQUIRED" as const } };
  const decoder: ColumnDecoder = {
    pathInSchema: meta.path_in_schema,
    type: meta.type,
    element: required.element,
    schemaPath: [root, required],
    codec: meta.codec,
    parsers: DEFAULT_PARSERS,
    compressors,
  };
  // A view of a reused buffer (DataFile.readInto): nothing decoded here keeps a view of it past this call.
  const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { view, offset: 0 };
  let levels = new Uint8Array(0);
  let dictionary: DecodedArray | undefined;
  let row = 0;
  while (row < target.length && reader.offset < view.byteLength - 1) {
    const header = parquetHeader(reader);
    // Sizes and counts the page claims, against what is left of the chunk and of the row group.
    checkParquetPage(
      file,
      meta.path_in_schema.join("."),
      {
        compressed: header.compressed_page_size,
        uncompressed: header.uncompressed_page_size,
        values: header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values,
      },
      { bytes: view.byteLength - reader.offset, rows: target.length - row },
    );
    const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const diph = header.dictionary_page_header;
      if (!diph) throw new Error("parquet dictionary page header is undefined");
      const raw = decompressPage(page, header.uncompressed_page_size, decoder.codec, compressors);
      const r = { view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 };
      dictionary = convert(readPlain(r, decoder.type, diph.num_values, leaf.element.type_length), decoder);
      continue;
    }
    let rows: number;
    let present: number;
    let values: DecodedArray;
    if (header.type === "DATA_PAGE") {
      const daph = header.data_page_header;
      if (!daph) throw new Error("parquet data page header is undefined");
      rows = daph.num_values;
      const raw = decompressPage(page, header.uncompressed_page_size, decoder.codec, compressors);
      let at = 0;
      present = rows;
      if (optional) {
        // v1: the levels are inside the page, after their byte length (RLE, as hyparquet reads them)
        const length = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0, true);
        if (levels.length < rows) levels = new Uint8Array(rows);
        present = readLevels(raw.subarray(4, 4 + length), rows, levels);
        at = 4 + length;
      }
      if (present === 0) values = [];
      else {
        const { dataPage } = readDataPage(raw.subarray(at), { ...daph, num_values: present }, decoder);
        values = convertWithDictionary(dataPage, dictionary, daph.encoding, decoder);
      }
    } else if (header.type === "DATA_PAGE_V2") {
      const daph2 = header.data_page_header_v2;
      if (!daph2) throw new Error("parquet data page header v2 is undefined");
      rows = daph2.num_values;
      const levelBytes = daph2.repetition_levels_byte_length + daph2.definition_levels_byte_length;
      present = rows;
      if (optional) {
        // v2: the levels come first, never compressed, their length in the header
        if (levels.length < rows) levels = new Uint8Array(rows);
        present = readLevels(page.subarray(daph2.repetition_levels_byte_length, levelBytes), rows, levels);
      }
      const { dataPage } =
        present === 0
          ? { dataPage: [] }
          : readDataPageV2(
              page.subarray(levelBytes),
              {
                ...header,
                uncompressed_page_size: header.uncompressed_page_size - levelBytes,
                data_page_header_v2: {
                  ...daph2,
                  num_values: present,
                  num_nulls: 0,
                  repetition_levels_byte_length: 0,
                  definition_levels_byte_length: 0,
                },
              },
              decoder,
            );
      values = convertWithDictionary(dataPage, dictionary, daph2.encoding, decoder);
    } else {
      throw new Error(`parquet unsupported page type: ${header.type}`);
    }
    row = present === rows ? copyAll(values, rows, target, row) : scatter(values, levels, rows, target, row);
  }
  return row;
}

/**
 * Decodes `rows` definition levels of a flat OPTIONAL column (bit width 1: 1 = value, 0 = null) from
 * the RLE / bit-packed hybrid encoding into `out`; returns how many are 1.
 */
export function readLevels(bytes: Uint8Array, rows: number, out: Uint8Array): number {
  let pos = 0;
  let n = 0;
  let present = 0;
  while (n < rows) {
    if (pos >= bytes.length) throw new Error(`parquet definition levels end after ${n} of ${rows} values`);
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++]!;
      header |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (header & 1) {
      // bit-packed: (header >> 1) groups of 8 one-bit values, one byte a group, low bit first
      const groups = header >>> 1;
      for (let g = 0; g < groups; g++) {
        const b = bytes[pos++] ?? 0;
        for (let k = 0; k < 8 && n < rows; k++) {
          const v = (b >> k) & 1;
          out[n++] = v;
          present += v;
        }
      }
    } else {
      // run: (header >> 1) copies of one value, stored in one byte
      const count = Math.min(header >>> 1, rows - n);
      const v = bytes[pos++]! & 1;
      out.fill(v, n, n + count);
      n += count;
      if (v) present += count;
    }
  }
  return present;
}

/** Writes a page without nulls at `row`; returns the next row. */
function copyAll(values: DecodedArray, rows: number, target: Float64Array, row: number): number {
  const n = Math.min(target.length - row, rows, values.length);
  if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) {
    target.set(values.length > n ? values.subarray(0, n) : values, row);
  } else {
    for (let i = 0; i < n; i++) target[row + i] = toNumber(values[i]);
  }
  return row + Math.min(target.length - row, rows);
}

/**
 * Writes one page's rows at `row`: `values` holds the non-null values in order, `levels` one definition
 * level a row (1 = value, 0 = null -> NaN). Returns the next row.
 */
function scatter(values: DecodedArray, levels: Uint8Array, rows: number, target: Float64Array, row: number): number {
  const end = Math.min(target.length, row + rows);
  let k = 0;
  if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) {
    for (let i = row, j = 0; i < end; i++, j++) target[i] = levels[j] ? values[k++]! : Number.NaN;
  } else {
    for (let i = row, j = 0; i < end; i++, j++) target[i] = levels[j] ? toNumber(values[k++]) : Number.NaN;
  }
  return end;
}

/** As parquet-reader's copy of parquetRead's output: bigint -> Number, boolean -> 1/0, missing -> NaN. */
function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return Number.NaN;
}
