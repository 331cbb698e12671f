/**
 * The Parquet writer of the server's capture (shared/data/parquet-writer.ts) against hyparquet-writer on the same
 * capture-shaped table, in the same process: 65,536 rows of id, row, time, model name, `Type`, five float
 * inputs, the two probabilities and the label. Three rounds; each prints both times per row and the ratio.
 *
 *   npx tsx bench/capture-writer.ts            (a few seconds)
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import { encodeParquet } from "../shared/data/parquet-writer";

const n = 65_536;
const t0 = Date.UTC(2026, 0, 1);
const floats = (k: number) => Float32Array.from({ length: n }, (_, i) => 300 + ((i * k) % 97) / 10);
const cols = {
  id: Array.from({ length: n }, (_, i) => `0f8fad5b-d9cb-469f-a165-${String(i >> 4).padStart(12, "0")}`),
  row: Int32Array.from({ length: n }, (_, i) => i % 16),
  time: BigInt64Array.from({ length: n }, (_, i) => BigInt(t0 + (i >> 4))),
  type: Array.from({ length: n }, (_, i) => ["L", "M", "H"][i % 3]!),
  label: new BigInt64Array(n),
  f: [1, 3, 7, 11, 13, 17, 19].map(floats),
};

const ours = () =>
  encodeParquet(
    [
      { name: "id", type: "string", values: cols.id },
      { name: "row", type: "int32", values: cols.row },
      { name: "time", type: "timestamp-ms", values: cols.time },
      { name: "model_name", type: "string", values: "failure-predictor" },
      { name: "Type", type: "string", values: cols.type },
      ...cols.f.map((values, j) => ({ name: `f${j}`, type: "float" as const, values })),
      { name: "label", type: "int64", values: cols.label },
    ],
    n,
  );
const theirs = () =>
  parquetWriteBuffer({
    columnData: [
      { name: "id", data: cols.id, type: "STRING" },
      { name: "row", data: cols.row, type: "INT32" },
      { name: "time", data: Array.from(cols.time, (t) => new Date(Number(t))), type: "TIMESTAMP" },
      { name: "model_name", data: new Array<string>(n).fill("failure-predictor"), type: "STRING" },
      { name: "Type", data: cols.type, type: "STRING" },
      ...cols.f.map((data, j) => ({ name: `f${j}`, data, type: "FLOAT" as const })),
      { name: "label", data: cols.label, type: "INT64" },
    ],
  });

for (let round = 0; round < 3; round++) {
  let t = performance.now();
  ours();
  const a = performance.now() - t;
  t = performance.now();
  theirs();
  const b = performance.now() - t;
  console.log(
    `round ${round + 1}: ours ${((a * 1000) / n).toFixed(2)} µs/row, hyparquet-writer ${((b * 1000) / n).toFixed(2)} µs/row (×${(b / a).toFixed(1)})`,
  );
}
