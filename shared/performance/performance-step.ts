/**
 * The monitor-performance action's use case: the baseline (numbers given, or the held-out metrics in a model's
 * card), the join and the metrics, then the report for the job summary and report.md / windows.json.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors";
import type { Logger } from "../log";
import { parseModelSpec } from "../models";
import { openRegistry } from "../registry";
import { ensureOutputDir } from "../user-files";
import { type LivePerformanceOptions, type LivePerformanceResult, livePerformance } from "./live-performance";

export interface PerformanceStepOptions extends Omit<LivePerformanceOptions, "baseline" | "output"> {
  /** The joined rows are written to report-dir as labelled.parquet, or labelled.csv with outputFormat csv. */
  baseline?: Record<string, number>;
  /** A registry model whose card metrics are the baseline (e.g. failure-predictor@champion). */
  baselineModel?: string;
  registry?: string;
  reportDir: string;
  logger?: Logger;
}

export interface PerformanceStepResult extends LivePerformanceResult {
  reportPath: string;
  markdown: string;
  baselineSource: string;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(4));
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export async function runMonitorPerformance(o: PerformanceStepOptions): Promise<PerformanceStepResult> {
  let baseline = o.baseline && Object.keys(o.baseline).length > 0 ? o.baseline : undefined;
  let baselineSource = "given";
  if (!baseline && o.baselineModel) {
    const spec = parseModelSpec(o.baselineModel, o.registry);
    const card = await openRegistry(spec.registry, { env: o.env ?? process.env }).resolve(
      spec.ref ?? o.baselineModel,
      "baseline-model",
    );
    baseline = card.metrics;
    baselineSource = `${card.name}@${card.version}'s held-out metrics`;
  }
  if (!baseline) {
    throw new UserError(
      "baseline: nothing to compare the live metrics with (got no baseline and no baseline-model). Set baseline-model: to the deployed model (e.g. failure-predictor@champion), or baseline: to the metrics, e.g. {roc_auc: 0.93}.",
    );
  }
  await ensureOutputDir(o.reportDir, "report-dir");
  const output = join(o.reportDir, o.outputFormat === "csv" ? "labelled.csv" : "labelled.parquet");
  const r = await livePerformance({ ...o, baseline, output });
  const metrics = [r.primaryMetric, ...Object.keys(r.maxDrop).filter((m) => m !== r.primaryMetric)];
  const lines = [
    `## Live performance: ${r.degraded ? "**degraded**, retrain" : "holding"}`,
    "",
    `${r.labelled} of ${r.predictions} captured prediction rows have a label in time (${r.late} labels outside the window). ` +
      `Baseline: ${baselineSource}; a window with at least the minimum of labelled rows is degraded when ${Object.entries(
        r.maxDrop,
      )
        .map(([m, d]) => `${m} is ${d} worse than the baseline`)
        .join(" or ")}.`,
    "",
    `| ${["plant", "window", "rows", ...metrics.map((m) => `${m} (baseline ${fmt(r.baseline?.[m])})`), "verdict"].join(" | ")} |`,
    `| ${["---", "---", "---:", ...metrics.map(() => "---:"), "---"].join(" | ")} |`,
    ...r.windows.map(
      (w) =>
        `| ${[cell(w.group || "–"), w.window.replace(/T00:00:00\.000Z$/, ""), String(w.rows), ...metrics.map((m) => `${fmt(w.metrics[m])}${w.drops[m] !== undefined ? ` (${w.drops[m]! > 0 ? "−" : "+"}${Math.abs(w.drops[m]!).toFixed(4)})` : ""}`), w.degraded ? "**degraded**" : w.judged ? "ok" : "too few labels"].join(" | ")} |`,
    ),
    `| ${["all", "", String(r.labelled), ...metrics.map((m) => fmt(r.overall[m])), ""].join(" | ")} |`,
    "",
  ];
  const markdown = lines.join("\n");
  const reportPath = join(o.reportDir, "report.md");
  await writeFile(reportPath, markdown);
  await writeFile(join(o.reportDir, "windows.json"), `${JSON.stringify(r.windows, null, 2)}\n`);
  return { ...r, reportPath, markdown, baselineSource };
}
