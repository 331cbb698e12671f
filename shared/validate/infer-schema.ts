import { Document, visit } from "yaml";
import { type Logger, silentLogger } from "../log";
import { cellText, typeOfText } from "./cell-value";
import type { DataFormat } from "../data";
import { readRows } from "./read-rows";
import type { ColumnSpec, ColumnType, DataSchema } from "./schema";
import { resolveDataFiles } from "./validate-data";

export interface InferSchemaOptions {
  /** A reference dataset (CSV, Parquet, JSON Lines), or a glob of files with the same columns. */
  data: string;
  format?: DataFormat;
  /** String/int columns with at most this many distinct values get `allowed:` (default 20). */
  maxAllowed?: number;
  logger?: Logger;
}

export interface InferredSchema {
  schema: DataSchema;
  /** The schema as a commented YAML file, ready to commit and edit. */
  yaml: string;
}

const UNIQUE_TRACK_LIMIT = 2_000_000;

interface Profile {
  types: Set<ColumnType>;
  nulls: number;
  min: number;
  max: number;
  distinct: Set<string> | undefined;
  unique: Set<string> | undefined;
  duplicate: boolean;
}

/**
 * Write a starting schema from a reference dataset: the narrowest type that fits every value,
 * nullable when a null was seen, observed min/max for numbers, `allowed:` for low-cardinality
 * strings and ints, `unique:` for string/int columns without repeats. Review it before committing:
 * the observed bounds are facts about this sample, not the business rules.
 */
export async function inferSchema(options: InferSchemaOptions): Promise<InferredSchema> {
  const logger = options.logger ?? silentLogger;
  const maxAllowed = options.maxAllowed ?? 20;
  const files = await resolveDataFiles(options.data);
  const source = await readRows(files[0]!, options.format);
  const profiles: Profile[] = source.columns.map(() => ({
    types: new Set(),
    nulls: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    distinct: new Set(),
    unique: new Set(),
    duplicate: false,
  }));
  let rows = 0;
  for (const [k, file] of files.entries()) {
    // Later files are matched to the first one's columns by name.
    const next = k === 0 ? source : await readRows(file, options.format);
    const at = source.columns.map((c) => next.columns.indexOf(c));
    for await (const r of next.rows) {
      rows++;
      for (let i = 0; i < profiles.length; i++) {
        const p = profiles[i] as Profile;
        const c = (at[i] as number) < 0 ? null : (r.cells[at[i] as number] ?? null);
        if (c === null || c === "") {
          p.nulls++;
          continue;
        }
        const type = typeOfText(c);
        p.types.add(type);
        const text = cellText(c);
        if (type === "int" || type === "float") {
          const n = typeof c === "bigint" ? Number(c) : Number(typeof c === "string" ? c.trim() : c);
          if (n < p.min) p.min = n;
          if (n > p.max) p.max = n;
        }
        if (p.distinct) {
          p.distinct.add(text);
          if (p.distinct.size > maxAllowed) p.distinct = undefined;
        }
        if (p.unique && !p.duplicate) {
          if (p.unique.has(text)) {
            p.duplicate = true;
            p.unique = undefined;
          } else if (p.unique.size >= UNIQUE_TRACK_LIMIT) p.unique = undefined;
          else p.unique.add(text);
        }
      }
      if (rows % 100_000 === 0) logger.progress({ task: "infer schema", done: rows, unit: "rows" });
    }
  }
  logger.progress({ task: "infer schema", done: rows, unit: "rows", finished: true });

  const columns: Record<string, ColumnSpec> = {};
  source.columns.forEach((name, i) => {
    const p = profiles[i] as Profile;
    const type = widen(p.types);
    const spec: ColumnSpec = { type, nullable: p.nulls > 0, unique: false };
    if ((type === "int" || type === "float") && Number.isFinite(p.min)) {
      spec.min = p.min;
      spec.max = p.max;
    }
    if ((type === "string" || type === "int") && p.distinct && p.distinct.size > 0 && p.distinct.size * 10 <= rows) {
      const values = [...p.distinct];
      spec.allowed = type === "int" ? values.map(Number).sort((a, b) => a - b) : values.sort();
      if (type === "int") {
        delete spec.min;
        delete spec.max;
      }
    }
    if ((type === "string" || type === "int") && p.unique && !p.duplicate && rows > 1 && p.nulls === 0)
      spec.unique = true;
    columns[name] = spec;
  });
  const schema: DataSchema = {
    version: 1,
    rows: { min: 1 },
    ordered: false,
    additionalColumns: true,
    nullValues: [""],
    columns,
    rules: [],
  };
  const body = {
    version: 1,
    rows: { min: 1 },
    columns: Object.fromEntries(Object.entries(columns).map(([name, spec]) => [name, compact(spec)])),
    rules: [],
  };
  const header = [
    `# Data contract inferred from ${options.data} (${rows} rows, ${source.columns.length} columns).`,
    "# Review before committing: bounds and allowed values are what this sample holds, not business rules.",
    "# Types: int, float, string, bool, timestamp. Cross-column rules go under rules: (name + check).",
    "",
  ].join("\n");
  const doc = new Document(body);
  // Allowed-value lists read best on one line: allowed: [H, L, M].
  visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
  });
  return { schema, yaml: header + doc.toString({ lineWidth: 0, flowCollectionPadding: false }) };
}

function widen(types: Set<ColumnType>): ColumnType {
  if (types.size === 0) return "string";
  if (types.size === 1) return [...types][0] as ColumnType;
  if ([...types].every((t) => t === "int" || t === "float")) return "float";
  return "string";
}

function compact(spec: ColumnSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { type: spec.type };
  if (spec.nullable) out.nullable = true;
  if (spec.min !== undefined) out.min = spec.min;
  if (spec.max !== undefined) out.max = spec.max;
  if (spec.allowed) out.allowed = spec.allowed;
  if (spec.unique) out.unique = true;
  return out;
}
