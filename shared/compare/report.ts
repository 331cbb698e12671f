/** The compare-models report: the job summary, the PR comment and report.md are this Markdown. */
import { formatMetric } from "../decide";
import { METRICS } from "../metrics";
import type { CompareResult } from "./compare";

type ReportInput = Omit<CompareResult, "markdown" | "reportPath" | "jsonPath">;

const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "–" : formatMetric(v));
const signed = (v: number | null | undefined) =>
  v === null || v === undefined ? "–" : v > 0 ? `+${formatMetric(v)}` : formatMetric(v);

function who(m: { label: string; name?: string; version?: number }): string {
  return m.name && m.version !== undefined ? `${m.name}@${m.version}` : m.label;
}

function confusionTable(title: string, cm: number[][], classes: string[] | undefined): string[] {
  const names = classes ?? cm.map((_, i) => String(i));
  const lines = [`**${esc(title)}** (rows: true class, columns: predicted)`, "", `| | ${names.map(esc).join(" | ")} |`];
  lines.push(`| --- | ${names.map(() => "---:").join(" | ")} |`);
  for (const [i, row] of cm.entries()) lines.push(`| **${esc(names[i] ?? String(i))}** | ${row.join(" | ")} |`);
  lines.push("");
  return lines;
}

export function renderCompareMarkdown(r: ReportInput): string {
  const lines: string[] = [];
  const icon = r.decision === "promote" ? "✅" : r.decision === "promote-breaking" ? "⚠️" : "⛔";
  lines.push(`## ${icon} compare-models: ${r.decision.toUpperCase()}`, "", esc(r.reason), "");
  const champ = r.champion ? `\`${esc(who(r.champion))}\`` : "no champion yet";
  lines.push(
    `Candidate \`${esc(who(r.candidate))}\` vs ${champ} on ${r.rows.toLocaleString("en-US")} rows (${r.task}, decided on **${r.primaryMetric}**; ${r.seconds.toFixed(1)} s).`,
    "",
    esc(r.decidedBy),
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
      `| ${label}${better} | ${fmt(r.candidate.metrics[name])} | ${r.champion ? fmt(r.champion.metrics[name]) : "–"} | ${signed(r.deltas[name])} | ${mark} |`,
    );
  }
  lines.push("");
  const notes = Object.entries(r.candidate.notes);
  if (notes.length > 0) lines.push(...notes.map(([m, n]) => `- \`${m}\`: ${esc(n)}`), "");

  if (r.rules.length > 0) {
    lines.push("### Rules", "", "| | rule | detail |", "| :---: | --- | --- |");
    for (const rule of r.rules)
      lines.push(`| ${rule.passed ? "✔" : "✘"} | ${rule.rule} (${rule.metric}) | ${esc(rule.detail)} |`);
    lines.push("");
  }

  if (r.candidate.confusion) {
    lines.push("### Confusion matrices", "");
    lines.push(...confusionTable(`candidate ${who(r.candidate)}`, r.candidate.confusion, r.classes));
    if (r.champion?.confusion)
      lines.push(...confusionTable(`champion ${who(r.champion)}`, r.champion.confusion, r.classes));
  }

  if (r.slices) {
    const primary = r.primaryMetric;
    lines.push(
      `### Slices by \`${esc(r.slices.column)}\` (candidate)`,
      "",
      `| ${esc(r.slices.column)} | rows | ${primary} |`,
      "| --- | ---: | ---: |",
    );
    for (const s of r.slices.candidate) lines.push(`| ${esc(s.value)} | ${s.rows} | ${fmt(s.metrics[primary])} |`);
    lines.push("");
  }

  if (r.parity) {
    const p = r.parity;
    lines.push(
      "### Parity with the training framework",
      "",
      `${p.ok ? "✔" : "✘"} max |onnx − reference| = ${p.maxAbsDiff.toExponential(2)} (row ${p.maxAbsDiffRow}), tolerance ${p.tolerance}; ${p.mismatches} of ${p.rows} values outside.`,
      "",
    );
  }

  const against = r.contract.checkedAgainst
    .map((c) => (c === "champion" ? "the champion's" : `${r.contract.interfaceFile ?? "the interface"}'s`))
    .join(" and ");
  lines.push(
    `### Contract: ${r.contract.contract}`,
    "",
    r.contract.differences.length > 0
      ? r.contract.differences.map((d) => `- ${esc(d)}`).join("\n")
      : r.contract.contract === "compatible"
        ? `Inputs and outputs match ${against} names, types and fixed dimensions.`
        : "Not checked: no champion and no interface file. Set interface: to the file of inputs and outputs the applications use, so a first release is checked too.",
    "",
  );
  if (r.candidateInterface)
    lines.push(
      "<details><summary>The candidate's inputs and outputs, as an interface file</summary>",
      "",
      "```yaml",
      r.candidateInterface.trimEnd(),
      "```",
      "",
      "</details>",
      "",
    );
  return lines.join("\n");
}
