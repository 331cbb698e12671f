/**
 * report.html: the comparison as a self-contained page (inline SVG, no script, no network) — verdict,
 * metrics, rules, every curve of both models, confusion heat maps and the slices against the champion.
 */
import { METRICS } from "../metrics";
import { escapeHtml, formatCount, formatNumber, formatSeconds, formatSigned, htmlPage } from "../report";
import { contractSentence, formatTime, type Provenance, type ReportInput, who } from "./report";
import { confusionFigures, curveFigures, MAX_CLASS_CHARTS } from "./report-charts";

const e = escapeHtml;

function provenanceHtml(p: Provenance): string {
  const parts: string[] = [];
  if (p.commit) {
    const short = e(p.commit.slice(0, 7));
    parts.push(
      `commit ${p.commitUrl ? `<a href="${e(p.commitUrl)}"><code>${short}</code></a>` : `<code>${short}</code>`}`,
    );
  }
  if (p.runUrl) parts.push(`<a href="${e(p.runUrl)}">${e(p.run ?? "workflow run")}</a>`);
  else if (p.run) parts.push(e(p.run));
  parts.push(e(formatTime(p.at)));
  return `<p class="meta">For ${parts.join(" · ")}</p>`;
}

/** Green when the change is an improvement for this metric, red when it is a loss. */
function deltaClass(metric: string, delta: number | null | undefined): string {
  if (delta === null || delta === undefined || delta === 0) return "delta";
  const better = (METRICS[metric]?.greaterIsBetter ?? true) === delta > 0;
  return `delta ${better ? "better" : "worse"}`;
}

function metricsTable(r: ReportInput): string {
  const verdict = new Map<string, boolean>();
  for (const rule of r.rules) verdict.set(rule.metric, (verdict.get(rule.metric) ?? true) && rule.passed);
  const rows = Object.keys(r.candidate.metrics).map((name) => {
    const v = verdict.get(name);
    const lower = METRICS[name]?.greaterIsBetter === false ? ' <span class="muted small">lower is better</span>' : "";
    // Metric names may break after an underscore on a phone, never inside a word.
    const shown = e(name).replace(/_/g, "_<wbr>");
    const label = name === r.primaryMetric ? `<strong>${shown}</strong>` : shown;
    return `<tr><td>${label}${lower}</td><td class="num">${e(formatNumber(r.candidate.metrics[name]))}</td><td class="num">${r.champion ? e(formatNumber(r.champion.metrics[name])) : "—"}</td><td class="num ${deltaClass(name, r.deltas[name])}">${e(formatSigned(r.deltas[name]))}</td><td class="${v === undefined ? "" : v ? "pass" : "fail"}">${v === undefined ? "" : v ? "✔" : "✘"}</td></tr>`;
  });
  return `<div class="scroll"><table class="metrics"><thead><tr><th>metric</th><th class="num">candidate</th><th class="num">champion</th><th class="num">Δ</th><th>rule</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function rulesTable(r: ReportInput): string {
  if (r.rules.length === 0) return "";
  const rows = r.rules.map(
    (rule) =>
      `<tr><td class="${rule.passed ? "pass" : "fail"}">${rule.passed ? "✔" : "✘"}</td><td>${e(rule.rule)} (${e(rule.metric)})</td><td>${e(rule.detail)}</td></tr>`,
  );
  return `<h2>Rules</h2><div class="scroll"><table><thead><tr><th></th><th>rule</th><th>detail</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function slicesSection(r: ReportInput): string {
  if (!r.slices) return "";
  const s = r.slices;
  const champ = r.champion !== undefined;
  const head = champ
    ? `<tr><th>${e(s.column)}</th><th class="num">rows</th><th class="num">candidate ${e(s.metric)}</th><th class="num">champion ${e(s.metric)}</th><th class="num">Δ</th></tr>`
    : `<tr><th>${e(s.column)}</th><th class="num">rows</th><th class="num">candidate ${e(s.metric)}</th></tr>`;
  const rows = s.slices.map((x) => {
    const value = x.value === "" ? '<span class="muted">(empty)</span>' : e(x.value);
    const base = `<td>${value}</td><td class="num">${e(formatCount(x.rows))}</td><td class="num">${e(formatNumber(x.candidate[s.metric]))}</td>`;
    if (!champ) return `<tr>${base}</tr>`;
    const d = x.deltas?.[s.metric];
    return `<tr>${base}<td class="num">${e(formatNumber(x.champion?.[s.metric]))}</td><td class="num ${deltaClass(s.metric, d)}">${e(formatSigned(d))}</td></tr>`;
  });
  const what = champ
    ? "Both models on the same rows of each slice; the slice that lost most against the champion comes first."
    : "The candidate on each slice, weakest first.";
  return `<h2>Slices by <code>${e(s.column)}</code>, worst first</h2><p class="muted">${e(what)}</p><div class="scroll"><table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

export function renderCompareHtml(r: ReportInput): string {
  const good = r.decision === "promote";
  const title = `compare-models: ${r.decision.toUpperCase()} — ${who(r.candidate)}${r.champion ? ` vs ${who(r.champion)}` : ""}`;
  const figures = curveFigures(r);
  const classCount = r.classes?.length ?? 0;
  const more =
    r.task === "multiclass" && classCount > MAX_CLASS_CHARTS
      ? `<p class="muted">Curves of the first ${MAX_CLASS_CHARTS} of ${classCount} classes; report.json has every class.</p>`
      : "";
  const confusion = confusionFigures(r);
  const contract =
    r.contract.differences.length > 0
      ? `<ul>${r.contract.differences.map((d) => `<li>${e(d)}</li>`).join("")}</ul>`
      : `<p>${e(contractSentence(r))}</p>`;
  const parity = r.parity
    ? `<h2>Parity with the training framework</h2><p class="${r.parity.ok ? "pass" : "fail"}">${r.parity.ok ? "✔" : "✘"} max |onnx − reference| = ${e(formatNumber(r.parity.maxAbsDiff))} (row ${r.parity.maxAbsDiffRow}), tolerance ${e(formatNumber(r.parity.tolerance))}; ${e(formatCount(r.parity.mismatches))} of ${e(formatCount(r.parity.rows))} values outside.</p>`
    : "";
  const body = `<h1>${e(title)}</h1>
${r.provenance ? provenanceHtml(r.provenance) : ""}
<p class="verdict ${good ? "good" : "bad"}">${good ? "✔" : r.decision === "promote-breaking" ? "⚠" : "✘"} ${e(r.decision.toUpperCase())}</p>
<p>${e(r.reason)}</p>
<p class="meta">Candidate <code>${e(who(r.candidate))}</code> vs ${r.champion ? `<code>${e(who(r.champion))}</code>` : "no champion yet"} on ${e(formatCount(r.rows))} rows (${e(r.task)}, decided on <strong>${e(r.primaryMetric)}</strong>; ${e(formatSeconds(r.seconds))}).</p>
<p class="meta">${e(r.decidedBy)}</p>
<h2>Metrics</h2>
${metricsTable(r)}
${rulesTable(r)}
${figures.length > 0 ? `<h2>Curves</h2><div class="grid">${figures.join("\n")}</div>${more}` : ""}
${confusion.length > 0 ? `<h2>Confusion matrices</h2><div class="grid">${confusion.join("\n")}</div>` : ""}
${slicesSection(r)}
${parity}
<h2>Contract: ${e(r.contract.contract)}</h2>
${contract}`;
  return htmlPage(title, body);
}
