/**
 * The comparison's curves as charts, twice from the same data: inline SVG figures for report.html, and
 * Mermaid xycharts for the Markdown GitHub renders (job summary, PR comment).
 */
import type { BinaryCurves, ModelCurves, RegressionPlots } from "../metrics";
import {
  formatNumber,
  heatmapChart,
  histogramChart,
  type LineSeries,
  lineChart,
  type Marker,
  mermaidXyChart,
  densityChart,
  PALETTE,
  paletteAt,
  REFERENCE,
  referenceLine,
  resample,
  roundedRange,
} from "../report";
import type { ModelSummary } from "./compare";

const CANDIDATE = PALETTE[0]!;
const CHAMPION = PALETTE[1]!;
/** Classes drawn one by one (one-vs-rest); the rest are named in a note. */
export const MAX_CLASS_CHARTS = 8;
/** Points per Mermaid line: enough for a smooth curve, small enough for a comment. */
const GRID = 21;

interface Models {
  candidate: ModelSummary;
  champion?: ModelSummary;
  classes?: string[];
}

type Side = { name: "candidate" | "champion"; color: { color: string; name: string }; curves: ModelCurves };

function sides(r: Models): Side[] {
  const out: Side[] = [];
  if (r.candidate.curves) out.push({ name: "candidate", color: CANDIDATE, curves: r.candidate.curves });
  if (r.champion?.curves) out.push({ name: "champion", color: CHAMPION, curves: r.champion.curves });
  return out;
}

function binaryOf(s: Side): BinaryCurves | undefined {
  return s.curves.task === "binary" ? s.curves.binary : undefined;
}

/** The interpolated precision (highest precision at any recall ≥ r), the usual way to draw PR curves. */
function interpolatedPrecision(c: BinaryCurves): { recall: number[]; precision: number[] } {
  const recall = c.pr.recall;
  const precision = [...c.pr.precision];
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  return { recall, precision };
}

function operatingText(s: Side, c: BinaryCurves): string | undefined {
  const o = c.operating;
  if (!o) return undefined;
  return `${s.name}: TPR ${formatNumber(o.tpr)} at FPR ${formatNumber(o.fpr)}, precision ${formatNumber(o.precision)}`;
}

/** Shares of each class's rows per score bin, so a rare class is as visible as a common one. */
function shares(values: number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => (total > 0 ? v / total : 0));
}

