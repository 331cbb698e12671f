/**
 * Versioned dataset snapshots in the model registry: the files of a data input (local paths, globs, blob URIs)
 * hashed, counted and described in a manifest (sha256, row counts, columns, time range), registered as a
 * version of a dataset with the registry's versions, aliases, tags and audit log. Local files are copied into
 * the version (a runner's files do not outlive the job); blobs are referenced by URL and sha256, or copied too
 * with `copy: "all"`. A snapshot whose files are the same as the latest version's is that version.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type DataFile, openDataset, resolveDataFiles } from "../data";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { Lineage, ModelCard, Registry } from "../registry";
import { contentKey, type DatasetManifest, DatasetManifestSchema, type ManifestFile } from "./manifest";

export interface SnapshotOptions {
  /** The registry (its datasets are used). */
  registry: Registry;
  /** Dataset name (letters, digits, '.', '_', '-'). */
  name: string;
  /** Paths, globs or blob URIs; all files must have the same columns. */
  data: readonly string[];
  /** "local" (default): copy local files, reference blobs; "all": copy blobs too. */
  copy?: "local" | "all";
  /** Column whose first and last values give the time range. Default "time" when the data has it. */
  timeColumn?: string;
  /** Point this alias (e.g. "last-retrain") at the version. */
  alias?: string;
  tags?: Record<string, string>;
  lineage?: Lineage;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface SnapshotResult {
  card: ModelCard;
  manifest: DatasetManifest;
  /** False when the latest version already held exactly these files (nothing registered). */
  created: boolean;
  /** `<registry>#<name>@<version>`, for train's dataset input. */
  uri: string;
}

async function sha256Of(file: DataFile): Promise<string> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of await file.stream()) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  if (size !== file.size) {
    throw new UserError(
      `data: ${file.name} changed while the snapshot was taken (got ${size} of ${file.size} bytes). Snapshot data that is no longer being written.`,
    );
  }
  return h.digest("hex");
}

/** `<registry>#<name>@<version>` without a SAS. */
export function datasetUri(registry: Registry, name: string, version: number): string {
  return `${registry.uri.replace(/\?.*$/, "")}#${name}@${version}`;
}

