/**
 * Charts as inline SVG for the self-contained HTML reports: no script, no network, drawn the same from an
 * artifact download, a file:// URL or offline. Each chart is a <figure> whose legend is HTML (it wraps on
 * a phone) and whose SVG scales to the width it is given.
 */
import { escapeHtml } from "./escape";
import { formatNumber } from "./format-number";

export interface Axis {
  label: string;
  /** Default: the data's range (0..1 axes should say so, to keep charts comparable). */
  min?: number;
  max?: number;
  /** Only whole-number ticks (versions, counts). */
  integer?: boolean;
}

export interface LineSeries {
  name: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dashed?: boolean;
  /** Draw points as dots instead of a line (e.g. a calibration curve with few bins). */
  dots?: boolean;
}

export interface Marker {
  x: number;
  y: number;
  color: string;
  /** Shown on hover and in the legend. */
  label: string;
}

export interface LineChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  series: LineSeries[];
  markers?: Marker[];
  /** A sentence under the chart. */
  note?: string;
}

const W = 400;
const H = 300;
const M = { left: 52, right: 14, top: 12, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const r1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** About `count` round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values: ArrayLike<number>[], axis: Axis): [number, number] {
  let lo = axis.min ?? Infinity;
  let hi = axis.max ?? -Infinity;
  if (axis.min === undefined || axis.max === undefined) {
    for (const vs of values) {
      for (let i = 0; i < vs.length; i++) {
        const v = vs[i]!;
        if (!Number.isFinite(v)) continue;
        if (axis.min === undefined && v < lo) lo = v;
        if (axis.max === undefined && v > hi) hi = v;
      }
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

interface Frame {
  sx: (v: number) => number;
  sy: (v: number) => number;
  svg: string[];
}

function frame(title: string, x: Axis, y: Axis, xr: [number, number], yr: [number, number]): Frame {
  const sx = (v: number) => M.left + ((v - xr[0]) / (xr[1] - xr[0])) * PW;
  const sy = (v: number) => M.top + PH - ((v - yr[0]) / (yr[1] - yr[0])) * PH;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  const ticks = (axis: Axis, r: [number, number]) => {
    const all = niceTicks(r[0], r[1]);
    if (!axis.integer) return all;
    const whole = all.filter(Number.isInteger);
    return whole.length > 0 ? whole : [Math.round((r[0] + r[1]) / 2)];
  };
  for (const t of ticks(y, yr)) {
    const yy = r1(sy(t));
    svg.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    svg.push(
      `<text class="tick" x="${M.left - 5}" y="${yy}" dy="3" text-anchor="end">${escapeHtml(formatNumber(t))}</text>`,
    );
  }
  for (const t of ticks(x, xr)) {
    const xx = r1(sx(t));
    svg.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + PH}"/>`);
    svg.push(
      `<text class="tick" x="${xx}" y="${M.top + PH + 14}" text-anchor="middle">${escapeHtml(formatNumber(t))}</text>`,
    );
  }
  svg.push(`<rect class="plot" x="${M.left}" y="${M.top}" width="${PW}" height="${PH}"/>`);
  svg.push(`<text class="axis" x="${M.left + PW / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(x.label)}</text>`);
  svg.push(
    `<text class="axis" transform="translate(12 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(y.label)}</text>`,
  );
  return { sx, sy, svg };
}

function legend(items: { name: string; color: string; dashed?: boolean; marker?: boolean }[]): string {
  if (items.length === 0) return "";
  const entries = items.map((i) => {
    const swatch = i.marker
      ? `<svg class="swatch" viewBox="0 0 14 10"><circle cx="7" cy="5" r="4" fill="${i.color}"/></svg>`
      : `<svg class="swatch" viewBox="0 0 14 10"><line x1="0" x2="14" y1="5" y2="5" stroke="${i.color}" stroke-width="2.5"${i.dashed ? ' stroke-dasharray="3 2"' : ""}/></svg>`;
    return `<span class="entry">${swatch}${escapeHtml(i.name)}</span>`;
  });
  return `<div class="legend">${entries.join("")}</div>`;
}

function figure(title: string, legendHtml: string, svg: string[], note?: string): string {
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>${legendHtml}${svg.join("")}${
    note ? `<p class="note">${escapeHtml(note)}</p>` : ""
  }</figure>`;
}

/** Lines (curves) with optional point markers, e.g. ROC curves with the operating threshold marked. */
export function lineChart(spec: LineChartSpec): string {
  const xr = extent(
    spec.series.map((s) => s.x),
    spec.x,
  );
  const yr = extent(
    spec.series.map((s) => s.y),
    spec.y,
  );
  const f = frame(spec.title, spec.x, spec.y, xr, yr);
  const clampX = (v: number) => Math.min(xr[1], Math.max(xr[0], v));
  const clampY = (v: number) => Math.min(yr[1], Math.max(yr[0], v));
  for (const s of spec.series) {
    const pts: string[] = [];
    for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      pts.push(`${r1(f.sx(clampX(x)))},${r1(f.sy(clampY(y)))}`);
    }
    if (s.dots) {
      for (const p of pts) {
        const [cx, cy] = p.split(",");
        f.svg.push(
          `<circle class="dot" cx="${cx}" cy="${cy}" r="3.2" fill="${s.color}"><title>${escapeHtml(s.name)}</title></circle>`,
        );
      }
      if (pts.length > 1) f.svg.push(`<polyline class="series thin" points="${pts.join(" ")}" stroke="${s.color}"/>`);
    } else if (pts.length > 0) {
      f.svg.push(
        `<polyline class="series" points="${pts.join(" ")}" stroke="${s.color}"${s.dashed ? ' stroke-dasharray="5 4"' : ""}><title>${escapeHtml(s.name)}</title></polyline>`,
      );
    }
  }
  for (const m of spec.markers ?? []) {
    if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
    f.svg.push(
      `<circle class="marker" cx="${r1(f.sx(clampX(m.x)))}" cy="${r1(f.sy(clampY(m.y)))}" r="5" fill="${m.color}"><title>${escapeHtml(m.label)}</title></circle>`,
    );
  }
  f.svg.push("</svg>");
  const items = [
    ...spec.series.map((s) => ({ name: s.name, color: s.color, dashed: s.dashed })),
    ...(spec.markers ?? []).map((m) => ({ name: m.label, color: m.color, marker: true })),
  ];
  return figure(spec.title, legend(items), f.svg, spec.note);
}

export interface HistogramSeries {
  name: string;
  color: string;
  /** One value per bin (counts or shares). */
  values: ArrayLike<number>;
}

/** Histograms over the same bins, drawn as translucent overlapping bars (e.g. scores of each class). */
export function histogramChart(spec: {
  title: string;
  x: Axis;
  y: Axis;
  edges: ArrayLike<number>;
  series: HistogramSeries[];
  note?: string;
}): string {
  const n = spec.edges.length - 1;
  const xr = extent([spec.edges], spec.x);
  let top = spec.y.max ?? 0;
  if (spec.y.max === undefined)
    for (const s of spec.series) for (let i = 0; i < n; i++) top = Math.max(top, s.values[i] ?? 0);
  const yr: [number, number] = [spec.y.min ?? 0, top > (spec.y.min ?? 0) ? top : 1];
  const f = frame(spec.title, spec.x, spec.y, xr, yr);
  for (const s of spec.series) {
    for (let i = 0; i < n; i++) {
      const v = s.values[i] ?? 0;
      if (!(v > 0)) continue;
      const x0 = f.sx(spec.edges[i]!);
      const x1 = f.sx(spec.edges[i + 1]!);
      const y = f.sy(Math.min(v, yr[1]));
      f.svg.push(
        `<rect class="bar" x="${r1(x0)}" y="${r1(y)}" width="${r1(Math.max(0.5, x1 - x0))}" height="${r1(M.top + PH - y)}" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${formatNumber(v)} in [${formatNumber(spec.edges[i])}, ${formatNumber(spec.edges[i + 1])})`)}</title></rect>`,
      );
    }
  }
  f.svg.push("</svg>");
  return figure(spec.title, legend(spec.series.map((s) => ({ name: s.name, color: s.color }))), f.svg, spec.note);
}

