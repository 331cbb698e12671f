import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { type DataFile, type DataFormat, isRemoteData, resolveDataFiles as resolveBlobs } from "../data";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { checkReadableFile, readUserText } from "../user-files";
import { readCell } from "./cell-value";
import { readRows } from "./read-rows";
import { type CompiledRule, compileRule } from "./rule-expression";
import { type ColumnSpec, type DataSchema, parseSchema } from "./schema";
import { renderValidationMarkdown } from "./validation-report";

/** The rule a violation breaks. Cross-column rules are reported as "rule" with their name. */
export type ViolationRule =
  | "row-count"
  | "missing-column"
  | "unexpected-column"
  | "column-order"
  | "field-count"
  | "type"
  | "not-null"
  | "min"
  | "max"
  | "allowed"
  | "regex"
  | "unique"
  | "rule";

export interface ViolationExample {
  /** The data file (one of the files a glob matched). */
  file: string;
  /** 1-based data row within the file (header not counted); 0 for the header itself. */
  row: number;
  /** 1-based line in the data file (CSV, JSON Lines), for `::error file=...,line=...::`. */
  line?: number;
  /** The offending cell as found in the file. */
  value?: string;
}

export interface Violation {
  rule: ViolationRule;
  /** The column, or for a cross-column rule its name. */
  column?: string;
  /** One line saying what is wrong, e.g. `"Rotational speed [rpm]": 3 values below min 0`. */
  message: string;
  /** How many rows (or columns, for header rules) break it. */
  count: number;
  /** The first offending rows, in file order. */
  examples: ViolationExample[];
}

export interface ValidationResult {
  valid: boolean;
  /** Data rows read over all files (headers excluded). */
  rows: number;
  /** The files read, in order (a glob can match several). */
  files: string[];
  /** The first file's header. */
  columns: string[];
  format: DataFormat;
  violations: Violation[];
  /** Markdown for the job summary: verdict and a table of violated rules. */
  report: string;
}

export interface ValidateDataOptions {
  schema: DataSchema;
  /**
   * A CSV, Parquet or JSON Lines file, or a glob of files with the same columns (e.g. "data/*.csv"); or Azure
   * Blob URIs (a blob, a prefix, a glob).
   */
  data: string;
  /** Environment for blob credentials (default process.env). */
  env?: Record<string, string | undefined>;
  format?: DataFormat;
  /** Offending rows kept per violation (default 5). */
  maxExamples?: number;
  logger?: Logger;
}

/** Read and parse a schema YAML file. */
export async function loadSchema(path: string): Promise<DataSchema> {
  if (!existsSync(path))
    throw new UserError(
      `schema: file not found (got ${shown(path)}). Check the path, or set infer: true to write one.`,
    );
  return parseSchema(
    await readUserText(path, "schema", "the YAML data contract (or set infer: true to write one)"),
    path,
  );
}

/** Expand a path or glob (sorted matches), or list the blobs a blob URI names; nothing there is a UserError. */
export async function resolveDataFiles(
  pathOrGlob: string,
  env?: Record<string, string | undefined>,
): Promise<(string | DataFile)[]> {
  if (isRemoteData(pathOrGlob)) return resolveBlobs(pathOrGlob, { input: "data", ...(env ? { env } : {}) });
  const fix = "Point data: at readable CSV, Parquet or JSON Lines files.";
  if (!isDynamicPattern(pathOrGlob)) {
    await checkReadableFile(pathOrGlob, "data", fix);
    return [pathOrGlob];
  }
  // Matches stay relative to the working directory (what annotations need) unless the pattern is absolute.
  const files = (
    await glob(pathOrGlob, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(pathOrGlob) })
  ).sort();
  if (files.length === 0) {
    throw new UserError(
      `data: no file matches the glob (got ${shown(pathOrGlob)}). Check the pattern and the working directory.`,
    );
  }
  for (const file of files) await checkReadableFile(file, "data", fix);
  return files;
}

interface Tally {
  rule: ViolationRule;
  column?: string;
  count: number;
  examples: ViolationExample[];
  detail: string;
}

const PROGRESS_EVERY = 100_000;

/**
 * Stream the data once and check every rule of the schema. Memory is bounded by the columns marked
 * `unique: true` (one entry per distinct value); everything else is counted per row.
 */
