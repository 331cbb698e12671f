import { mdText } from "../report";
import type { DriftResult, FeatureDrift, ReportMeta } from "./detect-drift";
import { formatNumber, METHOD_NAMES, verdictRule } from "./drift-report-html";

type Result = Omit<DriftResult, "reportHtml" | "reportMarkdown">;

const cell = mdText;

function row(f: FeatureDrift): string {
  return `| ${cell(f.feature)} | ${f.kind} | ${METHOD_NAMES[f.method]} | ${cell(verdictRule(f))} | ${f.drifted ? "🔴 drift" : "🟢 no drift"} |`;
}

/** Markdown for the job summary: verdict, share and one row per feature (drifted first). */
export function renderDriftMarkdown(result: Result, meta: ReportMeta): string {
  const drifted = result.features.filter((f) => f.drifted).length;
  const lines = [
    `### ${result.drifted ? "🔴 Dataset drift detected" : "🟢 No dataset drift"}: ${cell(meta.title)}`,
    "",
    `${drifted} of ${result.features.length} features drifted (share ${formatNumber(result.driftShare)}, threshold ${formatNumber(result.driftShareThreshold)}). Reference ${meta.referenceRows} rows, current ${meta.currentRows} rows.`,
    "",
    "| Feature | Kind | Method | Score vs threshold | Verdict |",
    "|---|---|---|---|---|",
    ...[...result.features].sort((a, b) => Number(b.drifted) - Number(a.drifted)).map(row),
  ];
  if (result.prediction) {
    lines.push(
      "",
      `Prediction drift: ${METHOD_NAMES[result.prediction.method]} ${verdictRule(result.prediction)}, ${result.prediction.drifted ? "🔴 drift" : "🟢 no drift"}.`,
    );
  }
  if (result.leftOut.length > 0)
    lines.push(
      "",
      `Not compared: ${result.leftOut.map((l) => `${cell(l.column)} (${l.why})`).join(", ")}. List features: to compare them.`,
    );
  lines.push("", "The full report with histograms per feature is the HTML artifact.");
  return `${lines.join("\n")}\n`;
}
