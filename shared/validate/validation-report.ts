import { clip, formatCount, mdCode, mdText } from "../report";
import type { ValidationResult, Violation } from "./validate-data";

/** Longest value shown per example; a rule's `column=value` pairs are cut between pairs, never inside one. */
const MAX_VALUE = 120;

/** The first offending rows of a violation, one per line: where, and the value as found (null as "(empty)"). */
function where(v: Violation, manyFiles: boolean): string {
  if (v.examples.length === 0) return "";
  return v.examples
    .map((e) => {
      const place = e.row === 0 ? "header" : e.line !== undefined ? `line ${e.line}` : `row ${e.row}`;
      const at = mdText(manyFiles ? `${e.file.split(/[\\/]/).pop()} ${place}` : place);
      if (e.value === undefined) return at;
      return `${at}: ${mdCode(clip(e.value, MAX_VALUE, v.rule === "rule" ? ", " : undefined))}`;
    })
    .join("<br>");
}

/** Markdown for the job summary: a verdict line and one table row per violated rule. */
export function renderValidationMarkdown(result: Omit<ValidationResult, "report">, data: string): string {
  const lines: string[] = [];
  const name = data.split(/[\\/]/).pop() ?? data;
  if (result.valid) {
    lines.push(`### ✅ Data validation passed: ${mdCode(name, "inline")}`, "");
    lines.push(
      `${formatCount(result.rows)} rows, ${result.columns.length} columns (${result.format}), every rule of the schema holds.`,
    );
    return `${lines.join("\n")}\n`;
  }
  const total = result.violations.reduce((n, v) => n + v.count, 0);
  lines.push(`### ❌ Data validation failed: ${mdCode(name, "inline")}`, "");
  lines.push(
    `${formatCount(result.rows)} rows, ${result.columns.length} columns (${result.format}): ${result.violations.length} rules broken, ${formatCount(total)} offending cells/rows.`,
    "",
  );
  lines.push("| Rule | Column | Count | First offending rows | What is wrong |", "|---|---|---:|---|---|");
  for (const v of result.violations) {
    lines.push(
      `| \`${v.rule}\` | ${mdText(v.column ?? "")} | ${formatCount(v.count)} | ${where(v, result.files.length > 1)} | ${mdText(v.message)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * GitHub workflow commands (`::error file=...,line=...,title=...::message`) pointing at the first
 * offending lines of the data files (header violations at line 1). Parquet rows have no line, so their
 * annotations name the file and row in the message. `file` overrides the path shown (single-file runs,
 * e.g. to make it relative to the repository). Capped because GitHub shows at most 10 error
 * annotations per step; every broken rule gets one before any gets a second.
 */
/** One annotation: where (a data file line, when known) and what. */
export interface ViolationAnnotation {
  title: string;
  message: string;
  file?: string;
  line?: number;
}

/**
 * Annotations for the violations, at most `max`, taking one example of every broken rule before a second
 * of any, so a flood of one rule cannot hide the others.
 */
export function violationAnnotations(
  result: Pick<ValidationResult, "violations">,
  file?: string,
  max = 10,
): ViolationAnnotation[] {
  const perViolation: ViolationAnnotation[][] = result.violations.map((v) => {
    const title = `validate-data: ${v.rule}${v.column ? ` (${v.column})` : ""}`;
    if (v.examples.length === 0) return [{ title, message: v.message }];
    return v.examples.map((e) => {
      const path = file ?? e.file;
      const value = e.value === undefined ? "" : ` (got ${JSON.stringify(e.value)})`;
      // A blob has no place in the repository to annotate: its URL and row go into the message.
      if (e.line === undefined || /^(https?|azblob):\/\//i.test(path)) {
        return {
          title,
          message: `${v.message}${value} at ${path} row ${e.row}${e.line === undefined ? "" : ` (line ${e.line})`}`,
        };
      }
      return { title, message: `${v.message}${value}`, file: path, line: e.line };
    });
  });
  const out: ViolationAnnotation[] = [];
  for (let i = 0; out.length < max && perViolation.some((list) => i < list.length); i++) {
    for (const list of perViolation) {
      const a = list[i];
      if (a !== undefined && out.length < max) out.push(a);
    }
  }
  return out;
}

/** The same annotations as workflow command lines (`::error file=…,line=…,title=…::message`). */
export function validationAnnotations(result: Pick<ValidationResult, "violations">, file?: string, max = 10): string[] {
  return violationAnnotations(result, file, max).map((a) => {
    const where = a.file !== undefined && a.line !== undefined ? `file=${escapeProperty(a.file)},line=${a.line},` : "";
    return `::error ${where}title=${escapeProperty(a.title)}::${escapeData(a.message)}`;
  });
}
