/**
 * The example trainer, runnable as a `train` command:
 *
 *   npx tsx examples/predictive-maintenance/train.ts --data data/ai4i.csv --model gbt --out "$MLOPS_OUTPUT_DIR"
 *
 * `--data` may be repeated, and may name a folder of .csv/.parquet files (train's $MLOPS_DATASET_DIR): the files
 * are read as one dataset, in order.
 *
 * Parameters come from defaults, then the MLOPS_PARAMS JSON map (what the train action passes), then flags.
 * Writes <out>/model.onnx and <out>/metrics.json (held-out metrics; the split is reproducible from `seed`).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { isUserError, shown, UserError } from "../../shared/errors";
import { FEATURES, readDatasets, splitIndices, subset } from "./dataset";
import { predictGbt, trainGbt } from "./gradient-boosting";
import { predictLogistic, trainLogistic } from "./logistic-regression";
import { type BinaryMetrics, binaryMetrics } from "./metrics";
import { modelToOnnx } from "./onnx-export";

export const TrainParams = z
  .object({
    /** A file, a folder of .csv/.parquet files, or several (read as one dataset, in order). */
    data: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    model: z.enum(["logreg", "gbt"]).default("gbt"),
    seed: z.coerce.number().int().default(42),
    test_fraction: z.coerce.number().gt(0).lt(1).default(0.2),
    // logistic regression
    iterations: z.coerce.number().int().min(1).default(25),
    l2: z.coerce.number().min(0).default(1e-4),
    // gradient boosting
    n_estimators: z.coerce.number().int().min(1).default(150),
    learning_rate: z.coerce.number().gt(0).default(0.1),
    max_depth: z.coerce.number().int().min(1).max(12).default(4),
    min_samples_leaf: z.coerce.number().int().min(1).default(10),
  })
  .strict();
export type TrainParams = z.infer<typeof TrainParams>;

export interface TrainResult {
  params: TrainParams;
  metrics: BinaryMetrics & { train_rows: number; train_seconds: number };
  modelPath: string;
  metricsPath: string;
}

/** Train on `params.data`, evaluate on the held-out split, write model.onnx and metrics.json into `outDir`. */
export async function trainExample(
  raw: Record<string, unknown>,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<TrainResult> {
  const parsed = TrainParams.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = `Use the keys ${Object.keys(TrainParams.shape).join(", ")}.`;
    if (issue?.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      throw new UserError(`params.${key}: unknown parameter (got ${shown(raw[key])}). ${keys}`);
    }
    const key = issue?.path.join(".") || "params";
    throw new UserError(
      `params.${key}: ${issue?.message ?? "invalid"} (got ${shown(issue ? raw[String(issue.path[0])] : raw)}). ${keys}`,
    );
  }
  const params = parsed.data;
  if (!params.data)
    throw new UserError("data: no data file given (got nothing). Pass --data <file.csv|.parquet> or params.data.");
  const d = await readDatasets(typeof params.data === "string" ? [params.data] : params.data);
  const { train, test } = splitIndices(d.rows, params.test_fraction, params.seed);
  const tr = subset(d, train);
  const te = subset(d, test);
  log(`data: ${d.rows} rows (${tr.rows} train, ${te.rows} held out, seed ${params.seed}); model: ${params.model}`);
  const t0 = performance.now();
  let bytes: Uint8Array;
  let p: Float64Array;
  if (params.model === "logreg") {
    const m = trainLogistic(tr, { iterations: params.iterations, l2: params.l2 });
    p = predictLogistic(m, te.x, te.rows);
    bytes = modelToOnnx(m);
  } else {
    const m = trainGbt(tr, {
      nEstimators: params.n_estimators,
      learningRate: params.learning_rate,
      maxDepth: params.max_depth,
      minSamplesLeaf: params.min_samples_leaf,
      onTree: (done, total) => {
        if (done % 25 === 0 || done === total) log(`trees: ${done}/${total}`);
      },
    });
    p = predictGbt(m, te.x, te.rows, FEATURES.length);
    bytes = modelToOnnx(m);
  }
  const seconds = (performance.now() - t0) / 1000;
  const metrics = { ...binaryMetrics(te.y, p), train_rows: tr.rows, train_seconds: Math.round(seconds * 1000) / 1000 };
  await mkdir(outDir, { recursive: true });
  const modelPath = join(outDir, "model.onnx");
  const metricsPath = join(outDir, "metrics.json");
  await writeFile(modelPath, bytes);
  await writeFile(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`);
  log(
    `held-out: ${(["accuracy", "f1", "roc_auc"] as const).map((k) => `${k} ${metrics[k]?.toFixed(4) ?? "undefined"}`).join(", ")}`,
  );
  log(`wrote ${modelPath} (${bytes.length} bytes) and ${metricsPath}`);
  return { params, metrics, modelPath, metricsPath };
}

function envParams(): Record<string, unknown> {
  const raw = process.env.MLOPS_PARAMS;
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new UserError(`MLOPS_PARAMS: not JSON (got ${shown(raw)}). Pass params as a JSON or YAML map.`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new UserError(`MLOPS_PARAMS: not a map (got ${shown(raw)}). Pass params as a map of names to values.`);
  }
  return v as Record<string, unknown>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string", multiple: true },
      model: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
    },
  });
  const raw: Record<string, unknown> = { ...envParams() };
  if (process.env.MLOPS_SEED && raw.seed === undefined) raw.seed = process.env.MLOPS_SEED;
  for (const k of ["model", "seed"] as const) if (values[k] !== undefined) raw[k] = values[k];
  if (values.data !== undefined) raw.data = values.data.length === 1 ? values.data[0] : values.data;
  const out = values.out ?? process.env.MLOPS_OUTPUT_DIR ?? "out";
  await trainExample(raw, out, (line) => console.log(line));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e: unknown) => {
    console.error(isUserError(e) ? `error: ${(e as Error).message}` : e);
    process.exit(isUserError(e) ? 2 : 1);
  });
}
