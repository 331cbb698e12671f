/**
 * Live performance: the plants' captured predictions joined with the labels that arrive later (a failure is
 * known hours after the prediction), by an id column and a time window, and scored with the same metrics as
 * compare-models, overall and per plant and time window. A window whose metric fell more than `maxDrop` below
 * the baseline (the model's own held-out metrics from its card, or numbers given) is a retraining trigger. The
 * joined rows (features, prediction, label) are written as Parquet, or as CSV for a trainer without a Parquet
 * reader (pandas without pyarrow): data compare-models, validate-data, snapshot-data and a trainer read as they are.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type ColumnBatch, encodeParquet, openDataset, type ParquetColumn } from "../data";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { computeMetricsWithNotes, defaultPrimaryMetric, METRICS, type MetricValues, sliceMetrics } from "../metrics";

export type LiveTask = "binary" | "regression";
export type JoinedFormat = "parquet" | "csv";

export interface LivePerformanceOptions {
  /** Captured predictions (paths, globs, blob URIs). */
  predictions: string;
  /** Label events: the id column, the label and (optionally) the time the label became known. */
  labels: string;
  /** Label column in the label events (and in the joined output). */
  label: string;
  /** Column both sides are joined on. Default "id". */
  idColumn?: string;
  /** Index of a row within its request (a batched request's rows share its id). Default "row", when present. */
  rowColumn?: string;
  /** Prediction score column; default the positive class's probability column (probabilities_1), binary. */
  scoreColumn?: string;
  task?: LiveTask;
  /** Binary: the label value that is the positive class. Default "1". */
  positiveLabel?: string;
  /** Time of each prediction (default "time") and of each label event (default "time", when present). */
  timeColumn?: string;
  labelTimeColumn?: string;
  /** A label counts when it arrives within this many milliseconds after the prediction. Default 7 days. */
  maxDelayMs?: number;
  /** Width of the time windows metrics are computed over. Default 1 day. */
  windowMs?: number;
  /** Column the windows are split by (default "plant", when present). */
  groupBy?: string;
  /** What the live metrics are held against: e.g. the model's held-out metrics. */
  baseline?: Record<string, number>;
  /** Largest tolerated worsening per metric (absolute). Default {<primary>: 0.05}. */
  maxDrop?: Record<string, number>;
  /** Metric the report leads with. Default roc_auc (binary), rmse (regression). */
  primaryMetric?: string;
  /** Windows with fewer labelled rows are reported but not judged. Default 50. */
  minRows?: number;
  /** Where the joined rows are written. */
  output?: string;
  /** How they are written: Parquet (default), or CSV (RFC 4180, times as ISO 8601, what pandas' read_csv reads). */
  outputFormat?: JoinedFormat;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface WindowPerformance {
  /** The group's value (plant), "" without a group column. */
  group: string;
  /** Start of the window, ISO 8601. */
  window: string;
  rows: number;
  metrics: MetricValues;
  /** Per metric in maxDrop: how much worse than the baseline (positive = worse). */
  drops: Record<string, number>;
  judged: boolean;
  degraded: boolean;
}

export interface LivePerformanceResult {
  task: LiveTask;
  primaryMetric: string;
  /** Predictions read, rows with a label in time, and those without a label (yet). */
  predictions: number;
  labelled: number;
  unlabelled: number;
  /** Labels that arrived outside the window, or before their prediction. */
  late: number;
  overall: MetricValues;
  windows: WindowPerformance[];
  /** True when a judged window dropped beyond maxDrop: the retraining trigger. */
  degraded: boolean;
  baseline?: Record<string, number>;
  maxDrop: Record<string, number>;
  output?: string;
}

const DAY = 86_400_000;

