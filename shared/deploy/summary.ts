/** The job summary of a rollout: the traffic steps with their health checks, and where to look next. */
import { clip, mdText } from "../report";
import type { DeployOnlineResult } from "./deploy-online";
import type { CheckResult } from "./health-check";
import { formatTraffic } from "./traffic-plan";

function checkCells(c: CheckResult | undefined): string {
  if (!c) return "— | — | — | — | not checked";
  return `${c.requests} | ${c.errors} | ${c.p50Ms.toFixed(0)} ms | ${c.p95Ms.toFixed(0)} ms | ${c.passed ? "passed" : `**failed**: ${escapeCell(c.firstError ?? "")}`}`;
}

function escapeCell(s: string): string {
  return mdText(clip(s.replace(/\s+/g, " "), 160));
}

export function renderDeployMarkdown(r: DeployOnlineResult, modelId: string): string {
  const lines: string[] = [];
  const verdict = r.noop
    ? "already deployed, nothing changed"
    : r.failure
      ? r.rolledBack
        ? "failed, traffic restored"
        : "failed"
      : "deployed";
  lines.push(`### deploy-online: \`${r.deployment}\` on \`${r.endpoint}\` — ${verdict}`, "");
  lines.push(`Model \`${modelId}\`, strategy ${r.strategy}.`, "");
  if (r.failure) lines.push(`> **${escapeCell(r.failure)}**`, "");
  lines.push(
    "| step | traffic | requests | errors | p50 | p95 | result |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  lines.push(`| before | ${formatTraffic(r.previousTraffic)} | — | — | — | — | — |`);
  if (r.smoke) lines.push(`| smoke test (0%) | ${formatTraffic(r.previousTraffic)} | ${checkCells(r.smoke)} |`);
  r.steps.forEach((s, i) =>
    lines.push(
      `| step ${i + 1}: ${s.traffic[r.deployment] ?? 0}% | ${formatTraffic(s.traffic)} | ${checkCells(s.check)} |`,
    ),
  );
  if (r.rolledBack) lines.push(`| rollback | ${formatTraffic(r.traffic)} | — | — | — | — | restored |`);
  lines.push("");
  lines.push(`Traffic now: ${formatTraffic(r.traffic)}.`);
  if (r.retired.length > 0) lines.push(`Deleted: ${r.retired.map((n) => `\`${n}\``).join(", ")}.`);
  lines.push("", `[Endpoint in Azure ML studio](${r.studioUrl}) · scoring URI \`${r.scoringUri}\``);
  return lines.join("\n");
}