function binaryFigures(list: Side[]): string[] {
  const pairs = list.map((s) => ({ s, c: binaryOf(s)! })).filter((p) => p.c);
  if (pairs.length === 0) return [];
  const figures: string[] = [];
  const markers = (pick: (c: BinaryCurves) => [number, number] | undefined): Marker[] =>
    pairs.flatMap(({ s, c }) => {
      const at = pick(c);
      return at && c.operating
        ? [
            {
              x: at[0],
              y: at[1],
              color: s.color.color,
              label: `${s.name} at threshold ${formatNumber(c.operating.threshold)}`,
            },
          ]
        : [];
    });
  const ops = pairs.map(({ s, c }) => operatingText(s, c)).filter(Boolean);
  figures.push(
    lineChart({
      title: "ROC curve",
      x: { label: "False positive rate", min: 0, max: 1 },
      y: { label: "True positive rate", min: 0, max: 1 },
      series: [
        ...pairs.map(({ s, c }) => ({ name: s.name, color: s.color.color, x: c.roc.fpr, y: c.roc.tpr })),
        { name: "chance", color: REFERENCE.color, x: [0, 1], y: [0, 1], dashed: true },
      ],
      markers: markers((c) => (c.operating ? [c.operating.fpr, c.operating.tpr] : undefined)),
      ...(ops.length ? { note: `Operating threshold: ${ops.join("; ")}.` } : {}),
    }),
  );
  const prevalence = pairs[0]!.c.positives / (pairs[0]!.c.positives + pairs[0]!.c.negatives);
  figures.push(
    lineChart({
      title: "Precision-recall curve",
      x: { label: "Recall", min: 0, max: 1 },
      y: { label: "Precision", min: 0, max: 1 },
      series: [
        ...pairs.map(({ s, c }) => ({ name: s.name, color: s.color.color, x: c.pr.recall, y: c.pr.precision })),
        {
          name: `no skill (${formatNumber(prevalence)})`,
          color: REFERENCE.color,
          x: [0, 1],
          y: [prevalence, prevalence],
          dashed: true,
        },
      ],
      markers: markers((c) =>
        c.operating && c.operating.precision !== null ? [c.operating.recall, c.operating.precision] : undefined,
      ),
    }),
  );
  const calibrated = pairs.filter(({ c }) => c.calibration);
  if (calibrated.length > 0) {
    figures.push(
      lineChart({
        title: "Calibration (reliability)",
        x: { label: "Mean predicted probability", min: 0, max: 1 },
        y: { label: "Fraction of positives", min: 0, max: 1 },
        series: [
          ...calibrated.map(({ s, c }) => ({
            name: s.name,
            color: s.color.color,
            x: c.calibration!.meanPredicted,
            y: c.calibration!.fractionPositive,
            dots: true,
          })),
          { name: "perfectly calibrated", color: REFERENCE.color, x: [0, 1], y: [0, 1], dashed: true },
        ],
        note: "Ten equal-width bins of the predicted probability; empty bins are left out.",
      }),
    );
  }
  for (const { s, c } of pairs) {
    figures.push(
      histogramChart({
        title: `Score histogram, ${s.name}`,
        x: { label: "Score (predicted probability of the positive class)" },
        y: { label: "Share of the class's rows" },
        edges: c.histogram.edges,
        series: [
          { name: "negatives", color: paletteAt(6).color, values: shares(c.histogram.negative) },
          { name: "positives", color: paletteAt(7).color, values: shares(c.histogram.positive) },
        ],
      }),
    );
  }
  return figures;
}

function multiclassFigures(list: Side[], classes: string[] | undefined): string[] {
  const per = list.map((s) => ({ s, c: s.curves.task === "multiclass" ? s.curves.classes : [] }));
  const count = Math.max(0, ...per.map((p) => p.c.length));
  const figures: string[] = [];
  for (let k = 0; k < Math.min(count, MAX_CLASS_CHARTS); k++) {
    const name = classes?.[k] ?? String(k);
    const series: LineSeries[] = per
      .filter((p) => p.c[k])
      .map((p) => ({ name: p.s.name, color: p.s.color.color, x: p.c[k]!.roc.fpr, y: p.c[k]!.roc.tpr }));
    figures.push(
      lineChart({
        title: `ROC, class ${name} vs rest`,
        x: { label: "False positive rate", min: 0, max: 1 },
        y: { label: "True positive rate", min: 0, max: 1 },
        series: [...series, { name: "chance", color: REFERENCE.color, x: [0, 1], y: [0, 1], dashed: true }],
      }),
    );
    const prSeries: LineSeries[] = per
      .filter((p) => p.c[k])
      .map((p) => ({ name: p.s.name, color: p.s.color.color, x: p.c[k]!.pr.recall, y: p.c[k]!.pr.precision }));
    figures.push(
      lineChart({
        title: `Precision-recall, class ${name} vs rest`,
        x: { label: "Recall", min: 0, max: 1 },
        y: { label: "Precision", min: 0, max: 1 },
        series: prSeries,
      }),
    );
  }
  return figures;
}

