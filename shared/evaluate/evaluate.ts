import type * as ort from "onnxruntime-node";
import {
  type ColumnBatch,
  type ColumnType,
  type DataFormat,
  DEFAULT_BATCH_SIZE,
  type InputPlan,
  openDataset,
  planInputs,
  selectFeatures,
} from "../data";
import { UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { Predictions, Task } from "../metrics";
import { type ModelSession, type ModelSignature, openSession } from "../onnx";
import { buildFeeds, type NanPolicy } from "./feeds";
import { GrowableFloat64 } from "./growable";
import { canonical, LabelMapper } from "./labels";
import { checkTask, chooseOutput, inferTask, type OutputChoice } from "./outputs";
import { ParityCheck, type ParityOptions, type ParityReport } from "./parity";

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
  /** Binary decision threshold passed on in Predictions. */
  threshold?: number;
  /** Column whose value per row is kept for per-slice metrics. */
  sliceBy?: string;
  /** Rows per session.run (default 8192). */
  batchSize?: number;
  /** Missing feature values: "error" (default, UserError naming row and column) or "pass" NaN to the model. */
  nanPolicy?: NanPolicy;
  /** Compare the first model's values with reference predictions (e.g. from the training framework). */
  parity?: ParityOptions;
  logger?: Logger;
  /** Threads per ONNX session (default 1: the main thread parses while the sessions run). */
  intraOpThreads?: number;
}

export interface ModelEvaluation {
  name: string;
  /** What the metrics module consumes. */
  predictions: Predictions;
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
  /** Value of `sliceBy` per row (as text), for sliceMetrics. */
  slices?: { column: string; keys: string[] };
  parity?: ParityReport;
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
  scores: GrowableFloat64;
}

/**
 * Evaluate one or more models (candidate, champion) over the same data in one streaming pass, batch by
 * batch, fetching only the output each model needs. Rows are not kept: per row only yTrue (8 bytes),
 * each model's scores (8 bytes x C, C = 1 for binary/regression) and, with sliceBy, a pointer to an
 * interned string (8 bytes). Two binary models: 24 bytes/row (240 MB for 10M rows), + 8 with slices.
 */
