/**
 * What every report, card and summary is built from: the one number formatter, the one escaper, the
 * charts (inline SVG for HTML pages, Mermaid for GitHub Markdown) and the HTML page shell.
 */
export { clip, escapeHtml, mdCode, mdLink, mdText } from "./escape";
export { formatCount, formatNumber, formatPercent, formatSeconds, formatSigned, NO_VALUE } from "./format-number";
export { htmlPage } from "./html-page";
export { textTable } from "./text-table";
export {
  type MermaidChartSpec,
  type MermaidSeries,
  mermaidXyChart,
  referenceLine,
  resample,
  roundedRange,
} from "./mermaid-chart";
export { PALETTE, paletteAt, REFERENCE } from "./palette";
export {
  type Axis,
  CHART_CSS,
  densityChart,
  heatmapChart,
  type HistogramSeries,
  histogramChart,
  type LineChartSpec,
  type LineSeries,
  lineChart,
  type Marker,
  niceTicks,
} from "./svg-chart";