function regressionFigures(list: Side[]): string[] {
  const pairs = list
    .map((s) => ({ s, r: s.curves.task === "regression" ? s.curves.regression : undefined }))
    .filter((p): p is { s: Side; r: RegressionPlots } => p.r !== undefined);
  if (pairs.length === 0) return [];
  const figures: string[] = [];
  for (const { s, r } of pairs) {
    const e = r.predictedVsActual.edges;
    figures.push(
      densityChart({
        title: `Predicted vs actual, ${s.name}`,
        x: { label: "Predicted" },
        y: { label: "Actual" },
        xEdges: e,
        yEdges: e,
        counts: r.predictedVsActual.counts,
        color: s.color.color,
        diagonal: { name: "predicted = actual", color: REFERENCE.color },
      }),
    );
  }
  const range = roundedRange(pairs.flatMap(({ r }) => [r.byPredicted.meanPredicted, r.byPredicted.meanActual]));
  figures.push(
    lineChart({
      title: "Mean actual per predicted value",
      x: { label: "Predicted", ...range },
      y: { label: "Mean actual", ...range },
      series: [
        ...pairs.map(({ s, r }) => ({
          name: s.name,
          color: s.color.color,
          x: r.byPredicted.meanPredicted,
          y: r.byPredicted.meanActual,
          dots: true,
        })),
        {
          name: "predicted = actual",
          color: REFERENCE.color,
          x: [range.min, range.max],
          y: [range.min, range.max],
          dashed: true,
        },
      ],
      note: "Rows binned by their prediction (40 bins); each dot is the bin's mean prediction and mean actual value.",
    }),
  );
  figures.push(
    lineChart({
      title: "Residuals (actual − predicted)",
      x: { label: "Residual" },
      y: { label: "Share of rows", min: 0 },
      series: pairs.map(({ s, r }) => {
        const e = r.residuals.edges;
        return {
          name: s.name,
          color: s.color.color,
          x: e.slice(0, -1).map((lo, i) => (lo + e[i + 1]!) / 2),
          y: shares(r.residuals.counts),
        };
      }),
    }),
  );
  return figures;
}

/** Confusion matrices as heat maps (classification). */
export function confusionFigures(r: Models): string[] {
  const out: string[] = [];
  for (const [s, color] of [
    [r.candidate, CANDIDATE.color],
    [r.champion, CHAMPION.color],
  ] as const) {
    if (!s?.confusion) continue;
    const names = r.classes ?? s.confusion.map((_, i) => String(i));
    out.push(
      heatmapChart({
        title: `Confusion matrix, ${s === r.candidate ? "candidate" : "champion"}`,
        rows: names,
        columns: names,
        values: s.confusion,
        rowAxis: "True class",
        columnAxis: "Predicted class",
        color,
      }),
    );
  }
  return out;
}

/** SVG figures of every curve both models have. */
export function curveFigures(r: Models): string[] {
  const list = sides(r);
  const task = r.candidate.curves?.task;
  if (task === "binary") return binaryFigures(list);
  if (task === "multiclass") return multiclassFigures(list, r.classes);
  if (task === "regression") return regressionFigures(list);
  return [];
}

const unit = { min: 0, max: 1 };
/** A y axis from 0 to a little above the largest value. */
const upTo = (values: number[]) => ({ min: 0, max: roundedRange([[0, Math.max(0.01, ...values)]]).max });

