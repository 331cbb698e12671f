/**
 * What an evaluation keeps while rows stream by, in a form that finishes into metrics, or is written as a
 * shard's state and merged with the other shards' (compare-models `shard` / `merge`): per model a
 * MetricState (counts, exact sums, sorted runs of scores), per slice one per model, and the
 * significance bootstrap's resamples. Merging shards gives the same doubles as one machine (see
 * metrics/metric-state.ts), so a merged evaluation decides exactly as an unsharded one.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import {
  MetricState,
  type MetricStateJSON,
  type MetricsWithNotes,
  Resampler,
  type ResamplerJSON,
  RunFiles,
  type RunSegment,
  type SliceMetrics,
  SortedStream,
  SpillStore,
  type Task,
} from "../metrics";
import type { ModelSignature } from "../onnx";
import type { ShardSpec } from "./row-ids";

export interface ModelInfo {
  name: string;
  /** The declared output used, and the tensor fetched for it. */
  output: string;
  fetched: string;
  features: string[];
  signature: ModelSignature;
  /** sha256 of the .onnx bytes: shards must have evaluated the same models. */
  sha256: string;
}

export interface EvaluationMeta {
  task: Task;
  label: string;
  /** Classification: class labels (text) in index order; binary: [negative, positive]. */
  classes?: string[];
  positiveLabel?: string;
  threshold?: number;
  models: ModelInfo[];
  sliceColumn?: string;
  significance?: { metric: string; samples: number; seed: number };
  idColumns?: string[];
  /** The data path or glob, and how many files it matched. */
  data: string;
  files: number;
  shard?: ShardSpec;
  rows: number;
}

export interface FinishedModel {
  metrics: MetricsWithNotes;
  /** Classification: rows = true class, columns = predicted. */
  confusion?: number[][];
}

export interface FinishedEvaluation {
  models: FinishedModel[];
  /** Per model, the metrics of each slice, in order of first appearance in the data. */
  slices?: SliceMetrics[][];
  /** The primary metric in each bootstrap resample, per model (NaN: undefined). */
  resamples?: Float64Array[];
}

export class EvaluationState {
  constructor(
    public meta: EvaluationMeta,
    readonly states: MetricState[],
    /** Every model's state per slice value, with the order key of the slice's first row. */
    readonly slices: Map<string, { states: MetricState[]; first: number }>,
    readonly resampler: Resampler | undefined,
    readonly store: SpillStore,
  ) {}

  /** Metrics of every model, slices, resamples. Reads the sorted runs; the state is spent afterwards. */
  finish(logger: Logger): FinishedEvaluation {
    try {
      const resamples = this.resampler?.finish(this.states);
      const models = this.states.map((st) => ({
        metrics: st.finish(logger),
        ...(st.task !== "regression" ? { confusion: st.confusionMatrix() } : {}),
      }));
      const ordered = [...this.slices].sort((a, b) => a[1].first - b[1].first);
      const slices = this.meta.sliceColumn
        ? this.states.map((_, m) =>
            ordered.map(([value, s]) => {
              const st = s.states[m]!;
              const { values, notes } = st.finish();
              return { value, rows: st.rows, metrics: values, notes };
            }),
          )
        : undefined;
      return { models, ...(slices ? { slices } : {}), ...(resamples ? { resamples } : {}) };
    } finally {
      this.store.dispose();
    }
  }

