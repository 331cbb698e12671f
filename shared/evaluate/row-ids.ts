/**
 * Row ids: what names a row the same way in every run over the same data, however it is sharded. By
 * default a row is (its file, as the data path or glob lists it; its 1-based row in that file); with
 * id columns, the text of those columns' values. Ids are 53-bit hashes (doubles). They seed the
 * significance bootstrap's row weights and assign rows to shards (`shard-by: rows`).
 */
import type { ColumnBatch } from "../data";
import { UserError } from "../errors";

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two independent 32-bit FNV-1a hashes of a string (seeded differently). */
function hash2(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return [fmix32(a), fmix32(b)];
}

const to53 = (hi: number, lo: number) => (hi & 0x1fffff) * 4294967296 + (lo >>> 0);

/** The ids of a batch's rows. */
export function rowIds(batch: ColumnBatch, idColumns: readonly string[] | undefined, out: Float64Array): Float64Array {
  const n = batch.rows;
  if (!idColumns || idColumns.length === 0) {
    const [fa, fb] = hash2(batch.file);
    for (let i = 0; i < n; i++) {
      const row = batch.firstRow + i;
      out[i] = to53(fmix32(fb ^ Math.imul(row, 0x9e3779b9)), fmix32(fa + row));
    }
    return out;
  }
  const cols = idColumns.map((c) => batch.columns[c]!);
  for (let i = 0; i < n; i++) {
    let key = "";
    for (let j = 0; j < cols.length; j++) {
      const v = cols[j]![i]!;
      if (typeof v === "number" ? Number.isNaN(v) : v === "") {
        throw new UserError(
          `id-columns: "${idColumns[j]}" is empty at row ${batch.firstRow + i} of ${batch.file} (got ${JSON.stringify(typeof v === "number" ? "NaN" : v)}). Every row needs an id; fill it or choose other id columns.`,
        );
      }
      key += `${j === 0 ? "" : "\u0000"}${typeof v === "number" ? String(v) : v}`;
    }
    const [a, b] = hash2(key);
    out[i] = to53(b, a);
  }
  return out;
}

/** Which of `count` shards a row id belongs to (0-based), uniform over the ids. */
export function shardOfId(id: number, count: number): number {
  const lo = id >>> 0;
  const hi = Math.floor(id / 4294967296) >>> 0;
  return Math.floor((fmix32(lo ^ fmix32(hi ^ 0x3c6ef372)) / 4294967296) * count);
}

export interface ShardSpec {
  /** 1-based, as a matrix value. */
  index: number;
  count: number;
  /** files: shard i reads every count-th file (round robin); rows: it reads every file and keeps its rows. */
  by: "files" | "rows";
}

/** Parse "2/4" (shard 2 of 4). Anything else -> UserError. */
export function parseShard(text: string, by: string): ShardSpec | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UserError(
      `shard: expected "<index>/<count>" with 1 <= index <= count (got ${JSON.stringify(text)}). Use e.g. shard: \${{ matrix.shard }}/4 with shard: [1, 2, 3, 4] in the matrix.`,
    );
  }
  if (by !== "files" && by !== "rows") {
    throw new UserError(
      `shard-by: must be files or rows (got ${JSON.stringify(by)}). Use files for many files, rows for one large file.`,
    );
  }
  return { index: Number(m[1]), count: Number(m[2]), by };
}

/** The files of a data set that a shard reads (round robin by sorted position). */
export function shardFiles(files: string[], shard: ShardSpec): string[] {
  if (shard.by === "rows") return files;
  if (files.length < shard.count) {
    throw new UserError(
      `shard: ${shard.count} shards but the data has ${files.length} file${files.length === 1 ? "" : "s"} (got shard ${shard.index}/${shard.count}, shard-by files). Use shard-by: rows, fewer shards, or split the data into more files.`,
    );
  }
  return files.filter((_, j) => j % shard.count === shard.index - 1);
}