export async function evaluateModels(models: ModelToEvaluate[], opts: EvaluateOptions): Promise<Evaluation> {
  const started = performance.now();
  const logger = opts.logger ?? silentLogger;
  if (models.length === 0) throw new Error("evaluateModels: no model given");
  const ds = await openDataset(opts.data, { ...(opts.format ? { format: opts.format } : {}) });
  const { label } = opts;
  if (!ds.columns.includes(label)) {
    throw new UserError(
      `label: column "${label}" not found in the data (columns: ${ds.columns.join(", ")}). Set label: to one of them.`,
    );
  }
  if (opts.sliceBy && !ds.columns.includes(opts.sliceBy)) {
    throw new UserError(
      `slice-by: column "${opts.sliceBy}" not found in the data (columns: ${ds.columns.join(", ")}). Set slice-by: to one of them.`,
    );
  }
  const threads = opts.intraOpThreads ?? 1;
  const sessions: ModelSession[] = [];
  try {
    for (const m of models) {
      sessions.push(
        await openSession(m.bytes, {
          what: m.name,
          sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" },
        }),
      );
    }
    const states: ModelState[] = models.map((model, k) => {
      const session = sessions[k]!;
      const features = selectFeatures({
        columns: ds.columns,
        label,
        signature: session.signature,
        ...(opts.features ? { features: opts.features } : {}),
      });
      const plan = planInputs({
        model: model.name,
        signature: session.signature,
        features,
        dataTypes: ds.types,
        dataColumns: ds.columns,
        ...(ds.textAt ? { textAt: ds.textAt } : {}),
      });
      const choice = chooseOutput(model.name, session);
      return {
        model,
        session,
        plan,
        choice,
        width: choice.width,
        columnOf: new Int32Array(0),
        flip: false,
        scores: new GrowableFloat64(0),
      };
    });

    // Columns to read: every model's features, the label, the slice column.
    const types: Record<string, ColumnType> = {};
    for (const s of states) Object.assign(types, s.plan.types);
    const requestedTask = opts.task && opts.task !== "auto" ? opts.task : undefined;
    if (requestedTask === "regression") types[label] = "number";
    if (opts.sliceBy && !(opts.sliceBy in types)) types[opts.sliceBy] = "string";
    const columns = [...new Set([...Object.keys(types), label])];

    const capacity = Math.ceil((ds.estimatedRows ?? 0) * 1.02) + 1024;
    const yTrue = new GrowableFloat64(capacity);
    const sliceKeys: string[] = [];
    const intern = new Map<string, string>();
    let mapper: LabelMapper | undefined;
    let task: Task | undefined;
    let classes: string[] | undefined;
    let declaredClasses: string[] | undefined;
    let parity: ParityCheck | undefined;
    let rows = 0;

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
      const C = task === "multiclass" ? (declared?.length ?? states[0]!.width!) : 2;
      mapper = new LabelMapper(task, label, declared, opts.positiveLabel, C);
      if (task === "multiclass") classes = declared ?? Array.from({ length: C }, (_, i) => String(i));
      declaredClasses = declared;
      for (const s of states) {
        alignColumns(s, task, declared, mapper, C);
        s.scores = new GrowableFloat64(capacity * (task === "multiclass" ? C : 1));
      }
      if (opts.parity) parity = await ParityCheck.open(opts.parity, task === "multiclass" ? C : 1);
    };

    const collect = async (batch: ColumnBatch, pending: Promise<Record<string, ort.Tensor>[]>) => {
      const outputs = await pending;
      if (!task) await setup(outputs);
      const n = batch.rows;
      const where = (i: number) => `row ${batch.firstRow + i} of ${batch.file}`;
      // labels
      const y = yTrue.reserve(n);
      const labels = batch.columns[label]!;
      const m = mapper!;
      if (task === "regression" && labels instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
          const v = labels[i]!;
          y[yTrue.length + i] = Number.isNaN(v) ? m.map(v, where, i) : v;
        }
      } else for (let i = 0; i < n; i++) y[yTrue.length + i] = m.map(labels[i]!, where, i);
      yTrue.length += n;
      // scores
      states.forEach((s, k) => {
        const t = outputs[k]![s.choice.fetch]!;
        if (Number(t.dims[0]) !== n) {
          throw new UserError(
            `${s.model.name}: output "${s.choice.output}" has ${t.dims[0]} rows for a batch of ${n} (got dims [${t.dims.join(",")}]). The model must return one row per input row.`,
          );
        }
        extractScores(s, t.data as Float32Array | Float64Array, n, task!);
      });
      if (opts.sliceBy) {
        const col = batch.columns[opts.sliceBy]!;
        for (let i = 0; i < n; i++) {
          const raw = col[i]!;
          const key = typeof raw === "number" ? (Number.isNaN(raw) ? "" : String(raw)) : raw;
          let v = intern.get(key);
          if (v === undefined) {
            v = key;
            intern.set(key, v);
          }
          sliceKeys.push(v);
        }
      }
      if (parity) {
        const s = states[0]!;
        const w = task === "multiclass" ? s.width! : 1;
        await parity.compare(s.scores.view().subarray(rows * w, (rows + n) * w), n, batch.offset);
      }
      rows += n;
      logger.progress({ task: "evaluate", done: rows, unit: "rows" });
    };

    // One pass: run batch k on the sessions' threads while the main thread reads batch k+1.
    let pending: { batch: ColumnBatch; run: Promise<Record<string, ort.Tensor>[]> } | undefined;
    for await (const batch of ds.batches({ columns, types, batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE })) {
      const cache = new Map<string, ort.Tensor>();
      const feeds = states.map((s) => buildFeeds(s.plan.bindings, batch, opts.nanPolicy ?? "error", cache));
      const run = Promise.all(states.map((s, k) => s.session.run(feeds[k]!, [s.choice.fetch])));
      run.catch(() => {}); // surfaced by collect; avoids an unhandled rejection while the next batch is read
      if (pending) await collect(pending.batch, pending.run);
      pending = { batch, run };
    }
    if (pending) await collect(pending.batch, pending.run);
    if (rows === 0 || !task) {
      throw new UserError(`data: no rows to evaluate in ${opts.data} (got 0 rows). Check the file(s).`);
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
    const y = yTrue.view();
    return {
      task: finalTask,
      rows,
      label,
      ...(classes ? { classes } : {}),
      ...(finalTask === "binary" && mapper?.positive !== undefined ? { positiveLabel: mapper.positive } : {}),
      models: states.map((s) => {
        const predictions: Predictions = { task: finalTask, yTrue: y, scores: s.scores.view() };
        if (finalTask === "multiclass") predictions.classes = s.columnOf.length;
        if (finalTask === "binary" && opts.threshold !== undefined) predictions.threshold = opts.threshold;
        return {
          name: s.model.name,
          predictions,
          output: s.choice.output,
          fetched: s.choice.fetch,
          features: s.plan.features,
          signature: s.session.signature,
        };
      }),
      ...(opts.sliceBy ? { slices: { column: opts.sliceBy, keys: sliceKeys } } : {}),
      ...(parityReport ? { parity: parityReport } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(sessions.map((s) => s.release().catch(() => {})));
  }
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

function extractScores(s: ModelState, data: Float32Array | Float64Array, n: number, task: Task): void {
  const w = s.width!;
  if (task === "multiclass") {
    const out = s.scores.reserve(n * w);
    const base = s.scores.length;
    const cols = s.columnOf;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < w; c++) out[base + i * w + c] = data[i * w + cols[c]!]!;
    }
    s.scores.length += n * w;
    return;
  }
  const out = s.scores.reserve(n);
  const base = s.scores.length;
  if (w === 1) {
    if (s.flip) for (let i = 0; i < n; i++) out[base + i] = 1 - data[i]!;
    else for (let i = 0; i < n; i++) out[base + i] = data[i]!;
  } else {
    const pos = s.columnOf[0]!;
    for (let i = 0; i < n; i++) out[base + i] = data[i * w + pos]!;
  }
  s.scores.length += n;
}
