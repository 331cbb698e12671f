/** The compare-models report: the job summary, the PR comment and report.md are this Markdown. */
import { METRICS } from "../metrics";
import { formatCount, formatNumber, formatSeconds, formatSigned, mdCode, mdLink, mdText } from "../report";
import type { CompareResult } from "./compare";
import { curveMermaid } from "./report-charts";

export type ReportInput = Omit<CompareResult, "markdown" | "reportPath" | "jsonPath" | "htmlPath">;

/** Which commit and run a report describes, so a reader can tell whether it is current. */
export interface Provenance {
  /** Full commit SHA (for a pull request: its head commit). */
  commit?: string;
  commitUrl?: string;
  runUrl?: string;
  /** e.g. "run 4242 (attempt 2)". */
  run?: string;
  /** ISO 8601, when the report was made. */
  at: string;
}

/** `name@version` for a registry model, the file name for a file (its folder says nothing to a reviewer). */
export function who(m: { label: string; name?: string; version?: number }): string {
  return m.name && m.version !== undefined ? `${m.name}@${m.version}` : (m.label.split(/[\\/]/).pop() ?? m.label);
}

/** "2026-05-04 09:12 UTC" */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** One line: commit, run and time, as GitHub renders them (short SHA linked to the commit). */
export function provenanceLine(p: Provenance): string {
  const parts: string[] = [];
  if (p.commit)
    parts.push(
      `commit ${p.commitUrl ? `[\`${p.commit.slice(0, 7)}\`](${p.commitUrl})` : mdCode(p.commit.slice(0, 7), "inline")}`,
    );
  if (p.runUrl) parts.push(mdLink(p.run ?? "workflow run", p.runUrl));
  else if (p.run) parts.push(mdText(p.run));
  parts.push(formatTime(p.at));
  return `<sub>For ${parts.join(" · ")}</sub>`;
}

function confusionTable(title: string, cm: number[][], classes: string[] | undefined): string[] {
  const names = classes ?? cm.map((_, i) => String(i));
  const lines = [
    `**${mdText(title)}** (rows: true class, columns: predicted)`,
    "",
    `| | ${names.map(mdText).join(" | ")} |`,
  ];
  lines.push(`| --- | ${names.map(() => "---:").join(" | ")} |`);
  for (const [i, row] of cm.entries())
    lines.push(`| **${mdText(names[i] ?? String(i))}** | ${row.map(formatCount).join(" | ")} |`);
  lines.push("");
  return lines;
}

function slicesTable(r: ReportInput): string[] {
  const s = r.slices!;
  const m = s.metric;
  const lower = METRICS[m]?.greaterIsBetter === false;
  const champ = r.champion !== undefined;
  const lines = [
    `### Slices by ${mdCode(s.column, "inline")}, worst first`,
    "",
    champ
      ? `Each slice's **${m}** for both models on the same rows${lower ? " (lower is better)" : ""}; the slice that lost most against the champion comes first.`
      : `The candidate's **${m}** per slice${lower ? " (lower is better)" : ""}, weakest first.`,
    "",
    champ ? `| ${mdText(s.column)} | rows | candidate | champion | Δ |` : `| ${mdText(s.column)} | rows | candidate |`,
    champ ? "| --- | ---: | ---: | ---: | ---: |" : "| --- | ---: | ---: |",
  ];
  for (const x of s.slices) {
    const base = `| ${x.value === "" ? "*(empty)*" : mdText(x.value)} | ${formatCount(x.rows)} | ${formatNumber(x.candidate[m])}`;
    lines.push(champ ? `${base} | ${formatNumber(x.champion?.[m])} | ${formatSigned(x.deltas?.[m])} |` : `${base} |`);
  }
  lines.push("");
  return lines;
}

