/**
 * An Open Inference Protocol v2 request for the example model from rows of an AI4I-shaped CSV: one input
 * per model column, `[rows, 1]` each (Type as BYTES, the process values as FP32), asking for the
 * probabilities. What the demo and the image tests send to the edge server.
 */
import { readFileSync } from "node:fs";
import { FEATURES, generatedDataset } from "./dataset";

export function inferenceRequest(csv: string, rows: number): { inputs: unknown[]; outputs: { name: string }[] } {
  const [head, ...lines] = readFileSync(csv, "utf8")
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\n");
  const header = head!.split(",");
  const picked = lines.slice(0, rows).map((l) => l.split(","));
  const column = (name: string) => picked.map((r) => r[header.indexOf(name)]!);
  return {
    inputs: FEATURES.map((name) =>
      name === "Type"
        ? { name, shape: [picked.length, 1], datatype: "BYTES", data: column(name) }
        : { name, shape: [picked.length, 1], datatype: "FP32", data: column(name).map(Number) },
    ),
    outputs: [{ name: "probabilities" }],
  };
}

/**
 * The same request's JSON body for `rows` generated AI4I rows (`generatedDataset(rows, seed)`), without asking
 * for particular outputs: what the benchmarks send.
 */
export function generatedInferenceBody(rows: number, seed: number, id: string): Buffer {
  const d = generatedDataset(rows, seed);
  const column = (j: number) => Array.from({ length: rows }, (_, i) => d.x[i * FEATURES.length + j]!);
  const types = ["L", "M", "H"];
  return Buffer.from(
    JSON.stringify({
      id,
      inputs: FEATURES.map((name, j) =>
        name === "Type"
          ? { name, shape: [rows, 1], datatype: "BYTES", data: column(j).map((c) => types[c]) }
          : { name, shape: [rows, 1], datatype: "FP32", data: column(j) },
      ),
    }),
  );
}
