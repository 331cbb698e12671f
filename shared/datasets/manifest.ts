import { z } from "zod";

/** One data file of a snapshot: kept in the registry (`stored`), or referenced where it lives (a blob URL). */
export const ManifestFileSchema = z.object({
  /** For a stored file, its path inside the dataset version (data/...); for a referenced one, its URL. */
  path: z.string(),
  /** Where it was read from when the snapshot was taken (a path or a blob URL, without credentials). */
  source: z.string(),
  stored: z.boolean(),
  size: z.number(),
  /** Lowercase hex SHA-256 of the bytes: a referenced file that no longer has it is refused. */
  sha256: z.string(),
  rows: z.number(),
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export const DatasetManifestSchema = z.object({
  schema: z.literal(1),
  name: z.string(),
  format: z.enum(["csv", "tsv", "parquet", "jsonl"]),
  rows: z.number(),
  bytes: z.number(),
  /** Columns of the data and how they read (number or string). */
  columns: z.array(z.object({ name: z.string(), type: z.enum(["number", "string"]) })),
  /** First and last value of the time column, when the data has one. */
  timeRange: z.object({ column: z.string(), from: z.string(), to: z.string() }).optional(),
  files: z.array(ManifestFileSchema),
  /** What was asked for (paths, globs, blob URIs without credentials). */
  inputs: z.array(z.string()),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

/** The digest that identifies a snapshot's content: the same files (by sha256) make the same digest. */
export function contentKey(m: Pick<DatasetManifest, "files">): string {
  return m.files.map((f) => `${f.sha256}:${f.size}`).join(",");
}
