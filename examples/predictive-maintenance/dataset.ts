/**
 * Reading and writing AI4I-shaped data (the real file or generated), CSV or Parquet.
 * The model's input is the six process columns below as a float matrix; the label is `Machine failure`.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { shown, UserError } from "../../shared/errors";
import { AI4I_FEATURES, AI4I_LABEL } from "../../shared/data/ai4i-columns";
import { type Ai4iBlock, blockToCsv, COLUMNS, generateAi4i, type ProductType } from "./ai4i-generator";
import { seededRandom } from "./random";

/** Model input columns, in order. `Type` is encoded L=0, M=1, H=2. */
export const FEATURES = ["Type", ...AI4I_FEATURES] as const;
export const LABEL = AI4I_LABEL;
export const TYPE_CODE: Record<ProductType, number> = { L: 0, M: 1, H: 2 };

export interface Dataset {
  /** Row-major float32 matrix, rows × FEATURES.length (float32, the precision the ONNX model sees). */
  x: Float32Array;
  /** 0/1 labels. */
  y: Uint8Array;
  rows: number;
  features: readonly string[];
}

/** Write `rows` generated rows to a .csv or .parquet file. */
export async function writeGenerated(path: string, rows: number, seed: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") {
    const out = createWriteStream(path);
    out.write(`${COLUMNS.join(",")}\n`);
    for (const block of generateAi4i(rows, seed)) {
      if (!out.write(blockToCsv(block))) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    return;
  }
  if (ext === ".parquet") {
    const blocks = [...generateAi4i(rows, seed)];
    const f64 = (pick: (b: Ai4iBlock) => Float64Array) => {
      const out = new Float64Array(rows);
      let at = 0;
      for (const b of blocks) {
        out.set(pick(b), at);
        at += b.udi.length;
      }
      return out;
    };
    const i32 = (pick: (b: Ai4iBlock) => ArrayLike<number>) => {
      const out = new Int32Array(rows);
      let at = 0;
      for (const b of blocks) {
        out.set(pick(b), at);
        at += b.udi.length;
      }
      return out;
    };
    const str = (pick: (b: Ai4iBlock) => string[]) => {
      const out = new Array<string>(rows);
      let at = 0;
      for (const b of blocks) for (const s of pick(b)) out[at++] = s;
      return out;
    };
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "UDI", data: i32((b) => b.udi), type: "INT32", nullable: false },
        { name: "Product ID", data: str((b) => b.productId), type: "STRING", nullable: false },
        { name: "Type", data: str((b) => b.type), type: "STRING", nullable: false },
        { name: "Air temperature [K]", data: f64((b) => b.airTemperature), type: "DOUBLE", nullable: false },
        { name: "Process temperature [K]", data: f64((b) => b.processTemperature), type: "DOUBLE", nullable: false },
        { name: "Rotational speed [rpm]", data: i32((b) => b.rotationalSpeed), type: "INT32", nullable: false },
        { name: "Torque [Nm]", data: f64((b) => b.torque), type: "DOUBLE", nullable: false },
        { name: "Tool wear [min]", data: i32((b) => b.toolWear), type: "INT32", nullable: false },
        { name: "Machine failure", data: i32((b) => b.machineFailure), type: "INT32", nullable: false },
        { name: "TWF", data: i32((b) => b.TWF), type: "INT32", nullable: false },
        { name: "HDF", data: i32((b) => b.HDF), type: "INT32", nullable: false },
        { name: "PWF", data: i32((b) => b.PWF), type: "INT32", nullable: false },
        { name: "OSF", data: i32((b) => b.OSF), type: "INT32", nullable: false },
        { name: "RNF", data: i32((b) => b.RNF), type: "INT32", nullable: false },
      ],
    });
    return;
  }
  throw new UserError(`--out: unsupported file extension (got ${shown(path)}). Use a .csv or .parquet file name.`);
}