/** A matrix of counts as coloured cells with their numbers (e.g. a confusion matrix). */
export function heatmapChart(spec: {
  title: string;
  rows: string[];
  columns: string[];
  values: number[][];
  rowAxis: string;
  columnAxis: string;
  /** Colour of the largest value (cells fade to white). */
  color: string;
  note?: string;
}): string {
  const nr = spec.rows.length;
  const nc = spec.columns.length;
  const label = Math.min(90, Math.max(36, 7 * Math.max(...spec.rows.map((r) => Math.min(r.length, 12)))));
  const cell = Math.max(26, Math.min(64, Math.floor((W - label - 30) / Math.max(1, nc))));
  const width = label + 20 + cell * nc + 8;
  const height = 30 + cell * nr + 34;
  const x0 = label + 20;
  const y0 = 30;
  const max = Math.max(1, ...spec.values.flat());
  // Drawn at its own size (text stays the size of the other charts' text), shrunk only to fit a phone.
  const svg = [
    `<svg class="fixed" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(spec.title)}">`,
    `<title>${escapeHtml(spec.title)}</title>`,
  ];
  const short = (s: string) => (s.length > 12 ? `${s.slice(0, 11)}…` : s);
  spec.columns.forEach((c, j) =>
    svg.push(
      `<text class="tick" x="${r1(x0 + j * cell + cell / 2)}" y="${y0 - 6}" text-anchor="middle">${escapeHtml(short(c))}</text>`,
    ),
  );
  spec.rows.forEach((r, i) => {
    svg.push(
      `<text class="tick" x="${x0 - 6}" y="${r1(y0 + i * cell + cell / 2)}" dy="3" text-anchor="end">${escapeHtml(short(r))}</text>`,
    );
    for (let j = 0; j < nc; j++) {
      const v = spec.values[i]?.[j] ?? 0;
      const share = v / max;
      const fill = `${spec.color}${Math.round(20 + share * 235)
        .toString(16)
        .padStart(2, "0")}`;
      const x = x0 + j * cell;
      const y = y0 + i * cell;
      svg.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}"><title>${escapeHtml(`${spec.rowAxis} ${r}, ${spec.columnAxis} ${spec.columns[j]}: ${v}`)}</title></rect>`,
      );
      if (cell >= 26) {
        svg.push(
          `<text class="count${share > 0.55 ? " light" : ""}" x="${r1(x + cell / 2)}" y="${r1(y + cell / 2)}" dy="4" text-anchor="middle">${escapeHtml(compactCount(v))}</text>`,
        );
      }
    }
  });
  svg.push(
    `<text class="axis" x="${r1(x0 + (cell * nc) / 2)}" y="${height - 8}" text-anchor="middle">${escapeHtml(spec.columnAxis)}</text>`,
  );
  svg.push(
    `<text class="axis" transform="translate(10 ${r1(y0 + (cell * nr) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.rowAxis)}</text>`,
  );
  svg.push("</svg>");
  return figure(spec.title, "", svg, spec.note);
}