  /** Write the state to `dir` (state.json and runs.bin: each list as one sorted run). */
  async write(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const runsPath = join(dir, "runs.bin");
    const out = createWriteStream(runsPath);
    let offset = 0;
    const files = new RunFiles();
    const writeState = async (st: MetricState): Promise<MetricStateJSON> => {
      const j = st.toJSON();
      for (const [kind, lists] of [
        ["pos", st.pos],
        ["neg", st.neg],
        ["pairs", st.pairs ? [st.pairs] : []],
      ] as const) {
        const written: RunSegment[][] = [];
        for (const list of lists) {
          const w = list.width;
          const stream = new SortedStream(list.sources(files), w);
          const chunk = new Float64Array(1 << 16);
          let at = 0;
          let count = 0;
          const start = offset;
          while (stream.head !== Number.POSITIVE_INFINITY) {
            chunk[at++] = stream.head;
            if (w === 2) chunk[at++] = stream.id;
            count++;
            stream.next();
            if (at + w > chunk.length) {
              await writeChunk(out, chunk.subarray(0, at));
              offset += at * 8;
              at = 0;
            }
          }
          if (at > 0) {
            await writeChunk(out, chunk.subarray(0, at));
            offset += at * 8;
          }
          written.push(count === 0 ? [] : [{ path: "runs.bin", offset: start, count }]);
        }
        if (kind === "pairs") {
          if (st.pairs) j.pairs = written[0]!;
        } else j[kind] = written;
      }
      return j;
    };
    try {
      const models = [];
      for (const st of this.states) models.push(await writeState(st));
      const slices = [];
      for (const [value, s] of this.slices) {
        const states = [];
        for (const st of s.states) states.push(await writeState(st));
        slices.push({ value, first: s.first, states });
      }
      await new Promise<void>((r, f) => out.end((e?: Error | null) => (e ? f(e) : r())));
      const json: StateFile = {
        format: STATE_FORMAT,
        meta: this.meta,
        models,
        slices,
        ...(this.resampler ? { resampler: this.resampler.toJSON() } : {}),
      };
      await writeFile(join(dir, "state.json"), `${JSON.stringify(json)}\n`);
    } finally {
      files.close();
      out.destroy();
      this.store.dispose();
    }
  }

  /**
   * Read and merge the states written by every shard (one folder each). The shards must be 1..n of the
   * same n, each once, and must have evaluated the same models on the same data with the same settings;
   * anything else -> UserError naming what differs.
   */
  static async read(dirs: string[]): Promise<EvaluationState> {
    const files: { dir: string; state: StateFile }[] = [];
    for (const dir of dirs) {
      let text: string;
      try {
        text = await readFile(join(dir, "state.json"), "utf8");
      } catch {
        throw new UserError(
          `merge: no evaluation state in ${shown(dir)} (state.json is missing). Point merge at the folders the shard jobs wrote, or download their artifacts first.`,
        );
      }
      const state = JSON.parse(text) as StateFile;
      if (state.format !== STATE_FORMAT) {
        throw new UserError(
          `merge: ${shown(dir)} holds a state of another format (got ${shown(state.format)}, expected ${STATE_FORMAT}). Run every shard and the merge with the same version of the action.`,
        );
      }
      files.push({ dir, state });
    }
    if (files.length === 0) {
      throw new UserError(
        "merge: no shard states found (got 0). Run the shard jobs first and make the merge job need them.",
      );
    }
    checkShards(files.map((f) => ({ dir: f.dir, meta: f.state.meta })));
    files.sort((a, b) => a.state.meta.shard!.index - b.state.meta.shard!.index);
    const store = new SpillStore();
    const withPaths = (j: MetricStateJSON, dir: string): MetricStateJSON => {
      const fix = (runs: RunSegment[][]) => runs.map((rs) => rs.map((r) => ({ ...r, path: resolve(dir, r.path) })));
      return { ...j, pos: fix(j.pos), neg: fix(j.neg), ...(j.pairs ? { pairs: fix([j.pairs])[0]! } : {}) };
    };
    const first = files[0]!;
    const states = first.state.models.map((m) => MetricState.fromJSON(withPaths(m, first.dir), store));
    const slices = new Map<string, { states: MetricState[]; first: number }>();
    let resampler = first.state.resampler ? Resampler.fromJSON(first.state.resampler) : undefined;
    let rows = 0;
    for (const [k, f] of files.entries()) {
      rows += f.state.meta.rows;
      if (k > 0) {
        f.state.models.forEach((m, i) => states[i]!.merge(MetricState.fromJSON(withPaths(m, f.dir), store)));
        if (resampler && f.state.resampler) resampler.merge(Resampler.fromJSON(f.state.resampler));
      }
      for (const s of f.state.slices) {
        const sts = s.states.map((j) => MetricState.fromJSON(withPaths(j, f.dir), store));
        const have = slices.get(s.value);
        if (have) {
          have.states.forEach((st, m) => st.merge(sts[m]!));
          have.first = Math.min(have.first, s.first);
        } else slices.set(s.value, { states: sts, first: s.first });
      }
    }
    if (!resampler) resampler = undefined;
    const meta: EvaluationMeta = { ...first.state.meta, rows };
    delete meta.shard;
    return new EvaluationState(meta, states, slices, resampler, store);
  }
}