/** Mermaid charts (in ```mermaid blocks) with a line of text after each where the chart cannot say it. */
export function curveMermaid(r: Models): string[] {
  const list = sides(r);
  const task = r.candidate.curves?.task;
  const out: string[] = [];
  if (task === "binary") {
    const pairs = list.map((s) => ({ s, c: binaryOf(s)! })).filter((p) => p.c);
    out.push(
      mermaidXyChart({
        title: "ROC",
        x: { label: "False positive rate", ...unit },
        y: { label: "True positive rate", ...unit },
        series: [
          ...pairs.map(({ s, c }) => ({ name: s.name, color: s.color, values: resample(c.roc.fpr, c.roc.tpr, GRID) })),
          referenceLine("chance", GRID),
        ],
      }),
    );
    const ops = pairs.map(({ s, c }) => operatingText(s, c)).filter(Boolean);
    if (ops.length > 0) {
      out.push(`Operating threshold ${formatNumber(pairs[0]!.c.operating!.threshold)}: ${ops.join("; ")}.`);
    }
    out.push(
      mermaidXyChart({
        title: "Precision-recall",
        x: { label: "Recall", ...unit },
        y: { label: "Precision", ...unit },
        series: pairs.map(({ s, c }) => {
          const ip = interpolatedPrecision(c);
          return { name: s.name, color: s.color, values: resample(ip.recall, ip.precision, GRID) };
        }),
      }),
    );
    const calibrated = pairs.filter(({ c }) => c.calibration && c.calibration.meanPredicted.length > 1);
    if (calibrated.length > 0) {
      out.push(
        mermaidXyChart({
          title: "Calibration",
          x: { label: "Mean predicted probability", ...unit },
          y: { label: "Fraction of positives", ...unit },
          series: [
            ...calibrated.map(({ s, c }) => ({
              name: s.name,
              color: s.color,
              values: resample(c.calibration!.meanPredicted, c.calibration!.fractionPositive, 11),
            })),
            referenceLine("perfect", 11),
          ],
        }),
      );
    }
    const cand = pairs.find((p) => p.s.name === "candidate");
    if (cand) {
      const e = cand.c.histogram.edges;
      const mids = e.slice(0, -1).map((lo, i) => (lo + e[i + 1]!) / 2);
      const [lo, hi] = [e[0]!, e[e.length - 1]!];
      const neg = resample(mids, shares(cand.c.histogram.negative), GRID, lo, hi);
      const pos = resample(mids, shares(cand.c.histogram.positive), GRID, lo, hi);
      out.push(
        mermaidXyChart({
          title: "Candidate scores by class",
          x: { label: "Score", min: lo, max: hi },
          y: { label: "Share of the class's rows", ...upTo([...neg, ...pos]) },
          series: [
            { name: "negatives", color: paletteAt(6), values: neg },
            { name: "positives", color: paletteAt(7), values: pos },
          ],
        }),
      );
    }
  } else if (task === "multiclass") {
    const per = list.map((s) => ({ s, c: s.curves.task === "multiclass" ? s.curves.classes : [] }));
    const count = Math.max(0, ...per.map((p) => p.c.length));
    for (let k = 0; k < Math.min(count, MAX_CLASS_CHARTS); k++) {
      out.push(
        mermaidXyChart({
          title: `ROC of class ${r.classes?.[k] ?? k}`,
          x: { label: "False positive rate", ...unit },
          y: { label: "True positive rate", ...unit },
          series: [
            ...per
              .filter((p) => p.c[k])
              .map((p) => ({
                name: p.s.name,
                color: p.s.color,
                values: resample(p.c[k]!.roc.fpr, p.c[k]!.roc.tpr, GRID),
              })),
            referenceLine("chance", GRID),
          ],
        }),
      );
    }
  } else if (task === "regression") {
    const pairs = list
      .map((s) => ({ s, r: s.curves.task === "regression" ? s.curves.regression : undefined }))
      .filter((p): p is { s: Side; r: RegressionPlots } => p.r !== undefined);
    const range = roundedRange(pairs.flatMap(({ r: p }) => [p.byPredicted.meanPredicted, p.byPredicted.meanActual]));
    out.push(
      mermaidXyChart({
        title: "Mean actual by prediction",
        x: { label: "Predicted", ...range },
        y: { label: "Mean actual", ...range },
        series: [
          ...pairs.map(({ s, r: p }) => ({
            name: s.name,
            color: s.color,
            values: resample(p.byPredicted.meanPredicted, p.byPredicted.meanActual, GRID, range.min, range.max),
          })),
          referenceLine("predicted = actual", GRID, range.min, range.max),
        ],
      }),
    );
    const mids = (e: number[]) => e.slice(0, -1).map((lo, i) => (lo + e[i + 1]!) / 2);
    const rr = roundedRange(pairs.map(({ r: p }) => p.residuals.edges));
    const lines = pairs.map(({ s, r: p }) => ({
      name: s.name,
      color: s.color,
      values: resample(mids(p.residuals.edges), shares(p.residuals.counts), GRID, rr.min, rr.max).map((v, i, all) => {
        // Outside a model's own residual range its share is 0, not the edge value.
        const t = rr.min + ((rr.max - rr.min) * i) / (all.length - 1);
        const e = p.residuals.edges;
        return t < e[0]! || t > e[e.length - 1]! ? 0 : v;
      }),
    }));
    out.push(
      mermaidXyChart({
        title: "Residuals",
        x: { label: "Residual (actual − predicted)", ...rr },
        y: { label: "Share of rows", ...upTo(lines.flatMap((l) => l.values)) },
        series: lines,
      }),
    );
  }
  return out;
}
