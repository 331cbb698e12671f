import { escapeHtml, formatNumber, htmlPage } from "../report";
import type { DriftResult, FeatureDrift, ReportMeta } from "./detect-drift";

type Result = Omit<DriftResult, "reportHtml" | "reportMarkdown">;

const REFERENCE_COLOR = "#4c78a8";
const CURRENT_COLOR = "#f58518";

export { escapeHtml, formatNumber };

export const METHOD_NAMES: Record<FeatureDrift["method"], string> = {
  ks: "Kolmogorov-Smirnov p-value",
  psi: "PSI",
  wasserstein: "Wasserstein (normed)",
  chi2: "chi-square p-value",
  jensen_shannon: "Jensen-Shannon distance",
};

/** The rule that decided, e.g. "p = 0.003 < 0.05" or "0.31 ≥ 0.1". */
export function verdictRule(f: FeatureDrift): string {
  const isP = f.method === "ks" || f.method === "chi2";
  if (isP) return `${formatNumber(f.score)} ${f.drifted ? "<" : "≥"} ${formatNumber(f.threshold)}`;
  return `${formatNumber(f.score)} ${f.drifted ? "≥" : "<"} ${formatNumber(f.threshold)}`;
}

function histogramSvg(f: FeatureDrift): string {
  const W = 560;
  const H = 220;
  const left = 44;
  const right = 12;
  const top = 12;
  const bottom = f.kind === "numeric" ? 40 : 56;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const { reference, current } = f.histogram;
  const n = reference.length;
  const maxShare = Math.max(...reference, ...current, 1e-12);
  const slot = plotW / n;
  const bar = Math.max(1, (slot - 2) / 2);
  const y = (share: number) => top + plotH - (share / maxShare) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`Histogram of ${f.feature}: reference vs current`)}">`,
  );
  parts.push(`<title>${escapeHtml(`${f.feature}: reference (blue) vs current (orange)`)}</title>`);
  // Grid lines and y labels (share of rows).
  for (let k = 0; k <= 4; k++) {
    const share = (maxShare * k) / 4;
    const yy = y(share).toFixed(1);
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    parts.push(
      `<text x="${left - 4}" y="${yy}" dy="3" text-anchor="end" class="tick">${(share * 100).toFixed(share * 100 < 10 ? 1 : 0)}%</text>`,
    );
  }
  for (let i = 0; i < n; i++) {
    const x0 = left + i * slot + 1;
    const r = reference[i] as number;
    const c = current[i] as number;
    parts.push(
      `<rect class="ref" x="${x0.toFixed(1)}" y="${y(r).toFixed(1)}" width="${bar.toFixed(1)}" height="${(top + plotH - y(r)).toFixed(1)}" fill="${REFERENCE_COLOR}"><title>reference ${(r * 100).toFixed(2)}%</title></rect>`,
    );
    parts.push(
      `<rect class="cur" x="${(x0 + bar).toFixed(1)}" y="${y(c).toFixed(1)}" width="${bar.toFixed(1)}" height="${(top + plotH - y(c)).toFixed(1)}" fill="${CURRENT_COLOR}"><title>current ${(c * 100).toFixed(2)}%</title></rect>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  if (f.kind === "numeric" && f.histogram.edges) {
    const edges = f.histogram.edges;
    for (const k of [0, Math.floor(n / 2), n]) {
      const x = left + k * slot;
      parts.push(
        `<text x="${x.toFixed(1)}" y="${top + plotH + 14}" text-anchor="${k === 0 ? "start" : k === n ? "end" : "middle"}" class="tick">${escapeHtml(formatNumber(edges[k]))}</text>`,
      );
    }
  } else if (f.histogram.labels) {
    f.histogram.labels.forEach((label, i) => {
      const x = left + i * slot + slot / 2;
      const text = label.length > 12 ? `${label.slice(0, 11)}…` : label;
      parts.push(
        `<text x="${x.toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" class="tick">${escapeHtml(text)}</text>`,
      );
    });
  }
  const ly = H - 10;
  parts.push(`<rect x="${left}" y="${ly - 9}" width="10" height="10" fill="${REFERENCE_COLOR}"/>`);
  parts.push(`<text x="${left + 14}" y="${ly}" class="legend">reference</text>`);
  parts.push(`<rect x="${left + 94}" y="${ly - 9}" width="10" height="10" fill="${CURRENT_COLOR}"/>`);
  parts.push(`<text x="${left + 108}" y="${ly}" class="legend">current</text>`);
  parts.push("</svg>");
  return parts.join("");
}

function statsTable(f: FeatureDrift): string {
  const s = f.statistics;
  const rows: [string, string][] = [];
  if (s.ks)
    rows.push([
      "KS statistic / p-value",
      `${formatNumber(s.ks.statistic)} / ${formatNumber(s.ks.pvalue)} (${s.ks.method})`,
    ]);
  if (s.wasserstein !== undefined)
    rows.push(["Wasserstein / normed", `${formatNumber(s.wasserstein)} / ${formatNumber(s.wassersteinNormed)}`]);
  if (s.chi2)
    rows.push([
      "chi-square / p-value",
      `${formatNumber(s.chi2.statistic)} / ${formatNumber(s.chi2.pvalue)} (dof ${s.chi2.dof})`,
    ]);
  if (s.jensenShannon !== undefined) rows.push(["Jensen-Shannon distance", formatNumber(s.jensenShannon)]);
  if (s.psi !== undefined) rows.push(["PSI", formatNumber(s.psi)]);
  const side = (x: FeatureDrift["reference"]) =>
    f.kind === "numeric"
      ? `n ${x.count}, mean ${formatNumber(x.mean)}, std ${formatNumber(x.std)}, range ${formatNumber(x.min)}…${formatNumber(x.max)}${x.missing ? `, missing ${x.missing}` : ""}${x.invalid ? `, not numeric ${x.invalid}` : ""}`
      : `n ${x.count}, ${x.distinct} categories${x.missing ? `, missing ${x.missing}` : ""}`;
  rows.push(["reference", side(f.reference)], ["current", side(f.current)]);
  return `<table class="stats">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`;
}

function featureSection(f: FeatureDrift, id: string): string {
  const badge = f.drifted ? `<span class="badge drift">drift</span>` : `<span class="badge ok">no drift</span>`;
  return `<section class="feature" id="${id}">
<h2>${escapeHtml(f.feature)} ${badge}</h2>
<p class="rule">${escapeHtml(f.kind)} · ${escapeHtml(METHOD_NAMES[f.method])}: ${escapeHtml(verdictRule(f))}</p>
<div class="body">${histogramSvg(f)}${statsTable(f)}</div>
</section>`;
}

/** The drift report's own look, on top of the shared page shell (shared/report's htmlPage). */
const DRIFT_CSS = `h2{font-size:17px;margin:0 0 4px}h2.part{margin-top:32px}
.verdict{font-size:18px;font-weight:600;padding:8px 12px;border-radius:6px;display:inline-block;margin:8px 0}
.verdict.drift{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}.verdict.ok{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
table{border-collapse:collapse}table.summary{width:100%;margin:12px 0 24px}
table.summary th,table.summary td{border-bottom:1px solid #d0d7de;padding:5px 8px;text-align:left}
table.summary tr.drift td:last-child{color:#a40e26;font-weight:600}table.summary tr.ok td:last-child{color:#116329}
.feature{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:12px 0}
.feature .rule{color:#59636e;margin:0 0 8px}.feature .body{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table.stats th{text-align:left;font-weight:500;color:#59636e;padding:2px 10px 2px 0;vertical-align:top}table.stats td{padding:2px 0}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;vertical-align:middle;font-weight:600}
.badge.drift{background:#ffebe9;color:#a40e26}.badge.ok{background:#dafbe1;color:#116329}
svg .tick{font-size:10px;fill:#59636e}svg .legend{font-size:11px;fill:#1f2328}
table.stats th,table.stats td{border:0;background:none}`;

/**
 * A self-contained HTML page (shared/report's htmlPage: inline CSS and SVG only, a Content-Security-Policy
 * that forbids every network load), so it renders the same from an artifact download, a file:// URL or offline.
 */
export function renderDriftHtml(result: Result, meta: ReportMeta): string {
  const driftedCount = result.features.filter((f) => f.drifted).length;
  const verdict = result.drifted
    ? `<p class="verdict drift">Dataset drift detected</p>`
    : `<p class="verdict ok">No dataset drift</p>`;
  const rows = result.features
    .map(
      (f, i) =>
        `<tr class="${f.drifted ? "drift" : "ok"}"><td><a href="#f${i}">${escapeHtml(f.feature)}</a></td><td>${f.kind}</td><td>${escapeHtml(METHOD_NAMES[f.method])}</td><td>${escapeHtml(formatNumber(f.score))}</td><td>${escapeHtml(formatNumber(f.threshold))}</td><td>${f.drifted ? "drift" : "no drift"}</td></tr>`,
    )
    .join("\n");
  const sections = result.features.map((f, i) => featureSection(f, `f${i}`)).join("\n");
  const prediction = result.prediction
    ? `<h2 class="part">Prediction drift</h2>\n${featureSection(result.prediction, "prediction")}`
    : "";
  return htmlPage(
    meta.title,
    `<h1>${escapeHtml(meta.title)}</h1>
<p class="meta">Reference ${meta.referenceRows} rows · current ${meta.currentRows} rows · ${result.features.length} features compared</p>
${verdict}
<p>${driftedCount} of ${result.features.length} features drifted: share ${formatNumber(result.driftShare)} ${result.drifted ? "≥" : "<"} threshold ${formatNumber(result.driftShareThreshold)}.</p>
<table class="summary">
<thead><tr><th>Feature</th><th>Kind</th><th>Method</th><th>Score</th><th>Threshold</th><th>Verdict</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${sections}
${prediction}
<p class="meta">Methods: KS and Wasserstein follow scipy.stats.ks_2samp / wasserstein_distance; Wasserstein is normed by the reference standard deviation; PSI uses reference-decile bins with proportions floored at 1e-4; chi-square is the 2×k homogeneity test of scipy.stats.chi2_contingency; Jensen-Shannon distance is base 2.</p>
`,
    DRIFT_CSS,
  );
}
