/**
 * Batch scoring (the job of an Azure ML batch endpoint, as a workflow step): run a model over a data set
 * with the readers and the streaming pipeline of compare-models (a worker thread parses while this thread
 * runs the session), and write one prediction per row beside the id columns the user names, to CSV or
 * Parquet. Memory stays bounded: a batch is written before the next is scored. Shardable like
 * compare-models (files round robin, or rows by id).
 */
import { readFile } from "node:fs/promises";
import type * as ort from "onnxruntime-node";
import {
  batchesInWorker,
  type ColumnType,
  DEFAULT_BATCH_SIZE,
  openDataset,
  planInputs,
  prewarmParseWorker,
  selectFeatures,
} from "../data";
import { UserError } from "../errors";
import { LabelMapper, pickRows, rowIds, type ShardSpec, shardFiles } from "../evaluate";
import { type Logger, silentLogger } from "../log";
import type { Task } from "../metrics";
import { resolveModel } from "../models";
import { decodeModel, type ModelSession, openSession, signatureOf } from "../onnx";
import { buildFeeds, checkTask, chooseOutput, FeedBuffers, inferTask } from "../scoring";
import { openPredictionsWriter, type OutputColumn, type PredictionsWriter } from "./predictions-writer";

export interface ScoreOptions {
  /** Path to an .onnx file or a registry reference (name@champion). */
  model: string;
  registry?: string;
  data: string;
  /** Feature columns in model order (default: as compare-models, from the model). */
  features?: string[];
  /** Columns copied to the output beside each prediction, e.g. the row's key. */
  idColumns?: string[];
  /** .csv or .parquet. */
  output: string;
  task?: Task | "auto";
  /** Binary: the cut-off for the `prediction` column (default 0.5). */
  threshold?: number;
  positiveLabel?: string;
  batchSize?: number;
  shard?: ShardSpec;
  cwd?: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface ScoreResult {
  rows: number;
  output: string;
  task: Task;
  columns: string[];
  model: { label: string; name?: string; version?: number; uri?: string };
  seconds: number;
}

export async function runScore(opts: ScoreOptions): Promise<ScoreResult> {
  const started = performance.now();
  const logger = opts.logger ?? silentLogger;
  prewarmParseWorker();
  const model = (await resolveModel(opts.model, {
    registry: opts.registry,
    cwd: opts.cwd,
    env: opts.env,
    logger,
    what: "model",
  }))!;
  const ds = await openDataset(opts.data);
  const idColumns = opts.idColumns ?? [];
  for (const c of idColumns) {
    if (!ds.columns.includes(c)) {
      throw new UserError(
        `id-columns: column "${c}" not found in the data (columns: ${ds.columns.join(", ")}). Set id-columns: to columns of the data.`,
      );
    }
  }
  // The data's columns are planned from the model's signature, so the parse worker starts before the session
  // is created (ONNX Runtime's start takes the main thread ~0.1 s, which the worker spends parsing).
  const bytes = await readFile(model.path);
  const decoded = decodeModel(bytes, "model");
  const signature = signatureOf(decoded);
  const features = selectFeatures({
    columns: ds.columns,
    label: "",
    signature,
    ...(opts.features?.length ? { features: opts.features } : {}),
  });
  const plan = planInputs({
    model: "model",
    signature,
    features,
    dataTypes: ds.types,
    dataColumns: ds.columns,
  });
  const types: Record<string, ColumnType> = { ...plan.types };
  for (const c of idColumns) if (!(c in types)) types[c] = ds.types[c] ?? "string";
  const files = opts.shard ? shardFiles(ds.files, opts.shard) : undefined;
  const batchOpts = {
    columns: [...new Set([...Object.keys(types), ...idColumns])],
    types,
    batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(files ? { files } : {}),
  };
  let writer: PredictionsWriter | undefined;
  let session: ModelSession | undefined;
  // Not `recycle`: the predictions writer holds the id columns it is given across batches (until its row group is written).
  const reader = batchesInWorker({ source: opts.data, ...(ds.head ? { head: ds.head } : {}), batch: batchOpts });
  let ok = false;
  try {
    session = await openSession(bytes, {
      what: "model",
      decoded,
      skipZipMap: true,
      sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" },
    });
    const choice = chooseOutput("model", session);
    let task: Task | undefined;
    let classes: string[] = [];
    let positive = 1;
    let flip = false;
    let width = 1;
    let rows = 0;
    let ids = new Float64Array(0);
    const feedBuffers = new FeedBuffers();
    for await (const raw of reader) {
      let batch = raw;
      if (opts.shard?.by === "rows") {
        if (ids.length < batch.rows) ids = new Float64Array(batch.rows);
        batch = pickRows(batch, rowIds(batch, idColumns, ids).subarray(0, batch.rows), opts.shard).batch;
        if (batch.rows === 0) continue;
      }
      const feeds = buildFeeds(plan.bindings, batch, "error", new Map(), feedBuffers);
      const out = (await session.run(feeds, [choice.fetch]))[choice.fetch] as ort.Tensor;
      const n = batch.rows;
      if (!task) {
        width = out.dims.length === 1 ? 1 : Number(out.dims[1]);
        task = opts.task && opts.task !== "auto" ? opts.task : inferTask(choice, width);
        checkTask("model", choice, width, task);
        const declared = choice.classLabels;
        if (task === "multiclass") classes = declared ?? Array.from({ length: width }, (_, i) => String(i));
        if (task === "binary") {
          const mapper = new LabelMapper("binary", "prediction", declared, opts.positiveLabel, 2);
          const pos = mapper.positive!;
          classes = [declared?.find((c) => c !== pos) ?? (pos === "1" ? "0" : `not ${pos}`), pos];
          positive = width === 2 ? (declared ? declared.indexOf(pos) : pos === "0" ? 0 : 1) : 1;
          // A single score is P(the model's second class, or "1"): flipped when the positive class is the other.
          flip = width === 1 && (declared ? declared.length === 2 && declared[0] === pos : pos === "0");
        }
        writer = await openPredictionsWriter(opts.output, outputColumns(task, classes, idColumns, ds.types));
      }
      const cols: (Float64Array | string[])[] = idColumns.map((c) => {
        const v = batch.columns[c]!;
        return v instanceof Float64Array ? v : (v as string[]);
      });
      cols.push(
        ...predictionColumns(task, out.data as Float32Array, n, width, positive, flip, classes, opts.threshold ?? 0.5),
      );
      await writer!.write(cols, n);
      rows += n;
      logger.progress({ task: "score", done: rows, unit: "rows" });
    }
    if (!writer || !task) {
      throw new UserError(
        `data: no rows to score in ${opts.data}${opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count})` : ""} (got 0 rows). Check the file(s).`,
      );
    }
    await writer.finish();
    ok = true;
    logger.progress({ task: "score", done: rows, total: rows, unit: "rows", finished: true });
    return {
      rows,
      output: opts.output,
      task,
      columns: outputColumns(task, classes, idColumns, ds.types).map((c) => c.name),
      model: {
        label: model.label,
        ...(model.name ? { name: model.name } : {}),
        ...(model.version !== undefined ? { version: model.version } : {}),
        ...(model.uri ? { uri: model.uri } : {}),
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await reader.return(undefined);
    if (!ok) await writer?.abort();
    await session?.release().catch(() => {});
  }
}

function outputColumns(
  task: Task,
  classes: string[],
  idColumns: string[],
  types: Record<string, ColumnType>,
): OutputColumn[] {
  const ids = idColumns.map((name) => ({
    name,
    kind: types[name] === "number" ? ("number" as const) : ("string" as const),
  }));
  if (task === "regression") return [...ids, { name: "prediction", kind: "number" }];
  if (task === "binary") return [...ids, { name: "score", kind: "number" }, { name: "prediction", kind: "string" }];
  return [
    ...ids,
    { name: "prediction", kind: "string" },
    ...classes.map((c) => ({ name: `score_${c}`, kind: "number" as const })),
  ];
}

/** binary: P(positive) and the class at the threshold; multiclass: the arg-max class and every probability. */
function predictionColumns(
  task: Task,
  data: Float32Array | Float64Array,
  n: number,
  width: number,
  positive: number,
  flip: boolean,
  classes: string[],
  threshold: number,
): (Float64Array | string[])[] {
  if (task === "regression") return [Float64Array.from(data.subarray(0, n))];
  if (task === "binary") {
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) score[i] = width === 1 ? (flip ? 1 - data[i]! : data[i]!) : data[i * width + positive]!;
    const label = Array.from(score, (s) => classes[s >= threshold ? 1 : 0]!);
    return [score, label];
  }
  const label = new Array<string>(n);
  const perClass = classes.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < width; c++) {
      const v = data[i * width + c]!;
      perClass[c]![i] = v;
      if (v > data[i * width + best]!) best = c;
    }
    label[i] = classes[best]!;
  }
  return [label, ...perClass];
}
