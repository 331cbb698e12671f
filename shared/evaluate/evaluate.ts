import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import type * as ort from "onnxruntime-node";
import {
  batchesInWorker,
  prewarmParseWorker,
  type ColumnBatch,
  type ColumnType,
  type DataFormat,
  type DataSet,
  DEFAULT_BATCH_SIZE,
  type InputPlan,
  openDataset,
  planInputs,
  selectFeatures,
} from "../data";
import { UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import {
  type CurveOptions,
  defaultPrimaryMetric,
  MetricState,
  type Predictions,
  Resampler,
  SpillStore,
  type Task,
} from "../metrics";
import { decodeModel, type ModelSession, type ModelSignature, openSession, signatureOf } from "../onnx";
import {
  buildFeeds,
  checkTask,
  chooseOutput,
  FeedBuffers,
  inferTask,
  type NanPolicy,
  type OutputChoice,
} from "../scoring";
import { EvaluationState, type FinishedEvaluation } from "./evaluation-state";
import { GrowableFloat64 } from "./growable";
import { canonical, LabelMapper } from "./labels";
import { ParityCheck, type ParityOptions, type ParityReport } from "./parity";
import { rowIds, type ShardSpec, shardFiles, shardOfId } from "./row-ids";

export interface ModelToEvaluate {
  /** Used in messages and results, e.g. "candidate", "champion". */
  name: string;
  /** The .onnx file's bytes. */
  bytes: Uint8Array;
}

export interface EvaluateOptions {
  /** Path or glob of CSV/TSV, Parquet or JSON Lines files. */
  data: string;
  format?: DataFormat;
  /** Column with the true label (classification) or target (regression). */
  label: string;
  /** Feature columns in model order; default per model: see selectFeatures. */
  features?: string[];
  /** Default "auto": inferred from the models' outputs. */
  task?: Task | "auto";
  /** Binary: the positive class (default "1", or the model's last class when it has no "1"). */
  positiveLabel?: string;
  /** Binary decision threshold (predict positive when score >= threshold; default 0.5). */
  threshold?: number;
  /** Column whose value per row gives per-slice metrics of every model. */
  sliceBy?: string;
  /** Also finish each model's metrics into its curves (the report's ROC, PR, calibration, regression plots). */
  curves?: CurveOptions;
  /** Rows per session.run (default 8192). */
  batchSize?: number;
  /** Missing feature values: "error" (default, UserError naming row and column) or "pass" NaN to the model. */
  nanPolicy?: NanPolicy;
  /** Compare the first model's values with reference predictions (e.g. from the training framework). */
  parity?: ParityOptions;
  logger?: Logger;
  /** Threads per ONNX session (default 1: parsing has the other core). */
  intraOpThreads?: number;
  /** Bytes of scores kept in memory for the ranking metrics before sorted runs spill to disk (default 1 GiB). */
  memoryBudget?: number;
  /** Where spilled runs go (default the system temporary folder). */
  spillDir?: string;
  /** Paired bootstrap of the first two models on `metric` (default: the task's primary metric). */
  significance?: { metric?: string; samples: number; seed: number };
  /** Evaluate one shard of the data (files round robin, or rows by id). */
  shard?: ShardSpec;
  /** Columns whose values name a row (default: file and row number). */
  idColumns?: string[];
  /** Also return every row's labels and scores (`ModelEvaluation.predictions`); memory then grows with rows. */
  keepPredictions?: boolean;
  /** Parse on a worker thread (default true). */
  parseInWorker?: boolean;
  /** An open data set to read instead of `data` (e.g. rows generated on the fly); parsed in this thread. */
  dataset?: DataSet;
}

export interface ModelEvaluation {
  name: string;
  /** Every row's labels and scores; only with `keepPredictions`. */
  predictions?: Predictions;
  /** The declared output used, and the tensor fetched for it. */
  output: string;
  fetched: string;
  features: string[];
  signature: ModelSignature;
}

export interface Evaluation {
  task: Task;
  rows: number;
  label: string;
  /** Classification: class labels (text) in index order; binary: [negative, positive]. */
  classes?: string[];
  positiveLabel?: string;
  models: ModelEvaluation[];
  /** With sliceBy: the column, and (keepPredictions) each row's value as text. */
  slices?: { column: string; keys?: string[] };
  parity?: ParityReport;
  /** The mergeable state: `finish` it for the metrics, or `write` it as a shard's. */
  state: EvaluationState;
  /** Spilled runs: how many times the scores passed the memory budget, and the bytes written. */
  spill: { runs: number; bytes: number };
  seconds: number;
}

interface ModelState {
  model: ModelToEvaluate;
  session: ModelSession;
  plan: InputPlan;
  choice: OutputChoice;
  width: number | null;
  /** Model column for each class index (multiclass), or the positive column (binary, width 2). */
  columnOf: Int32Array;
  /** Binary single score that is P(class "0") when "0" is the positive label. */
  flip: boolean;
  /** The batch's scores (n, or n×C for multiclass). */
  batch: Float64Array;
  kept?: GrowableFloat64;
}

const DEFAULT_MEMORY_BUDGET = 1 << 30;

/** Evaluate models and finish the metrics (the single-machine path). */
export async function evaluateAndFinish(
  models: ModelToEvaluate[],
  opts: EvaluateOptions,
): Promise<{ evaluation: Evaluation; finished: FinishedEvaluation }> {
  const evaluation = await evaluateModels(models, opts);
  return { evaluation, finished: evaluation.state.finish(opts.logger ?? silentLogger) };
}

/**
 * Evaluate one or more models (candidate, champion) over the same data in one streaming pass: a worker
 * thread parses while this thread runs the sessions and folds each batch into the metric states, which
 * keep counts, exact sums and the ranking scores (4 bytes a float32 score, else 8; spilled to sorted runs past
 * `memoryBudget`). Memory does not grow with rows beyond the budget. Returns the state unfinished.
 */
export async function evaluateModels(models: ModelToEvaluate[], opts: EvaluateOptions): Promise<Evaluation> {
  const started = performance.now();
  const logger = opts.logger ?? silentLogger;
  if (models.length === 0) throw new Error("evaluateModels: no model given");
  if (!opts.dataset && opts.parseInWorker !== false) prewarmParseWorker();
  const ds = opts.dataset ?? (await openDataset(opts.data, { ...(opts.format ? { format: opts.format } : {}) }));
  const { label } = opts;
  const need = (input: string, column: string | undefined) => {
    if (column && !ds.columns.includes(column)) {
      throw new UserError(
        `${input}: column "${column}" not found in the data (columns: ${ds.columns.join(", ")}). Set ${input}: to one of them.`,
      );
    }
  };
  need("label", label);
  need("slice-by", opts.sliceBy);
  for (const c of opts.idColumns ?? []) need("id-columns", c);
  if (opts.shard && opts.parity) {
    throw new UserError(
      `parity-reference: cannot be checked on one shard (got shard ${opts.shard.index}/${opts.shard.count}): the reference rows follow the whole data set. Check parity in an unsharded job.`,
    );
  }
  const shardFileList = opts.shard ? shardFiles(ds.files, opts.shard) : undefined;
  const fileIndex = new Map(ds.files.map((f, j) => [f, j]));
  const threads = opts.intraOpThreads ?? 1;
  const sessions: ModelSession[] = [];
  const store = new SpillStore(opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET, opts.spillDir ?? tmpdir());
  let handedOver = false;
  let reader: AsyncGenerator<ColumnBatch> | undefined;
  try {
    // Columns to read: every model's features, the label, the slice and id columns, planned from the models'
    // signatures; the parse worker gets its job before the sessions are created (ONNX Runtime's start and
    // the graph optimisation take the main thread ~0.1 s, which the worker spends parsing).
    const decoded = models.map((m) => decodeModel(m.bytes, m.name));
    const plans = models.map((model, k) => {
      const signature = signatureOf(decoded[k]!);
      const features = selectFeatures({
        columns: ds.columns,
        label,
        signature,
        ...(opts.features ? { features: opts.features } : {}),
      });
      return planInputs({
        model: model.name,
        signature,
        features,
        dataTypes: ds.types,
        dataColumns: ds.columns,
        ...(ds.textAt ? { textAt: ds.textAt } : {}),
      });
    });
    const types: Record<string, ColumnType> = {};
    for (const p of plans) Object.assign(types, p.types);
    const requestedTask = opts.task && opts.task !== "auto" ? opts.task : undefined;
    if (requestedTask === "regression") types[label] = "number";
    for (const c of [opts.sliceBy, ...(opts.idColumns ?? [])]) if (c && !(c in types)) types[c] = "string";
    const columns = [...new Set([...Object.keys(types), label])];
    const batchOpts = {
      columns,
      types,
      batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
      ...(shardFileList ? { files: shardFileList } : {}),
    };
    reader =
      opts.dataset || opts.parseInWorker === false
        ? ds.batches(batchOpts)
        : batchesInWorker({
            source: opts.data,
            ...(opts.format ? { format: opts.format } : {}),
            ...(ds.head ? { head: ds.head } : {}),
            batch: batchOpts,
            // Nothing below keeps a batch's columns past its turn (labels, scores and ids are copied).
            recycle: true,
          });
    for (const [k, m] of models.entries()) {
      sessions.push(
        await openSession(m.bytes, {
          what: m.name,
          decoded: decoded[k]!,
          skipZipMap: true,
          sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" },
        }),
      );
    }
    // The decoded models (a large tree ensemble's is several times its bytes) are needed no more: the plans
    // above keep only names and types, and the callbacks that read `decoded` would otherwise hold it for
    // the whole evaluation.
    decoded.length = 0;
    const states: ModelState[] = models.map((model, k) => {
      const session = sessions[k]!;
      const choice = chooseOutput(model.name, session);
      return {
        model,
        session,
        plan: plans[k]!,
        choice,
        width: choice.width,
        columnOf: new Int32Array(0),
        flip: false,
        batch: new Float64Array(0),
        ...(opts.keepPredictions ? { kept: new GrowableFloat64() } : {}),
      };
    });

    const keptY = opts.keepPredictions ? new GrowableFloat64() : undefined;
    const sliceKeys: string[] = [];
    const slices = new Map<string, { states: MetricState[]; first: number }>();
    const metricStates: MetricState[] = [];
    let resampler: Resampler | undefined;
    let significanceMetric: string | undefined;
    let mapper: LabelMapper | undefined;
    let task: Task | undefined;
    let classes: string[] | undefined;
    let declaredClasses: string[] | undefined;
    let parity: ParityCheck | undefined;
    let rows = 0;
    let C = 1;
    const withIds = () => Boolean(opts.significance && models.length >= 2);

    const setup = async (outputs: Record<string, ort.Tensor>[]) => {
      // Widths from the first batch where the model did not declare them.
      states.forEach((s, k) => {
        const t = outputs[k]![s.choice.fetch]!;
        const w = t.dims.length === 1 ? 1 : Number(t.dims[1]);
        if (s.width !== null && s.width !== w) {
          throw new UserError(
            `${s.model.name}: output "${s.choice.output}" declares ${s.width} values per row but returns ${w} (got dims [${t.dims.join(",")}]). Re-export the model.`,
          );
        }
        s.width = w;
      });
      const tasks = states.map((s) => requestedTask ?? inferTask(s.choice, s.width!));
      task = tasks[0]!;
      if (tasks.some((t) => t !== task)) {
        throw new UserError(
          `task: the models disagree (got ${states.map((s, k) => `${s.model.name}: ${tasks[k]}`).join(", ")}). ` +
            "Set task: explicitly, or compare models of the same kind.",
        );
      }
      for (const s of states) checkTask(s.model.name, s.choice, s.width!, task);
      // Classes: the first model that declares them fixes the index order; others are aligned to it.
      const declared = states.find((s) => s.choice.classLabels)?.choice.classLabels;
      C = task === "multiclass" ? (declared?.length ?? states[0]!.width!) : 2;
      mapper = new LabelMapper(task, label, declared, opts.positiveLabel, C);
      if (task === "multiclass") classes = declared ?? Array.from({ length: C }, (_, i) => String(i));
      declaredClasses = declared;
      for (const s of states) alignColumns(s, task, declared, mapper, C);
      if (opts.parity) parity = await ParityCheck.open(opts.parity, task === "multiclass" ? C : 1);
      if (withIds()) significanceMetric = opts.significance!.metric ?? defaultPrimaryMetric(task);
      const taskOpts = {
        task,
        ...(task === "multiclass" ? { classes: C } : {}),
        ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      };
      const stateOpts = { ...taskOpts, store };
      if (significanceMetric) {
        resampler = new Resampler({
          metric: significanceMetric,
          ...taskOpts,
          samples: opts.significance!.samples,
          seed: opts.significance!.seed,
          models: states.length,
        });
      }
      const ranking = resampler?.family === "ranking";
      for (let k = 0; k < states.length; k++) {
        metricStates.push(
          new MetricState({ ...stateOpts, withIds: ranking, ...(opts.curves ? { curves: opts.curves } : {}) }),
        );
      }
    };

    let y = new Float64Array(0);
    let ids = new Float64Array(0);
    const needIds = Boolean(opts.significance && models.length >= 2) || opts.shard?.by === "rows";
    const collect = async (
      batch: ColumnBatch,
      outputs: Record<string, ort.Tensor>[],
      batchIds: Float64Array | undefined,
    ) => {
      if (!task) await setup(outputs);
      const n = batch.rows;
      const rowOf = (batch as PickedBatch).rowOf;
      const rowNo = (i: number) => (rowOf ? rowOf[i]! : batch.firstRow + i);
      const where = (i: number) => `row ${rowNo(i)} of ${batch.file}`;
      const fileKey = (fileIndex.get(batch.file) ?? 0) * 4294967296;
      const key = (i: number) => fileKey + rowNo(i);
      if (y.length < n) y = new Float64Array(n);
      const labels = batch.columns[label]!;
      const m = mapper!;
      if (task === "regression" && labels instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
          const v = labels[i]!;
          y[i] = Number.isNaN(v) ? m.map(v, where, i) : v;
        }
      } else {
        // The last two distinct labels seen, mapped: a class label repeats, and a map lookup per row showed.
        let v0: number | string | undefined;
        let v1: number | string | undefined;
        let y0 = 0;
        let y1 = 0;
        for (let i = 0; i < n; i++) {
          const v = labels[i]!;
          if (v === v0) y[i] = y0;
          else if (v === v1) y[i] = y1;
          else {
            const t = m.map(v, where, i);
            y[i] = t;
            v1 = v0;
            y1 = y0;
            v0 = v;
            y0 = t;
          }
        }
      }
      const yb = y.subarray(0, n);
      const scores = states.map((s, k) => {
        const t = outputs[k]![s.choice.fetch]!;
        if (Number(t.dims[0]) !== n) {
          throw new UserError(
            `${s.model.name}: output "${s.choice.output}" has ${t.dims[0]} rows for a batch of ${n} (got dims [${t.dims.join(",")}]). The model must return one row per input row.`,
          );
        }
        return extractScores(s, t.data as Float32Array | Float64Array, n, task!);
      });
      metricStates.forEach((st, k) =>
        st.add({ n, yTrue: yb, scores: scores[k]!, key, where, ...(batchIds ? { ids: batchIds } : {}) }),
      );
      resampler?.addRows(n, yb, scores, batchIds!);
      if (opts.sliceBy) addSlices(batch, opts.sliceBy, yb, scores, task === "multiclass" ? C : 1, key, where);
      if (keptY) {
        keptY.reserve(n).set(yb, keptY.length);
        keptY.length += n;
        states.forEach((s, k) => {
          s.kept!.reserve(scores[k]!.length).set(scores[k]!, s.kept!.length);
          s.kept!.length += scores[k]!.length;
        });
      }
      if (parity) await parity.compare(scores[0]!, n, batch.offset);
      rows += n;
      logger.progress({ task: "evaluate", done: rows, unit: "rows" });
    };

    const addSlices = (
      batch: ColumnBatch,
      column: string,
      yb: Float64Array,
      scores: Float64Array[],
      w: number,
      key: (i: number) => number,
      where: (i: number) => string,
    ) => {
      const col = batch.columns[column]!;
      const groups = new Map<string, number[]>();
      for (let i = 0; i < batch.rows; i++) {
        const raw = col[i]!;
        const k = typeof raw === "number" ? (Number.isNaN(raw) ? "" : String(raw)) : raw;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(i);
        if (keptY) sliceKeys.push(k);
      }
      for (const [value, idx] of groups) {
        let entry = slices.get(value);
        if (!entry) {
          const sliceOpts = {
            task: task!,
            ...(task === "multiclass" ? { classes: C } : {}),
            ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
            store,
          };
          entry = { states: scores.map(() => new MetricState(sliceOpts)), first: key(idx[0]!) };
          slices.set(value, entry);
        }
        const n = idx.length;
        const ys = new Float64Array(n);
        for (let j = 0; j < n; j++) ys[j] = yb[idx[j]!]!;
        scores.forEach((s, m) => {
          const ss = new Float64Array(n * w);
          for (let j = 0; j < n; j++) {
            const i = idx[j]!;
            for (let c = 0; c < w; c++) ss[j * w + c] = s[i * w + c]!;
          }
          entry.states[m]!.add({ n, yTrue: ys, scores: ss, key: (j) => key(idx[j]!), where: (j) => where(idx[j]!) });
        });
      }
    };

    const feedBuffers = new FeedBuffers();
    for await (const raw of reader) {
      let batch = raw;
      let batchIds: Float64Array | undefined;
      if (needIds) {
        if (ids.length < batch.rows) ids = new Float64Array(batch.rows);
        batchIds = rowIds(batch, opts.idColumns, ids).subarray(0, batch.rows);
        if (opts.shard?.by === "rows") {
          const picked = pickRows(batch, batchIds, opts.shard);
          batch = picked.batch;
          batchIds = picked.ids;
          if (batch.rows === 0) continue;
        }
      }
      const cache = new Map<string, ort.Tensor>();
      const feeds = states.map((s) =>
        buildFeeds(s.plan.bindings, batch, opts.nanPolicy ?? "error", cache, feedBuffers),
      );
      const outputs = await Promise.all(states.map((s, k) => s.session.run(feeds[k]!, [s.choice.fetch])));
      await collect(batch, outputs, batchIds);
    }
    if (rows === 0 || !task) {
      const where = opts.shard ? `shard ${opts.shard.index}/${opts.shard.count} of ${opts.data}` : opts.data;
      throw new UserError(`data: no rows to evaluate in ${where} (got 0 rows). Check the file(s).`);
    }
    const parityReport = parity ? await parity.finish(rows) : undefined;
    logger.progress({ task: "evaluate", done: rows, total: rows, unit: "rows", finished: true });

    const finalTask: Task = task;
    if (finalTask === "binary" && mapper) {
      // [negative, positive]: the negative is the model's other class, else the other value seen in the data.
      const positive = mapper.positive!;
      const negative =
        declaredClasses?.find((c) => c !== positive) ??
        mapper.negativeSeen() ??
        (positive === "1" ? "0" : positive === "0" ? "1" : `not ${positive}`);
      classes = [negative, positive];
    }
    const modelInfo = states.map((s) => ({
      name: s.model.name,
      output: s.choice.output,
      fetched: s.choice.fetch,
      features: s.plan.features,
      signature: s.session.signature,
      sha256: createHash("sha256").update(s.model.bytes).digest("hex"),
    }));
    const positiveLabel = finalTask === "binary" && mapper?.positive !== undefined ? mapper.positive : undefined;
    const state = new EvaluationState(
      {
        task: finalTask,
        label,
        ...(classes ? { classes } : {}),
        ...(positiveLabel !== undefined ? { positiveLabel } : {}),
        ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
        models: modelInfo,
        ...(opts.sliceBy ? { sliceColumn: opts.sliceBy } : {}),
        ...(significanceMetric
          ? {
              significance: {
                metric: significanceMetric,
                samples: opts.significance!.samples,
                seed: opts.significance!.seed,
              },
            }
          : {}),
        ...(opts.idColumns?.length ? { idColumns: opts.idColumns } : {}),
        data: opts.data,
        files: ds.files.length,
        ...(opts.shard ? { shard: opts.shard } : {}),
        rows,
      },
      metricStates,
      slices,
      resampler,
      store,
    );
    handedOver = true;
    const yAll = keptY?.view();
    return {
      task: finalTask,
      rows,
      label,
      ...(classes ? { classes } : {}),
      ...(positiveLabel !== undefined ? { positiveLabel } : {}),
      models: states.map((s, k) => {
        const base = {
          name: s.model.name,
          output: modelInfo[k]!.output,
          fetched: modelInfo[k]!.fetched,
          features: s.plan.features,
          signature: s.session.signature,
        };
        if (!yAll) return base;
        const predictions: Predictions = { task: finalTask, yTrue: yAll, scores: s.kept!.view() };
        if (finalTask === "multiclass") predictions.classes = s.columnOf.length;
        if (finalTask === "binary" && opts.threshold !== undefined) predictions.threshold = opts.threshold;
        return { ...base, predictions };
      }),
      ...(opts.sliceBy ? { slices: { column: opts.sliceBy, ...(keptY ? { keys: sliceKeys } : {}) } } : {}),
      ...(parityReport ? { parity: parityReport } : {}),
      state,
      spill: { runs: store.spills, bytes: store.bytesSpilled },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await reader?.return(undefined);
    if (!handedOver) store.dispose();
    await Promise.all(sessions.map((s) => s.release().catch(() => {})));
  }
}

/** A batch whose rows are not consecutive: `rowOf[i]` is row i's 1-based row in its file. */
export interface PickedBatch extends ColumnBatch {
  rowOf?: Int32Array;
}

/** A batch cut down to the rows of one shard (rows by id). */
export function pickRows(
  batch: ColumnBatch,
  ids: Float64Array,
  shard: ShardSpec,
): { batch: ColumnBatch; ids: Float64Array } {
  const keep: number[] = [];
  for (let i = 0; i < batch.rows; i++) if (shardOfId(ids[i]!, shard.count) === shard.index - 1) keep.push(i);
  if (keep.length === batch.rows) return { batch, ids };
  const columns: ColumnBatch["columns"] = {};
  for (const [name, col] of Object.entries(batch.columns)) {
    columns[name] = col instanceof Float64Array ? Float64Array.from(keep, (i) => col[i]!) : keep.map((i) => col[i]!);
  }
  // Rows are no longer consecutive: each keeps its own row number through `rowOf`.
  const rowOf = Int32Array.from(keep, (i) => batch.firstRow + i);
  return {
    batch: { ...batch, rows: keep.length, columns, firstRow: rowOf[0] ?? batch.firstRow, rowOf } as PickedBatch,
    ids: Float64Array.from(keep, (i) => ids[i]!),
  };
}

/** Decide which output column feeds which class, aligning every model to the shared class order. */
function alignColumns(s: ModelState, task: Task, declared: string[] | undefined, mapper: LabelMapper, C: number): void {
  const own = s.choice.classLabels;
  if (task === "regression") return;
  if (task === "binary") {
    if (s.width === 1) {
      // A single score is P(positive) unless the model says otherwise.
      s.flip = !own && mapper.positive === "0";
      if (own && own.length === 2 && own[0] === mapper.positive) s.flip = true;
      return;
    }
    const pos = own ? own.indexOf(mapper.positive!) : mapper.positive === "0" ? 0 : 1;
    if (pos < 0) {
      throw new UserError(
        `positive-label: ${s.model.name} has no class ${JSON.stringify(mapper.positive)} (classes: ${own!.join(", ")}). Compare models trained on the same classes.`,
      );
    }
    s.columnOf = Int32Array.of(pos);
    return;
  }
  if (s.width !== C) {
    throw new UserError(
      `${s.model.name}: outputs ${s.width} class probabilities but the evaluation has ${C} classes (got ${s.width}). Compare models trained on the same classes.`,
    );
  }
  if (!own || !declared) {
    s.columnOf = Int32Array.from({ length: C }, (_, i) => i);
    return;
  }
  s.columnOf = Int32Array.from(declared, (c) => {
    const j = own.map(canonical).indexOf(canonical(c));
    if (j < 0) {
      throw new UserError(
        `${s.model.name}: has no class ${JSON.stringify(c)} (its classes: ${own.join(", ")}; first model's: ${declared.join(", ")}). Compare models trained on the same classes.`,
      );
    }
    return j;
  });
}

/** The batch's scores of one model, aligned to the evaluation's classes (binary: P(positive)). */
function extractScores(s: ModelState, data: Float32Array | Float64Array, n: number, task: Task): Float64Array {
  const w = s.width!;
  const size = task === "multiclass" ? n * w : n;
  if (s.batch.length < size) s.batch = new Float64Array(size);
  const out = s.batch.subarray(0, size);
  if (task === "multiclass") {
    const cols = s.columnOf;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < w; c++) out[i * w + c] = data[i * w + cols[c]!]!;
    }
    return out;
  }
  if (w === 1) {
    if (s.flip) for (let i = 0; i < n; i++) out[i] = 1 - data[i]!;
    else for (let i = 0; i < n; i++) out[i] = data[i]!;
  } else {
    const pos = s.columnOf[0]!;
    for (let i = 0; i < n; i++) out[i] = data[i * w + pos]!;
  }
  return out;
}
