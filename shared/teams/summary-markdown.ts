import type { ApprovalCardInput } from "./approval-card";
import { decisionTone, metricDelta, subtitle, trainingFacts } from "./approval-card";
import { mdLink as link, mdText as esc } from "../report";
import { formatDelta, formatNumber, passMark, shortSha } from "./format";

/**
 * The card's content as GitHub-flavoured Markdown, for the job summary (and dry runs): same title,
 * decision, metrics table, lineage, facts and links. `trimmed` repeats what the card left out.
 */
export function renderApprovalMarkdown(input: ApprovalCardInput, options: { trimmed?: string[] } = {}): string {
  const lines: string[] = [];
  const tone = decisionTone(input.decision);
  const icon = tone === "good" ? "✅" : tone === "attention" ? "⛔" : "ℹ️";
  lines.push(`### ${esc(input.title)}`, "");
  lines.push(subtitle(input, esc), "");
  if (input.mention && input.requestApproval !== false)
    lines.push(`Approval requested from ${esc(input.mention.name)}.`, "");
  lines.push(
    `${icon} **Decision: ${esc(input.decision.toUpperCase())}** — ${esc(input.reason || "(no reason given)")}`,
    "",
  );

  if (input.metrics.length > 0) {
    lines.push("| Metric | Candidate | Champion | Δ | Rule |", "| --- | ---: | ---: | ---: | :---: |");
    for (const m of input.metrics) {
      const delta = metricDelta(m);
      lines.push(
        `| ${esc(m.name)} | ${formatNumber(m.candidate)} | ${formatNumber(m.champion)} | ${formatDelta(delta)} | ${passMark(m.passed)} |`,
      );
    }
    lines.push("");
  }

  const l = input.lineage ?? {};
  const facts: [string, string][] = [["Environment", esc(input.environment)]];
  if (l.repository) facts.push(["Repository", esc(l.repository)]);
  if (l.commit) facts.push(["Commit", link(shortSha(l.commit), l.commitUrl)]);
  if (l.pullRequest) {
    const label = `#${l.pullRequest.number}${l.pullRequest.title ? ` ${l.pullRequest.title}` : ""}`;
    facts.push(["Pull request", link(label, l.pullRequest.url ?? input.links.pullRequest)]);
  }
  if (l.runUrl) facts.push(["Run", link(l.workflow ?? "workflow run", l.runUrl)]);
  facts.push(...trainingFacts(l.training, link));
  if (l.actor) facts.push(["Triggered by", esc(l.actor)]);
  for (const f of input.facts ?? []) facts.push([esc(f.title), esc(f.value)]);
  lines.push("| | |", "| --- | --- |", ...facts.map(([k, v]) => `| ${k} | ${v} |`), "");

  const buttons = [
    input.requestApproval === false
      ? `[Workflow run](${input.links.approve})`
      : `[Review and approve](${input.links.approve})`,
  ];
  if (input.links.pullRequest) buttons.push(`[Pull request](${input.links.pullRequest})`);
  if (input.links.report) buttons.push(`[Report](${input.links.report})`);
  lines.push(buttons.join(" · "), "");
  if (options.trimmed && options.trimmed.length > 0) {
    lines.push(
      `> The Teams card was trimmed to fit the message size limit: ${options.trimmed.map(esc).join(", ")}.`,
      "",
    );
  }
  return lines.join("\n");
}