/** "90s", "15m", "6h", "7d", "2w" → milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!m)
    throw new UserError(`${what}: not a duration (got ${shown(text)}). Write a number and a unit: 30m, 6h, 7d or 2w.`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY }[m[2] as "s"]!;
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new UserError(`${what}: must be longer than zero (got ${shown(text)}). Write e.g. 1d.`);
  return ms;
}

function timeOf(v: number | string, where: () => string): number {
  if (typeof v === "number") {
    if (Number.isNaN(v)) throw new UserError(`${where()}: time is missing (got NaN). Every row needs its time.`);
    return v;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new UserError(
      `${where()}: not a time (got ${shown(v)}). Write times as ISO 8601, e.g. 2024-05-01T08:00:00Z, or as Parquet timestamps.`,
    );
  return t;
}

const keyOf = (id: string, row: number | undefined) => (row === undefined ? id : `${id}\u0000${row}`);

interface LabelEvent {
  y: number;
  at: number | undefined;
}

async function readLabels(o: LivePerformanceOptions, labelTime: string | undefined, rowColumn: string | undefined) {
  const ds = await openDataset(o.labels, { input: "labels", ...(o.env ? { env: o.env } : {}) });
  const id = o.idColumn ?? "id";
  for (const [c, what] of [
    [id, "id-column"],
    [o.label, "label"],
  ] as const) {
    if (!ds.columns.includes(c)) {
      throw new UserError(
        `${what}: column "${c}" not found in the labels (columns: ${ds.columns.join(", ")}). Set ${what}: to one of them.`,
      );
    }
  }
  const useRow = rowColumn !== undefined && ds.columns.includes(rowColumn);
  const useTime = labelTime !== undefined && ds.columns.includes(labelTime);
  if (o.labelTimeColumn && !useTime) {
    throw new UserError(
      `label-time-column: column "${o.labelTimeColumn}" not found in the labels (columns: ${ds.columns.join(", ")}). Set it to one of them, or leave it empty.`,
    );
  }
  const positive = o.positiveLabel ?? "1";
  const binary = (o.task ?? "binary") === "binary";
  const events = new Map<string, LabelEvent>();
  const columns = [id, o.label, ...(useRow ? [rowColumn!] : []), ...(useTime ? [labelTime!] : [])];
  for await (const b of ds.batches({ columns, types: { [id]: "string", [o.label]: binary ? "string" : "number" } })) {
    const ids = b.columns[id] as string[];
    const ys = b.columns[o.label]!;
    for (let i = 0; i < b.rows; i++) {
      const where = () => `labels: ${b.file} row ${b.firstRow + i}`;
      const raw = ys[i]!;
      let y: number;
      if (binary) {
        const s = String(raw).trim();
        if (s === "") continue; // no label yet
        y = s === positive || Number(s) === Number(positive) ? 1 : 0;
      } else {
        y = raw as number;
        if (Number.isNaN(y)) continue;
      }
      const at = useTime ? timeOf((b.columns[labelTime!] as (number | string)[])[i]!, where) : undefined;
      const key = keyOf(ids[i]!, useRow ? (b.columns[rowColumn!] as Float64Array)[i]! : undefined);
      const seen = events.get(key);
      // A later event for the same id corrects the earlier one.
      if (!seen || (at !== undefined && seen.at !== undefined && at >= seen.at)) events.set(key, { y, at });
    }
  }
  return { events, useRow };
}

function scoreColumnOf(columns: string[], o: LivePerformanceOptions): string {
  if (o.scoreColumn) {
    if (!columns.includes(o.scoreColumn)) {
      throw new UserError(
        `score-column: column "${o.scoreColumn}" not found in the predictions (columns: ${columns.join(", ")}). Set it to the model output column to score.`,
      );
    }
    return o.scoreColumn;
  }
  const wanted = `probabilities_${o.positiveLabel ?? "1"}`;
  if ((o.task ?? "binary") === "binary" && columns.includes(wanted)) return wanted;
  throw new UserError(
    `score-column: not given, and the predictions have no "${wanted}" column (columns: ${columns.join(", ")}). Set score-column: to the output column holding the ${(o.task ?? "binary") === "binary" ? "positive class's probability" : "prediction"}.`,
  );
}

export async function livePerformance(o: LivePerformanceOptions): Promise<LivePerformanceResult> {
  const logger = o.logger ?? silentLogger;
  const task: LiveTask = o.task ?? "binary";
  const primary = o.primaryMetric ?? defaultPrimaryMetric(task);
  const known = (m: string, what: string) => {
    if (!METRICS[m]?.tasks.includes(task)) {
      throw new UserError(
        `${what}: "${m}" is not a ${task} metric (got ${shown(m)}). Use one of: ${Object.keys(METRICS)
          .filter((k) => METRICS[k]!.tasks.includes(task))
          .join(", ")}.`,
      );
    }
  };
  known(primary, "primary-metric");
  const maxDrop = o.maxDrop && Object.keys(o.maxDrop).length > 0 ? o.maxDrop : { [primary]: 0.05 };
  for (const m of Object.keys(maxDrop)) known(m, "max-drop");
  // The baseline may hold more than this task's metrics (a model card's metrics.json): keep the task's.
  const baseline = o.baseline
    ? Object.fromEntries(Object.entries(o.baseline).filter(([m]) => METRICS[m]?.tasks.includes(task)))
    : undefined;
  const idColumn = o.idColumn ?? "id";
  const timeColumn = o.timeColumn ?? "time";
  const maxDelay = o.maxDelayMs ?? 7 * DAY;
  const windowMs = o.windowMs ?? DAY;
  const minRows = o.minRows ?? 50;

  const preds = await openDataset(o.predictions, { input: "predictions", ...(o.env ? { env: o.env } : {}) });
  for (const [c, what] of [
    [idColumn, "id-column"],
    [timeColumn, "time-column"],
  ] as const) {
    if (!preds.columns.includes(c)) {
      throw new UserError(
        `${what}: column "${c}" not found in the predictions (columns: ${preds.columns.join(", ")}). Set ${what}: to one of them.`,
      );
    }
  }
  if (preds.columns.includes(o.label)) {
    throw new UserError(
      `label: "${o.label}" is already a column of the predictions (columns: ${preds.columns.join(", ")}). Name the label events' column differently, or set label: to it.`,
    );
  }
  const score = scoreColumnOf(preds.columns, o);
  const rowColumn = o.rowColumn ?? (preds.columns.includes("row") ? "row" : undefined);
  const groupBy = o.groupBy ?? (preds.columns.includes("plant") ? "plant" : undefined);
  if (groupBy && !preds.columns.includes(groupBy)) {
    throw new UserError(
      `group-by: column "${groupBy}" not found in the predictions (columns: ${preds.columns.join(", ")}). Set it to one of them, or leave it empty.`,
    );
  }
  const labelTime = o.labelTimeColumn ?? "time";
  const { events, useRow } = await readLabels(o, labelTime, rowColumn);

  // The joined table: every prediction column, then the label (and when it was known).
  const types = { ...preds.types, [idColumn]: "string" as const };
  const cols = preds.columns;
  const joined: Record<string, (number | string)[]> = Object.fromEntries(cols.map((c) => [c, []]));
  const yTrue: number[] = [];
  const labelAt: number[] = [];
  const slot = new Map<string, number>();
  let predictions = 0;
  let late = 0;
  for await (const b of preds.batches({ types }) as AsyncGenerator<ColumnBatch>) {
    const ids = b.columns[idColumn] as string[];
    const times = b.columns[timeColumn] as ArrayLike<number | string>;
    for (let i = 0; i < b.rows; i++) {
      predictions++;
      const row = rowColumn ? (b.columns[rowColumn] as Float64Array)[i]! : 0;
      // Without a row column on the labels, a batched request's rows cannot be told apart: its first row stands for it.
      if (!useRow && row !== 0) continue;
      const key = keyOf(ids[i]!, useRow ? row : undefined);
      const event = events.get(key);
      if (!event) continue;
      const at = timeOf(times[i]!, () => `predictions: ${b.file} row ${b.firstRow + i}`);
      if (event.at !== undefined && (event.at < at || event.at - at > maxDelay)) {
        late++;
        continue;
      }
      let k = slot.get(key);
      if (k !== undefined && (joined[timeColumn]![k] as number) >= at) continue; // the latest prediction before the label wins
      if (k === undefined) {
        k = yTrue.length;
        slot.set(key, k);
      }
      for (const c of cols) joined[c]![k] = c === timeColumn ? at : b.columns[c]![i]!;
      yTrue[k] = event.y;
      labelAt[k] = event.at ?? Number.NaN;
    }
  }
  const labelled = yTrue.length;
  logger.info(
    `live performance: ${predictions} prediction row(s), ${labelled} with a label in time, ${late} labelled too late or early`,
  );
  if (labelled === 0) {
    throw new UserError(
      `labels: no prediction could be joined with a label (got ${predictions} prediction rows, ${events.size} label events, ${late} outside max-delay). Check that both sides share ${idColumn}${useRow ? ` and ${rowColumn}` : ""}, and max-delay.`,
    );
  }
  const scores = Float64Array.from(joined[score]!, (v) => Number(v));
  const y = Float64Array.from(yTrue);
  const p = { task, yTrue: y, scores } as const;
  const overall = computeMetricsWithNotes(p).values;
  const keys = Array.from({ length: labelled }, (_, k) => {
    const at = joined[timeColumn]![k] as number;
    const start = new Date(Math.floor(at / windowMs) * windowMs).toISOString();
    return `${groupBy ? String(joined[groupBy]![k]) : ""}\u0000${start}`;
  });
  const greater = (m: string) => METRICS[m]!.greaterIsBetter;
  const windows: WindowPerformance[] = sliceMetrics(p, keys)
    .map((s) => {
      const [group, window] = s.value.split("\u0000") as [string, string];
      const drops: Record<string, number> = {};
      const judged = s.rows >= minRows && baseline !== undefined;
      let degraded = false;
      for (const [m, tolerance] of Object.entries(maxDrop)) {
        const v = s.metrics[m];
        const base = baseline?.[m];
        if (v === null || v === undefined || base === undefined) continue;
        const drop = greater(m) ? base - v : v - base;
        drops[m] = drop;
        if (judged && drop > tolerance) degraded = true;
      }
      return { group, window, rows: s.rows, metrics: s.metrics, drops, judged, degraded };
    })
    .sort((a, b) => (a.group === b.group ? a.window.localeCompare(b.window) : a.group.localeCompare(b.group)));

  let output: string | undefined;
  if (o.output && o.outputFormat === "csv") {
    await mkdir(dirname(o.output), { recursive: true });
    await writeFile(o.output, joinedCsv(cols, joined, timeColumn, o.label, y, labelAt));
    output = o.output;
  } else if (o.output) {
    const columns: ParquetColumn[] = cols.map((c) =>
      c === timeColumn
        ? {
            name: c,
            type: "timestamp-ms",
            values: BigInt64Array.from(joined[c]!, (v) => BigInt(Math.round(v as number))),
          }
        : types[c] === "number"
          ? { name: c, type: "double", values: Float64Array.from(joined[c]!, (v) => v as number) }
          : { name: c, type: "string", values: joined[c]!.map(String) },
    );
    columns.push({ name: o.label, type: "double", values: y });
    if (labelAt.some((t) => !Number.isNaN(t))) {
      const present = Uint8Array.from(labelAt, (t) => (Number.isNaN(t) ? 0 : 1));
      columns.push({
        name: "label_time",
        type: "timestamp-ms",
        values: BigInt64Array.from(labelAt, (t) => BigInt(Number.isNaN(t) ? 0 : t)),
        present,
      });
    }
    await mkdir(dirname(o.output), { recursive: true });
    await writeFile(
      o.output,
      Buffer.concat(encodeParquet(columns, labelled, { createdBy: "mlops-actions monitor-performance" })),
    );
    output = o.output;
  }
  return {
    task,
    primaryMetric: primary,
    predictions,
    labelled,
    unlabelled: predictions - labelled - late,
    late,
    overall,
    windows,
    degraded: windows.some((w) => w.degraded),
    ...(baseline ? { baseline } : {}),
    maxDrop,
    ...(output ? { output } : {}),
  };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const isoTime = (t: number) => (Number.isNaN(t) ? "" : new Date(t).toISOString());

/** The joined rows as CSV: every prediction column, the label, and label_time when the events had times. */
function joinedCsv(
  cols: string[],
  joined: Record<string, (number | string)[]>,
  timeColumn: string,
  label: string,
  y: Float64Array,
  labelAt: number[],
): string {
  const withLabelTime = labelAt.some((t) => !Number.isNaN(t));
  const header = [...cols, label, ...(withLabelTime ? ["label_time"] : [])];
  const lines = [header.map(csvField).join(",")];
  for (let k = 0; k < y.length; k++) {
    const fields = cols.map((c) => {
      const v = joined[c]![k]!;
      return c === timeColumn ? isoTime(v as number) : csvField(String(v));
    });
    fields.push(String(y[k]));
    if (withLabelTime) fields.push(isoTime(labelAt[k]!));
    lines.push(fields.join(","));
  }
  return `${lines.join("\n")}\n`;
}