/** Read an AI4I-shaped .csv (UTF-8, BOM allowed) or .parquet file into the model's feature matrix and labels. */
export async function readDataset(path: string): Promise<Dataset> {
  const ext = extname(path).toLowerCase();
  let records: Record<string, unknown>[];
  if (ext === ".parquet") {
    records = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<string, unknown>[];
  } else {
    records = parse(await readFile(path), { bom: true, columns: true, skip_empty_lines: true, trim: true });
  }
  const first = records[0];
  if (!first) throw new UserError(`data: no rows in ${shown(path)}. Pass a file with a header and at least one row.`);
  const missing = [...FEATURES, LABEL].filter((c) => !(c in first));
  if (missing.length > 0) {
    throw new UserError(
      `data: column ${shown(missing[0])} not found in ${shown(path)} (columns: ${Object.keys(first).join(", ")}). ` +
        `Pass a file with the AI4I 2020 columns (${[...FEATURES, LABEL].join(", ")}).`,
    );
  }
  const rows = records.length;
  const x = new Float32Array(rows * FEATURES.length);
  const y = new Uint8Array(rows);
  records.forEach((r, i) => {
    FEATURES.forEach((f, j) => {
      const raw = r[f];
      const v = f === "Type" ? TYPE_CODE[String(raw) as ProductType] : Number(raw);
      if (v === undefined || !Number.isFinite(v)) {
        throw new UserError(
          `data: row ${i + 1} column ${shown(f)} is not a number (got ${shown(raw)}). Fix or drop that row in ${shown(path)}.`,
        );
      }
      x[i * FEATURES.length + j] = v;
    });
    const label = Number(r[LABEL]);
    if (label !== 0 && label !== 1) {
      throw new UserError(`data: row ${i + 1} ${shown(LABEL)} must be 0 or 1 (got ${shown(r[LABEL])}). Fix that row.`);
    }
    y[i] = label;
  });
  return { x, y, rows, features: FEATURES };
}

/**
 * Several files (or folders of .csv/.parquet files, as train's $MLOPS_DATASET_DIR) read as one dataset, in the
 * order given: the committed training data plus a snapshot of plant data, for example.
 */
export async function readDatasets(paths: readonly string[]): Promise<Dataset> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (info?.isDirectory()) {
      const inside = (await readdir(p)).filter((f) => /\.(csv|parquet)$/i.test(f)).sort();
      if (inside.length === 0)
        throw new UserError(
          `data: no .csv or .parquet file in the folder ${shown(p)} (got none). Pass a folder with data files.`,
        );
      files.push(...inside.map((f) => join(p, f)));
    } else files.push(p);
  }
  const parts = await Promise.all(files.map((f) => readDataset(f)));
  if (parts.length === 1) return parts[0]!;
  const rows = parts.reduce((n, d) => n + d.rows, 0);
  const x = new Float32Array(rows * FEATURES.length);
  const y = new Uint8Array(rows);
  let at = 0;
  for (const d of parts) {
    x.set(d.x, at * FEATURES.length);
    y.set(d.y, at);
    at += d.rows;
  }
  return { x, y, rows, features: FEATURES };
}

/**
 * Reproducible train/test split: a seeded Fisher–Yates permutation; the first `testFraction` of it is the
 * held-out set. Same seed and row count → same split.
 */
export function splitIndices(
  rows: number,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  const perm = Int32Array.from({ length: rows }, (_, i) => i);
  const rnd = seededRandom(seed);
  for (let i = rows - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    const tmp = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = tmp;
  }
  const nTest = Math.round(rows * testFraction);
  return { test: perm.slice(0, nTest).sort(), train: perm.slice(nTest).sort() };
}

/** The rows `idx` of a dataset. */
export function subset(d: Dataset, idx: Int32Array): Dataset {
  const F = d.features.length;
  const x = new Float32Array(idx.length * F);
  const y = new Uint8Array(idx.length);
  idx.forEach((r, i) => {
    x.set(d.x.subarray(r * F, r * F + F), i * F);
    y[i] = d.y[r] as number;
  });
  return { x, y, rows: idx.length, features: d.features };
}

/** Generated rows straight into a Dataset, without a file. */
export function generatedDataset(rows: number, seed: number): Dataset {
  const F = FEATURES.length;
  const x = new Float32Array(rows * F);
  const y = new Uint8Array(rows);
  let r = 0;
  for (const b of generateAi4i(rows, seed)) {
    for (let i = 0; i < b.udi.length; i++, r++) {
      const row = [
        TYPE_CODE[b.type[i] as ProductType],
        b.airTemperature[i] as number,
        b.processTemperature[i] as number,
        b.rotationalSpeed[i] as number,
        b.torque[i] as number,
        b.toolWear[i] as number,
      ];
      x.set(row, r * F);
      y[r] = b.machineFailure[i] as number;
    }
  }
  return { x, y, rows, features: FEATURES };
}