export async function validateData(options: ValidateDataOptions): Promise<ValidationResult> {
  const { schema } = options;
  const logger = options.logger ?? silentLogger;
  const maxExamples = options.maxExamples ?? 5;
  const files = await resolveDataFiles(options.data, options.env);
  const nameOf = (f: string | DataFile) => (typeof f === "string" ? f : f.name);
  const schemaNames = Object.keys(schema.columns);
  // JSON Lines objects may omit keys: the schema's columns are known up front and an absent key is null.
  // Files are opened one at a time (a glob can match many).
  const open = (f: string | DataFile) => readRows(f, options.format, schemaNames);
  const first = { file: files[0]!, source: await open(files[0]!) };
  const tallies = new Map<string, Tally>();
  const tally = (rule: ViolationRule, column: string | undefined, detail: string): Tally => {
    const key = `${rule}\u0000${column ?? ""}\u0000${detail}`;
    let t = tallies.get(key);
    if (!t) {
      t = { rule, column, count: 0, examples: [], detail };
      tallies.set(key, t);
    }
    return t;
  };
  let file = nameOf(first.file);
  const hit = (t: Tally, row: number, line: number | undefined, value?: string) => {
    t.count++;
    if (t.examples.length < maxExamples) {
      t.examples.push({
        file,
        row,
        ...(line === undefined ? {} : { line }),
        ...(value === undefined ? {} : { value }),
      });
    }
  };

  // Per-column state shared by all files (so `unique` holds across them).
  const nullValues = new Set(schema.nullValues);
  const columnChecks = schemaNames.map((name) => {
    const spec = schema.columns[name] as ColumnSpec;
    const allowed = spec.allowed ? new Set(spec.allowed.map((v) => String(v))) : undefined;
    return {
      name,
      spec,
      forRules: false,
      allowed,
      regex: spec.regex === undefined ? undefined : new RegExp(spec.regex, "u"),
      seen: spec.unique ? new Set<string>() : undefined,
      type: tally("type", name, spec.type),
      notNull: tally("not-null", name, ""),
      min: spec.min === undefined ? undefined : tally("min", name, String(spec.min)),
      max: spec.max === undefined ? undefined : tally("max", name, String(spec.max)),
      allowedTally: allowed ? tally("allowed", name, [...allowed].join(", ")) : undefined,
      regexTally: spec.regex === undefined ? undefined : tally("regex", name, spec.regex),
      uniqueTally: spec.unique ? tally("unique", name, "") : undefined,
    };
  });
  const known = [...new Set([...first.source.columns, ...schemaNames])];
  const rules: { compiled: CompiledRule; tally: Tally }[] = schema.rules.map((r, i) => ({
    compiled: compileRule(r.check, `schema: rules[${i}] (${r.name})`, known),
    tally: tally("rule", r.name, r.check),
  }));
  // Typed values of checked columns, for cross-column rules (only kept when some rule reads them).
  const ruleColumns = new Set(rules.flatMap((r) => r.compiled.columns));
  for (const c of columnChecks) c.forRules = ruleColumns.has(c.name);
  const numbers = new Map<string, number | undefined>();

  let rows = 0;
  for (const current of files) {
    file = nameOf(current);
    const source = current === first.file ? first.source : await open(current);
    const columns = source.columns;
    const headerLine = source.format === "parquet" ? undefined : 1;
    const headerHit = (rule: ViolationRule, column: string, detail = "") =>
      hit(tally(rule, column, detail), 0, headerLine);

    // Header rules, per file.
    const position = new Map(columns.map((c, i) => [c, i]));
    for (const d of new Set(columns.filter((c, i) => columns.indexOf(c) !== i)))
      headerHit("unexpected-column", d, "duplicate");
    for (const name of schemaNames) if (!position.has(name)) headerHit("missing-column", name);
    if (!schema.additionalColumns) {
      for (const c of columns) if (!(c in schema.columns)) headerHit("unexpected-column", c);
    }
    if (schema.ordered && source.format !== "jsonl") {
      const present = columns.filter((c) => c in schema.columns);
      const expected = schemaNames.filter((c) => position.has(c));
      for (const c of present.filter((c, i) => expected[i] !== c)) {
        headerHit("column-order", c, `position ${(position.get(c) ?? 0) + 1}, expected ${expected.indexOf(c) + 1}`);
      }
    }
    const checks = columnChecks
      .filter((c) => position.has(c.name))
      .map((c) => ({ ...c, index: position.get(c.name) as number }));
    const fieldCount = tally("field-count", undefined, String(columns.length));
    const text = source.format === "csv" || source.format === "tsv";
    const typedSource = !text;

    for await (const r of source.rows) {
      rows++;
      if (text && r.cells.length !== columns.length) {
        hit(fieldCount, r.row, r.line, `${r.cells.length} fields`);
      }
      if (rules.length > 0) numbers.clear();
      for (const c of checks) {
        const typed = readCell(r.cells[c.index] ?? null, c.spec.type, nullValues, typedSource);
        if (typed.kind === "null") {
          if (c.forRules) numbers.set(c.name, undefined);
          if (!c.spec.nullable) hit(c.notNull, r.row, r.line, r.cells[c.index] === undefined ? undefined : "");
          continue;
        }
        if (typed.kind === "bad") {
          if (c.forRules) numbers.set(c.name, undefined);
          hit(c.type, r.row, r.line, typed.text);
          continue;
        }
        if (c.forRules) numbers.set(c.name, typed.number);
        if (typed.number !== undefined) {
          if (c.min && c.spec.min !== undefined && !(typed.number >= c.spec.min)) hit(c.min, r.row, r.line, typed.text);
          if (c.max && c.spec.max !== undefined && !(typed.number <= c.spec.max)) hit(c.max, r.row, r.line, typed.text);
        }
        if (c.allowed && c.allowedTally) {
          const key =
            typed.number !== undefined && c.spec.type !== "timestamp"
              ? canonicalNumber(typed, c.spec.type)
              : typed.text;
          if (!c.allowed.has(key)) hit(c.allowedTally, r.row, r.line, typed.text);
        }
        if (c.regex && c.regexTally && !c.regex.test(typed.text)) hit(c.regexTally, r.row, r.line, typed.text);
        if (c.seen && c.uniqueTally) {
          const key = typed.number !== undefined ? String(typed.number) : typed.text;
          if (c.seen.has(key)) hit(c.uniqueTally, r.row, r.line, typed.text);
          else c.seen.add(key);
        }
      }
      for (const rule of rules) {
        const ok = rule.compiled.evaluate((name) => {
          if (numbers.has(name)) return numbers.get(name);
          const i = position.get(name);
          if (i === undefined) return undefined;
          const typed = readCell(r.cells[i] ?? null, "float", nullValues, typedSource);
          return typed.kind === "ok" ? typed.number : undefined;
        });
        if (ok === false) {
          hit(
            rule.tally,
            r.row,
            r.line,
            rule.compiled.columns.map((name) => `${name}=${describe(r.cells[position.get(name) ?? -1])}`).join(", "),
          );
        }
      }
      if (rows % PROGRESS_EVERY === 0) logger.progress({ task: "validate", done: rows, unit: "rows" });
    }
  }
  logger.progress({ task: "validate", done: rows, unit: "rows", finished: true });

  file = nameOf(first.file);
  if (schema.rows?.min !== undefined && rows < schema.rows.min)
    tally("row-count", undefined, `min ${schema.rows.min}`).count = 1;
  if (schema.rows?.max !== undefined && rows > schema.rows.max)
    tally("row-count", undefined, `max ${schema.rows.max}`).count = 1;

  const violations = [...tallies.values()]
    .filter((t) => t.count > 0)
    .map((t) => ({
      rule: t.rule,
      ...(t.column === undefined ? {} : { column: t.column }),
      message: messageFor(t, rows),
      count: t.count,
      examples: t.examples,
    }));
  const result: Omit<ValidationResult, "report"> = {
    valid: violations.length === 0,
    rows,
    files: files.map(nameOf),
    columns: first.source.columns,
    format: first.source.format,
    violations,
  };
  logger.info(
    result.valid
      ? `validate-data: ${options.data} passed ${schemaNames.length} column specs and ${rules.length} rules over ${rows} rows`
      : `validate-data: ${options.data} broke ${violations.length} rules over ${rows} rows`,
  );
  return { ...result, report: renderValidationMarkdown(result, options.data) };
}