export function renderCompareMarkdown(r: ReportInput): string {
  const lines: string[] = [];
  const icon = r.decision === "promote" ? "✅" : r.decision === "promote-breaking" ? "⚠️" : "⛔";
  lines.push(`## ${icon} compare-models: ${r.decision.toUpperCase()}`, "", mdText(r.reason), "");
  if (r.provenance) lines.push(provenanceLine(r.provenance), "");
  const champ = r.champion ? mdCode(who(r.champion), "inline") : "no champion yet";
  lines.push(
    `Candidate ${mdCode(who(r.candidate), "inline")} vs ${champ} on ${formatCount(r.rows)} rows (${r.task}, decided on **${r.primaryMetric}**; ${formatSeconds(r.seconds)}).`,
    "",
    mdText(r.decidedBy),
    "",
  );

  // Which rules looked at each metric, and whether all of them passed.
  const verdict = new Map<string, boolean>();
  for (const rule of r.rules) verdict.set(rule.metric, (verdict.get(rule.metric) ?? true) && rule.passed);
  const names = Object.keys(r.candidate.metrics);
  lines.push("| metric | candidate | champion | Δ | rule |", "| --- | ---: | ---: | ---: | :---: |");
  for (const name of names) {
    const better = METRICS[name]?.greaterIsBetter === false ? " (lower is better)" : "";
    const v = verdict.get(name);
    const mark = v === undefined ? "" : v ? "✔" : "✘";
    const label = name === r.primaryMetric ? `**${name}**` : name;
    lines.push(
      `| ${label}${better} | ${formatNumber(r.candidate.metrics[name])} | ${r.champion ? formatNumber(r.champion.metrics[name]) : "—"} | ${formatSigned(r.deltas[name])} | ${mark} |`,
    );
  }
  lines.push("");
  const notes = Object.entries(r.candidate.notes);
  if (notes.length > 0) lines.push(...notes.map(([m, n]) => `- \`${m}\`: ${mdText(n)}`), "");

  if (r.rules.length > 0) {
    lines.push("### Rules", "", "| | rule | detail |", "| :---: | --- | --- |");
    for (const rule of r.rules)
      lines.push(`| ${rule.passed ? "✔" : "✘"} | ${rule.rule} (${rule.metric}) | ${mdText(rule.detail)} |`);
    lines.push("");
  }

  const charts = curveMermaid(r);
  if (charts.length > 0) {
    const what =
      r.task === "binary"
        ? "ROC, precision-recall, calibration and score histogram"
        : r.task === "multiclass"
          ? "ROC of each class against the rest"
          : "mean actual per predicted value and residuals";
    lines.push("### Curves", "", `<details open><summary>${what}</summary>`, "");
    for (const c of charts) lines.push(c, "");
    lines.push("</details>", "");
  }

  if (r.candidate.confusion) {
    lines.push("### Confusion matrices", "");
    lines.push(...confusionTable(`candidate ${who(r.candidate)}`, r.candidate.confusion, r.classes));
    if (r.champion?.confusion)
      lines.push(...confusionTable(`champion ${who(r.champion)}`, r.champion.confusion, r.classes));
  }

  if (r.slices) lines.push(...slicesTable(r));

  if (r.parity) {
    const p = r.parity;
    lines.push(
      "### Parity with the training framework",
      "",
      `${p.ok ? "✔" : "✘"} max |onnx − reference| = ${formatNumber(p.maxAbsDiff)} (row ${p.maxAbsDiffRow}), tolerance ${formatNumber(p.tolerance)}; ${formatCount(p.mismatches)} of ${formatCount(p.rows)} values outside.`,
      "",
    );
  }

  lines.push(
    `### Contract: ${r.contract.contract}`,
    "",
    r.contract.differences.length > 0
      ? r.contract.differences.map((d) => `- ${mdText(d)}`).join("\n")
      : mdText(contractSentence(r)),
    "",
    "The full report with every curve is report.html, beside report.md and report.json.",
    "",
  );
  if (r.candidateInterface)
    lines.push(
      "<details><summary>The candidate's inputs and outputs, as an interface file</summary>",
      "",
      `${yamlFence(r.candidateInterface)}yaml`,
      r.candidateInterface.trimEnd(),
      yamlFence(r.candidateInterface),
      "",
      "</details>",
      "",
    );
  return lines.join("\n");
}

/** A code fence longer than any run of backticks in the text, so names from the model cannot close it. */
function yamlFence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(longest + 1);
}

/** The contract section's sentence when there are no differences: what was checked, or why nothing was. */
export function contractSentence(r: Pick<ReportInput, "contract">): string {
  if (r.contract.contract !== "compatible")
    return "Not checked: no champion and no interface file. Set interface: to the file of inputs and outputs the applications use, so a first release is checked too.";
  const against = r.contract.checkedAgainst
    .map((c) => (c === "champion" ? "the champion's" : `${r.contract.interfaceFile ?? "the interface"}'s`))
    .join(" and ");
  return `Inputs and outputs match ${against} names, types and fixed dimensions.`;
}
