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
  return new FlatColumnCursor(chunk, meta, schemaPath, target.length, compressors, file).read(target, 0, target.length);
}

/**
 * A flat numeric column chunk read page by page, its rows handed out in slices of any size (a batch at a time,
 * so a row group's first batch is ready when its first pages are decoded, not the whole group). `chunk` may be a
 * view of a reused buffer (DataFile.readInto): it must stay as it is until the last row is read.
 */
export class FlatColumnCursor {
  private readonly bytes: Uint8Array;
  private readonly reader: { view: DataView; offset: number };
  private readonly decoder: ColumnDecoder;
  private readonly optional: boolean;
  private readonly typeLength: number | undefined;
  private dictionary: DecodedArray | undefined;
  private levels = new Uint8Array(0);
  /** The page being handed out: its non-null values, its row count, and how far it has been read. */
  private values: DecodedArray = [];
  private pageRows = 0;
  private pageRow = 0;
  private valueAt = 0;
  private nulls = false;
  /** Rows of the row group decoded from pages so far (the last page may be cut at `rows`). */
  private decoded = 0;

  constructor(
    chunk: ArrayBuffer | Uint8Array,
    private readonly meta: ColumnMetaData,
    schemaPath: SchemaTree[],
    /** The row group's rows. */
    private readonly rows: number,
    compressors?: Compressors,
    private readonly file = "parquet file",
  ) {
    const [root, leaf] = schemaPath as [SchemaTree, SchemaTree];
    this.optional = leaf.element.repetition_type === "OPTIONAL";
    this.typeLength = leaf.element.type_length;
    // Values are decoded by hyparquet as for a REQUIRED column (no definition levels in front of them):
    // this module reads the levels itself, into `levels`, and hands hyparquet the bytes after them.
    const required = { ...leaf, element: { ...leaf.element, repetition_type: "REQUIRED" as const } };
    this.decoder = {
      pathInSchema: meta.path_in_schema,
      type: meta.type,
      element: required.element,
      schemaPath: [root, required],
      codec: meta.codec,
      parsers: DEFAULT_PARSERS,
      compressors,
    };
    this.bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    this.reader = { view: new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength), offset: 0 };
  }

  /**
   * Writes the next `n` rows into `target` from `at` (null -> NaN); returns the rows written, fewer only when
   * the chunk's pages end before the row group's rows do.
   */
  read(target: Float64Array, at: number, n: number): number {
    let done = 0;
    while (done < n) {
      if (this.pageRow === this.pageRows && !this.nextPage()) break;
      const k = Math.min(n - done, this.pageRows - this.pageRow);
      if (this.nulls) this.scatter(target, at + done, k);
      else this.copy(target, at + done, k);
      this.pageRow += k;
      done += k;
    }
    return done;
  }

  /** Decodes the next data page (a dictionary page on the way is kept); false when there is none. */
  private nextPage(): boolean {
    const { reader, decoder, file } = this;
    const view = reader.view;
    while (this.decoded < this.rows && reader.offset < view.byteLength - 1) {
      const header = parquetHeader(reader);
      // Sizes and counts the page claims, against what is left of the chunk and of the row group.
      checkParquetPage(
        file,
        this.meta.path_in_schema.join("."),
        {
          compressed: header.compressed_page_size,
          uncompressed: header.uncompressed_page_size,
          values: header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values,
        },
        { bytes: view.byteLength - reader.offset, rows: this.rows - this.decoded },
      );
      const page = this.bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type === "DICTIONARY_PAGE") {
        const diph = header.dictionary_page_header;
        if (!diph) throw new Error("parquet dictionary page header is undefined");
        const raw = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors);
        const r = { view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 };
        this.dictionary = convert(readPlain(r, decoder.type, diph.num_values, this.typeLength), decoder);
        continue;
      }
      let rows: number;
      let present: number;
      if (header.type === "DATA_PAGE") {
        const daph = header.data_page_header;
        if (!daph) throw new Error("parquet data page header is undefined");
        rows = daph.num_values;
        const raw = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors);
        let at = 0;
        present = rows;
        if (this.optional) {
          // v1: the levels are inside the page, after their byte length (RLE, as hyparquet reads them)
          const length = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0, true);
          if (this.levels.length < rows) this.levels = new Uint8Array(rows);
          present = readLevels(raw.subarray(4, 4 + length), rows, this.levels);
          at = 4 + length;
        }
        if (present === 0) this.values = [];
        else {
          const { dataPage } = readDataPage(raw.subarray(at), { ...daph, num_values: present }, decoder);
          this.values = convertWithDictionary(dataPage, this.dictionary, daph.encoding, decoder);
        }
      } else if (header.type === "DATA_PAGE_V2") {
        const daph2 = header.data_page_header_v2;
        if (!daph2) throw new Error("parquet data page header v2 is undefined");
        rows = daph2.num_values;
        const levelBytes = daph2.repetition_levels_byte_length + daph2.definition_levels_byte_length;
        present = rows;
        if (this.optional) {
          // v2: the levels come first, never compressed, their length in the header
          if (this.levels.length < rows) this.levels = new Uint8Array(rows);
          present = readLevels(page.subarray(daph2.repetition_levels_byte_length, levelBytes), rows, this.levels);
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
        this.values = convertWithDictionary(dataPage, this.dictionary, daph2.encoding, decoder);
      } else {
        throw new Error(`parquet unsupported page type: ${header.type}`);
      }
      // A page past the row group's rows is cut there, as the whole-group read did.
      this.pageRows = Math.min(rows, this.rows - this.decoded);
      this.decoded += this.pageRows;
      this.pageRow = 0;
      this.valueAt = 0;
      this.nulls = present !== rows;
      return true;
    }
    return false;
  }

  /** `k` rows of a page without nulls. */
  private copy(target: Float64Array, at: number, k: number): void {
    const values = this.values;
    const from = this.pageRow;
    const n = Math.max(0, Math.min(k, values.length - from));
    if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) {
      target.set(values.subarray(from, from + n), at);
    } else {
      for (let i = 0; i < n; i++) target[at + i] = toNumber(values[from + i]);
    }
  }

  /** `k` rows of a page with nulls: `values` holds its non-null values in order, `levels` one per row. */
  private scatter(target: Float64Array, at: number, k: number): void {
    const { values, levels } = this;
    let v = this.valueAt;
    const end = at + k;
    if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array) {
      for (let i = at, j = this.pageRow; i < end; i++, j++) target[i] = levels[j] ? values[v++]! : Number.NaN;
    } else {
      for (let i = at, j = this.pageRow; i < end; i++, j++) target[i] = levels[j] ? toNumber(values[v++]) : Number.NaN;
    }
    this.valueAt = v;
  }
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

/** As parquet-reader's copy of parquetRead's output: bigint -> Number, boolean -> 1/0, missing -> NaN. */
function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return Number.NaN;
}