const STATE_FORMAT = "mlops-evaluation-state/2";

interface StateFile {
  format: string;
  meta: EvaluationMeta;
  models: MetricStateJSON[];
  /** Per slice value, one state per model. */
  slices: { value: string; first: number; states: MetricStateJSON[] }[];
  resampler?: ResamplerJSON;
}

function writeChunk(out: NodeJS.WritableStream, a: Float64Array): Promise<void> {
  const buf = Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  return new Promise((r) => (out.write(buf) ? r() : out.once("drain", () => r())));
}

/** The settings every shard must share, as text for messages. */
function settings(meta: EvaluationMeta): Record<string, string> {
  return {
    data: meta.data,
    "files matched": String(meta.files),
    label: meta.label,
    task: meta.task,
    classes: JSON.stringify(meta.classes ?? null),
    "positive-label": String(meta.positiveLabel ?? ""),
    threshold: String(meta.threshold ?? ""),
    models: meta.models.map((m) => `${m.name} ${m.sha256.slice(0, 12)} (${m.output})`).join(", "),
    "slice-by": meta.sliceColumn ?? "",
    significance: JSON.stringify(meta.significance ?? null),
    "id-columns": (meta.idColumns ?? []).join(","),
    "shard-by": meta.shard?.by ?? "",
  };
}

function checkShards(shards: { dir: string; meta: EvaluationMeta }[]): void {
  const unsharded = shards.find((s) => !s.meta.shard);
  if (unsharded) {
    throw new UserError(
      `merge: ${shown(unsharded.dir)} holds an unsharded evaluation (got no shard number). Merge only the states written with shard: <i>/<n>.`,
    );
  }
  const count = shards[0]!.meta.shard!.count;
  const ref = settings(shards[0]!.meta);
  for (const s of shards) {
    if (s.meta.shard!.count !== count) {
      throw new UserError(
        `merge: the shards were split differently (got ${s.meta.shard!.index}/${s.meta.shard!.count} in ${shown(s.dir)} beside ${shards[0]!.meta.shard!.index}/${count}). Run every shard with the same count.`,
      );
    }
    const mine = settings(s.meta);
    for (const [k, v] of Object.entries(ref)) {
      if (mine[k] !== v) {
        throw new UserError(
          `merge: shard ${s.meta.shard!.index}/${count} evaluated with another ${k} (got ${shown(mine[k])}, shard ${shards[0]!.meta.shard!.index} has ${shown(v)}). Run every shard with the same inputs.`,
        );
      }
    }
  }
  const seen = new Map<number, string>();
  for (const s of shards) {
    const i = s.meta.shard!.index;
    if (seen.has(i)) {
      throw new UserError(
        `merge: shard ${i}/${count} appears twice (got ${shown(seen.get(i))} and ${shown(s.dir)}). Keep one state per shard (a re-run job uploads under the same name).`,
      );
    }
    seen.set(i, s.dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new UserError(
      `merge: shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${count} missing (got ${[...seen.keys()].sort((a, b) => a - b).join(", ")}). Every shard job must succeed before the merge; re-run the failed ones.`,
    );
  }
}