function compactCount(v: number): string {
  if (v < 10_000) return String(v);
  if (v < 1_000_000) return `${Number((v / 1000).toPrecision(3))}k`;
  return `${Number((v / 1e6).toPrecision(3))}M`;
}

/**
 * A 2-D histogram drawn as shaded cells, for scatter plots of many rows (predicted vs actual): the shade
 * grows with log(count), so sparse outliers stay visible next to the dense middle.
 */
export function densityChart(spec: {
  title: string;
  x: Axis;
  y: Axis;
  xEdges: ArrayLike<number>;
  yEdges: ArrayLike<number>;
  /** Row-major: counts[j * nx + i] for x bin i, y bin j. */
  counts: ArrayLike<number>;
  color: string;
  /** Draw y = x (predicted equals actual). */
  diagonal?: { name: string; color: string };
  note?: string;
}): string {
  const nx = spec.xEdges.length - 1;
  const ny = spec.yEdges.length - 1;
  const xr: [number, number] = [spec.xEdges[0]!, spec.xEdges[nx]!];
  const yr: [number, number] = [spec.yEdges[0]!, spec.yEdges[ny]!];
  const f = frame(spec.title, spec.x, spec.y, xr, yr);
  let max = 0;
  for (let k = 0; k < spec.counts.length; k++) max = Math.max(max, spec.counts[k]!);
  const scale = Math.log1p(max) || 1;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = spec.counts[j * nx + i]!;
      if (!(c > 0)) continue;
      const x = f.sx(spec.xEdges[i]!);
      const y = f.sy(spec.yEdges[j + 1]!);
      const opacity = (0.15 + (0.85 * Math.log1p(c)) / scale).toFixed(2);
      f.svg.push(
        `<rect class="cell" x="${r1(x)}" y="${r1(y)}" width="${r1(f.sx(spec.xEdges[i + 1]!) - x + 0.3)}" height="${r1(f.sy(spec.yEdges[j]!) - y + 0.3)}" fill="${spec.color}" fill-opacity="${opacity}"><title>${c} rows</title></rect>`,
      );
    }
  }
  if (spec.diagonal) {
    const lo = Math.max(xr[0], yr[0]);
    const hi = Math.min(xr[1], yr[1]);
    if (hi > lo) {
      f.svg.push(
        `<line class="series" x1="${r1(f.sx(lo))}" y1="${r1(f.sy(lo))}" x2="${r1(f.sx(hi))}" y2="${r1(f.sy(hi))}" stroke="${spec.diagonal.color}" stroke-dasharray="5 4"/>`,
      );
    }
  }
  f.svg.push("</svg>");
  const items = [{ name: "rows (darker: more)", color: spec.color, marker: true }];
  if (spec.diagonal) items.push({ name: spec.diagonal.name, color: spec.diagonal.color, marker: false });
  return figure(spec.title, legend(items.map((i) => ({ ...i, dashed: !i.marker }))), f.svg, spec.note);
}

/** CSS for the charts above; pages include it once. */
export const CHART_CSS = `figure.chart{margin:0;padding:10px 12px;border:1px solid #d0d7de;border-radius:8px;background:#fff;min-width:0}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
figure.chart svg{display:block;width:100%;height:auto;max-width:520px}
figure.chart svg.fixed{width:auto;max-width:100%}
.legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;color:#1f2328;margin-bottom:2px}
.legend .entry{display:inline-flex;align-items:center;gap:4px;white-space:nowrap}
.legend svg.swatch{width:14px;height:10px;display:inline-block}
figure.chart .note{font-size:12px;color:#59636e;margin:4px 0 0}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .plot{fill:none;stroke:#8c959f;stroke-width:1}
svg .tick{font-size:10px;fill:#59636e}
svg .axis{font-size:11px;fill:#1f2328}
svg .series{fill:none;stroke-width:2;stroke-linejoin:round}
svg .series.thin{stroke-width:1;opacity:.6}
svg .marker{stroke:#fff;stroke-width:1.5}
svg .bar{fill-opacity:.45}
svg .count{font-size:11px;fill:#1f2328}
svg .count.light{fill:#fff}
svg .cell{stroke:#fff;stroke-width:.5}`;