function canonicalNumber(typed: { number?: number; text: string }, type: string): string {
  if (type === "bool") return typed.number === 1 ? "true" : "false";
  return String(typed.number);
}

function describe(cell: unknown): string {
  if (cell === undefined || cell === null || cell === "") return "null";
  return typeof cell === "string" ? cell : JSON.stringify(cell);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function messageFor(t: Tally, rows: number): string {
  const col = t.column === undefined ? "" : `${JSON.stringify(t.column)}: `;
  switch (t.rule) {
    case "row-count":
      return `data has ${plural(rows, "row")}, outside the schema bound (${t.detail})`;
    case "missing-column":
      return `${col}column required by the schema is missing from the data`;
    case "unexpected-column":
      return t.detail === "duplicate"
        ? `${col}column appears more than once in the header`
        : `${col}column is not in the schema (additionalColumns: false)`;
    case "column-order":
      return `${col}column is out of order (${t.detail}; ordered: true)`;
    case "field-count":
      return `${plural(t.count, "row")} with a field count different from the header's ${t.detail}`;
    case "type":
      return `${col}${plural(t.count, "value")} not of type ${t.detail}`;
    case "not-null":
      return `${col}${plural(t.count, "null value")} in a non-nullable column`;
    case "min":
      return `${col}${plural(t.count, "value")} below min ${t.detail}`;
    case "max":
      return `${col}${plural(t.count, "value")} above max ${t.detail}`;
    case "allowed":
      return `${col}${plural(t.count, "value")} not in the allowed set [${t.detail}]`;
    case "regex":
      return `${col}${plural(t.count, "value")} not matching /${t.detail}/`;
    case "unique":
      return `${col}${plural(t.count, "duplicate value")} in a unique column`;
    case "rule":
      return `${col}${plural(t.count, "row")} break \`${t.detail}\``;
  }
}
