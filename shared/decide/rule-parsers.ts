import { shown, UserError } from "../errors";
import { METRICS, metricsFor, type Task } from "../metrics";

/** A floor or ceiling on one candidate metric, e.g. `f1 >= 0.8` or `log_loss <= 0.35`. */
export interface Threshold {
  metric: string;
  op: ">=" | "<=";
  value: number;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const ENTRY = /^([A-Za-z_][A-Za-z0-9_]*)\s*([<>=!≥≤]+)\s*(.*)$/;

/** Splits a multi-line / comma / semicolon separated input into entries; `#` starts a comment, `- ` list marks are dropped. */
function entries(input: string | readonly string[]): string[] {
  const parts = typeof input === "string" ? input.split(/[\n,;]/) : input.flatMap((s) => s.split(/[\n,;]/));
  return parts
    .map((s) => s.replace(/#.*$/, "").trim())
    .map((s) => s.replace(/^-\s+/, ""))
    .filter((s) => s !== "");
}

/** Checks that a metric name exists and (when the task is known) applies to the task. */
export function checkMetricName(input: string, metric: string, task: Task | undefined, entry?: string): void {
  const info = METRICS[metric];
  const where = entry === undefined ? "" : ` in ${shown(entry)}`;
  if (info === undefined) {
    const known = task === undefined ? Object.keys(METRICS) : metricsFor(task);
    throw new UserError(`${input}: unknown metric${where} (got ${shown(metric)}). Use one of: ${known.join(", ")}.`);
  }
  if (task !== undefined && !info.tasks.includes(task)) {
    throw new UserError(
      `${input}: ${metric} is not a ${task} metric${where} (got ${shown(metric)}). Use one of: ${metricsFor(task).join(", ")}.`,
    );
  }
}

/**
 * Parses the `thresholds` input: one rule per line (or separated by commas/semicolons), each
 * `<metric> >= <number>` or `<metric> <= <number>`. Throws UserError naming the entry that cannot be read.
 */
export function parseThresholds(input: string | readonly string[], task?: Task): Threshold[] {
  const out: Threshold[] = [];
  const hint = 'Write "<metric> >= <number>" or "<metric> <= <number>", e.g. "f1 >= 0.8"';
  for (const entry of entries(input)) {
    const m = ENTRY.exec(entry);
    if (m === null) {
      throw new UserError(`thresholds: cannot read a rule (got ${shown(entry)}). ${hint}.`);
    }
    const [, metric, rawOp, rawValue] = m as unknown as [string, string, string, string];
    const op = rawOp === "≥" ? ">=" : rawOp === "≤" ? "<=" : rawOp;
    if (op !== ">=" && op !== "<=") {
      throw new UserError(
        `thresholds: unsupported comparison ${shown(rawOp)} in ${shown(entry)} (got ${shown(rawOp)}). ${hint}.`,
      );
    }
    const valueText = rawValue.trim();
    if (!NUMBER.test(valueText)) {
      throw new UserError(
        `thresholds: ${shown(entry)} needs a plain number after ${op} (got ${shown(valueText)}). ${hint}${valueText.endsWith("%") ? "; write percentages as fractions, 80% as 0.8" : ""}.`,
      );
    }
    checkMetricName("thresholds", metric, task, entry);
    out.push({ metric, op, value: Number(valueText) });
  }
  return out;
}

/**
 * Parses a per-metric number map such as the `max-regression` input: entries `<metric>: <number>` or
 * `<metric>=<number>`, one per line or separated by commas. Values must be ≥ 0.
 */
export function parseMetricLimits(
  inputName: string,
  input: string | readonly string[],
  task?: Task,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of entries(input)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.*)$/.exec(entry);
    if (m === null) {
      throw new UserError(
        `${inputName}: cannot read an entry (got ${shown(entry)}). Write "<metric>: <number>", e.g. "f1: 0.01".`,
      );
    }
    const [, metric, rawValue] = m as unknown as [string, string, string];
    const valueText = rawValue.trim();
    if (!NUMBER.test(valueText) || Number(valueText) < 0) {
      throw new UserError(
        `${inputName}: ${metric} needs a number ≥ 0 (got ${shown(valueText)}). Write the allowed worsening in the metric's own unit, e.g. "${metric}: 0.01".`,
      );
    }
    checkMetricName(inputName, metric, task, entry);
    out[metric] = Number(valueText);
  }
  return out;
}

/** What `significance: on` means: 95 % confidence, 1,000 resamples, seed 42. */
export const DEFAULT_SIGNIFICANCE = { confidence: 0.95, samples: 1000, seed: 42 } as const;

/**
 * Parses the `significance` input: empty/`false`/`off` → undefined (no bootstrap); `true`/`on` → the
 * defaults; a number such as `0.95` → that confidence; or `confidence=0.99, samples=2000, seed=7` (any
 * subset, `:` or `=`, optionally in braces as a YAML/JSON map; the rest default).
 */
export function parseSignificance(
  input: string | undefined,
): { confidence: number; samples: number; seed: number } | undefined {
  // A YAML/JSON flow map ({confidence: 0.95, samples: 500}) reads like the key=value list inside it.
  const text = (input ?? "")
    .trim()
    .replace(/^\{([\s\S]*)\}$/, "$1")
    .replace(/"/g, "")
    .trim();
  const lower = text.toLowerCase();
  if (lower === "" || lower === "false" || lower === "off" || lower === "no") return undefined;
  if (lower === "true" || lower === "on" || lower === "yes") return { ...DEFAULT_SIGNIFICANCE };
  const hint = 'Write "on", a confidence such as "0.95", or "confidence=0.95, samples=1000, seed=42"';
  if (NUMBER.test(text)) return { ...DEFAULT_SIGNIFICANCE, confidence: Number(text) };
  const out: { confidence: number; samples: number; seed: number } = { ...DEFAULT_SIGNIFICANCE };
  for (const entry of entries(text)) {
    const m = /^(confidence|samples|seed)\s*[:=]\s*(.*)$/i.exec(entry);
    if (m === null) throw new UserError(`significance: cannot read ${shown(entry)} (got ${shown(text)}). ${hint}.`);
    const key = m[1]!.toLowerCase() as "confidence" | "samples" | "seed";
    const valueText = m[2]!.trim();
    if (!NUMBER.test(valueText)) {
      throw new UserError(`significance: ${key} needs a number (got ${shown(valueText)}). ${hint}.`);
    }
    out[key] = Number(valueText);
  }
  return out;
}