export async function snapshotDataset(o: SnapshotOptions): Promise<SnapshotResult> {
  const logger = o.logger ?? silentLogger;
  const datasets = o.registry.datasets();
  const inputs = o.data.map((d) => d.trim()).filter(Boolean);
  if (inputs.length === 0)
    throw new UserError(`data: nothing to snapshot (got ${shown(o.data)}). List files, globs or blob URIs.`);
  const files: ManifestFile[] = [];
  const stored: { path: string; source: string }[] = [];
  let columns: DatasetManifest["columns"] | undefined;
  let format: DatasetManifest["format"] | undefined;
  let time: { column: string; min: number; max: number } | undefined;
  const temp = await mkdtemp(join(tmpdir(), "mlops-snapshot-"));
  try {
    const used = new Set<string>();
    for (const input of inputs) {
      const sources = await resolveDataFiles(input, { input: "data", ...(o.env ? { env: o.env } : {}) });
      const ds = await openDataset(input, { input: "data", ...(o.env ? { env: o.env } : {}) });
      if (ds.files.join("\n") !== sources.map((s) => s.name).join("\n")) {
        throw new UserError(
          `data: the files of ${shown(input)} changed while the snapshot was taken (got ${ds.files.length} then ${sources.length}). Snapshot data that is no longer being written.`,
        );
      }
      const cols = ds.columns.map((name) => ({ name, type: ds.types[name] ?? "string" }));
      if (columns && JSON.stringify(columns) !== JSON.stringify(cols)) {
        throw new UserError(
          `data: ${shown(input)} has other columns than the first input (got ${shown(cols.map((c) => c.name).join(","), 200)}, expected ${shown(columns.map((c) => c.name).join(","), 200)}). A dataset's files share one schema.`,
        );
      }
      if (format && format !== ds.format) {
        throw new UserError(
          `data: ${shown(input)} is ${ds.format}, the first input ${format} (got both). Keep a dataset in one format.`,
        );
      }
      columns = cols;
      format = ds.format;
      const timeColumn = o.timeColumn ?? (ds.columns.includes("time") ? "time" : undefined);
      if (timeColumn && !ds.columns.includes(timeColumn)) {
        throw new UserError(
          `time-column: "${timeColumn}" not found in ${ds.files[0]} (columns: ${ds.columns.join(", ")}). Name the column that holds each row's time, or leave time-column empty.`,
        );
      }
      const rows = new Map<string, number>();
      // Times are numbers (Parquet timestamps, epoch milliseconds) or, in CSV and JSON Lines, ISO 8601 text.
      const timeAsText = timeColumn !== undefined && ds.types[timeColumn] === "string";
      for await (const b of ds.batches({
        columns: timeColumn ? [timeColumn] : [ds.columns[0]!],
        ...(timeColumn ? { types: { [timeColumn]: timeAsText ? ("string" as const) : ("number" as const) } } : {}),
      })) {
        rows.set(b.file, (rows.get(b.file) ?? 0) + b.rows);
        if (timeColumn) {
          const t = b.columns[timeColumn] as ArrayLike<number | string>;
          time ??= { column: timeColumn, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
          for (let i = 0; i < t.length; i++) {
            const v = timeAsText
              ? textTime(t[i] as string, () => `${b.file}, data row ${b.firstRow + i}`, timeColumn)
              : (t[i] as number);
            if (v < time.min) time.min = v;
            if (v > time.max) time.max = v;
          }
        }
      }
      for (const source of sources) {
        const sha256 = await sha256Of(source);
        const keep = !source.remote || o.copy === "all";
        let path = source.name;
        if (keep) {
          // data/<file name>, numbered when two inputs hold files of the same name
          const base = basename(source.name.replace(/\?.*$/, ""))
            .replace(/[^A-Za-z0-9._-]/g, "_")
            .replace(/^\.+/, "_");
          let name = base;
          for (let k = 2; used.has(name); k++) name = base.replace(/(\.[^.]*)?$/, `-${k}$1`);
          used.add(name);
          path = `data/${name}`;
          let local = source.name;
          if (source.remote) {
            local = join(temp, name);
            await pipeline(await source.stream(), createWriteStream(local));
          }
          stored.push({ path, source: local });
        }
        files.push({
          path,
          source: source.name,
          stored: keep,
          size: source.size,
          sha256,
          rows: rows.get(source.name) ?? 0,
        });
      }
    }
    const manifest: DatasetManifest = DatasetManifestSchema.parse({
      schema: 1,
      name: o.name,
      format,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.size, 0),
      columns,
      ...(time && Number.isFinite(time.min)
        ? {
            timeRange: {
              column: time.column,
              from: new Date(time.min).toISOString(),
              to: new Date(time.max).toISOString(),
            },
          }
        : {}),
      files,
      inputs: inputs.map((i) => i.replace(/\?.*$/, "")),
    });
    const latest = await datasets.resolve(o.name, "dataset").catch(() => undefined);
    if (latest?.tags["content"] === sha(contentKey(manifest))) {
      logger.info(`dataset ${o.name}@${latest.version} already holds these ${files.length} file(s); no new version`);
      if (o.alias) await datasets.setAlias(o.name, o.alias, latest.version, { reason: "snapshot" });
      return { card: latest, manifest, created: false, uri: datasetUri(datasets, o.name, latest.version) };
    }
    const manifestPath = join(temp, "manifest.json");
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const card = await datasets.register({
      name: o.name,
      files: [{ path: "manifest.json", source: manifestPath }, ...stored],
      metrics: { rows: manifest.rows, files: files.length, bytes: manifest.bytes },
      tags: { ...o.tags, content: sha(contentKey(manifest)) },
      ...(o.lineage ? { lineage: o.lineage } : {}),
    });
    logger.info(
      `dataset ${o.name}@${card.version}: ${manifest.rows} rows in ${files.length} file(s) (${stored.length} stored, ${files.length - stored.length} referenced)`,
    );
    if (o.alias) await datasets.setAlias(o.name, o.alias, card.version, { reason: "snapshot" });
    return { card, manifest, created: true, uri: datasetUri(datasets, o.name, card.version) };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** An ISO 8601 time of a text column as epoch milliseconds; empty is missing (NaN, left out of the range). */
function textTime(v: string, where: () => string, column: string): number {
  if (v === "") return Number.NaN;
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    throw new UserError(
      `time-column: ${where()}, column "${column}" is not a time (got ${shown(v)}). Write times as ISO 8601 (e.g. 2024-05-01T08:00:00Z), or set time-column: to the column that holds them.`,
    );
  }
  return t;
}
