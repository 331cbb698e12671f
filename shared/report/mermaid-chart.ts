/**
 * Charts for the places GitHub renders Markdown from an action (job summaries, pull-request comments):
 * GitHub draws ```mermaid code blocks there, while images need a hosted URL (data: URIs and inline SVG are
 * removed by its HTML sanitizer). Mermaid's `xychart-beta` (Mermaid ≥ 10.6) draws line and bar series
 * over a numeric or categorical x axis; it has no legend, so the title names each series by its colour,
 * and the colours are fixed with an init directive.
 */
import { REFERENCE } from "./palette";

export interface MermaidSeries {
  /** Named in the title with its colour, e.g. "candidate (blue)". */
  name: string;
  color: { color: string; name: string };
  /** One value per x position (numeric axis: evenly spaced from min to max; categorical: one per category). */
  values: number[];
  kind?: "line" | "bar";
}

export interface MermaidChartSpec {
  title: string;
  x: { label: string; min: number; max: number } | { label: string; categories: string[] };
  y: { label: string; min: number; max: number };
  series: MermaidSeries[];
}

/** Mermaid strings sit in double quotes and on one line: no quotes, brackets or line breaks inside. */
function quoted(text: string): string {
  return `"${text
    .replace(/"/g, "'")
    .replace(/\s+/g, " ")
    .replace(/[[\]{}]/g, "")
    .replace(/%%/g, "%")
    .trim()}"`;
}

const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "0");

/** A ```mermaid block with an xychart; every value is clamped into the y range (Mermaid does not clip). */
export function mermaidXyChart(spec: MermaidChartSpec): string {
  const palette = spec.series.map((s) => s.color.color).join(", ");
  const legend = spec.series.map((s) => `${s.name} (${s.color.name})`).join(", ");
  // Mermaid's default 700 × 500 makes a comment very long; 600 × 340 keeps a chart a glance.
  const init = {
    xyChart: { width: 600, height: 340, titleFontSize: 15 },
    themeVariables: { xyChart: { plotColorPalette: palette } },
  };
  const lines = [
    "```mermaid",
    `%%{init: ${JSON.stringify(init)}}%%`,
    "xychart-beta",
    `  title ${quoted(legend ? `${spec.title}: ${legend}` : spec.title)}`,
  ];
  if ("categories" in spec.x)
    lines.push(`  x-axis ${quoted(spec.x.label)} [${spec.x.categories.map(quoted).join(", ")}]`);
  else lines.push(`  x-axis ${quoted(spec.x.label)} ${num(spec.x.min)} --> ${num(spec.x.max)}`);
  lines.push(`  y-axis ${quoted(spec.y.label)} ${num(spec.y.min)} --> ${num(spec.y.max)}`);
  const clamp = (v: number) => Math.min(spec.y.max, Math.max(spec.y.min, Number.isFinite(v) ? v : spec.y.min));
  for (const s of spec.series) lines.push(`  ${s.kind ?? "line"} [${s.values.map((v) => num(clamp(v))).join(", ")}]`);
  lines.push("```");
  return lines.join("\n");
}

/**
 * Values of a curve y(x) at `n` evenly spaced x from lo to hi (x ascending), by linear interpolation; on a
 * vertical run (several points at one x, as a ROC curve has) the last point of the run is taken.
 */
export function resample(x: ArrayLike<number>, y: ArrayLike<number>, n: number, lo = 0, hi = 1): number[] {
  const out: number[] = [];
  const last = Math.min(x.length, y.length) - 1;
  if (last < 0) return Array.from({ length: n }, () => Number.NaN);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const t = lo + ((hi - lo) * i) / (n - 1);
    while (k < last && x[k + 1]! <= t) k++;
    if (t < x[0]!) out.push(y[0]!);
    else if (k >= last) out.push(y[last]!);
    else out.push(y[k]! + ((y[k + 1]! - y[k]!) * (t - x[k]!)) / (x[k + 1]! - x[k]!));
  }
  return out;
}

/** The grey y = x reference line (chance for ROC, perfect calibration) on `n` points over [lo, hi]. */
export function referenceLine(name: string, n: number, lo = 0, hi = 1): MermaidSeries {
  return { name, color: REFERENCE, values: Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)) };
}

/** A range for values whose range is not fixed (regression), rounded outwards to two significant digits. */
export function roundedRange(values: ArrayLike<number>[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const vs of values) {
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i]!;
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  if (min === max) return { min: min - 0.5, max: max + 0.5 };
  const step = 10 ** (Math.floor(Math.log10(max - min)) - 1);
  return {
    min: Number((Math.floor(min / step) * step).toPrecision(12)),
    max: Number((Math.ceil(max / step) * step).toPrecision(12)),
  };
}
