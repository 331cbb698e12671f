/**
 * `mlops registry report`: the registry as one static HTML page (no server, no script, no network), the
 * view MLflow users know from its UI — per model the versions table, an alias timeline (which version
 * each alias pointed to, and when it moved) and the metrics across versions.
 */
import type { AliasEvent } from "../registry";
import { escapeHtml, formatCount, formatNumber, htmlPage, lineChart, type Marker, paletteAt } from "../report";
import type { ModelView } from "./browse";

const e = escapeHtml;
/** Metrics drawn across versions (the first ones registered); the versions table shows every metric. */
const MAX_TREND_CHARTS = 6;

/** "2026-05-04 09:12" (UTC). */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace("T", " ");
}

function metricNames(m: ModelView): string[] {
  const names: string[] = [];
  for (const v of m.versions) for (const k of Object.keys(v.metrics)) if (!names.includes(k)) names.push(k);
  return names;
}

function versionsTable(m: ModelView): string {
  const metrics = metricNames(m);
  const head = `<tr><th class="num">version</th><th>registered (UTC)</th><th>aliases</th>${metrics.map((k) => `<th class="num">${e(k).replace(/_/g, "_<wbr>")}</th>`).join("")}<th>commit</th><th>promoted from</th><th>approvers</th></tr>`;
  const rows = [...m.versions].reverse().map((v) => {
    const aliases = v.aliases.map((a) => `<span class="badge alias">${e(a)}</span>`).join(" ");
    const commit = v.gitSha
      ? v.runUrl
        ? `<a href="${e(v.runUrl)}"><code>${e(v.gitSha.slice(0, 7))}</code></a>`
        : `<code>${e(v.gitSha.slice(0, 7))}</code>`
      : "";
    return `<tr><td class="num">${v.version}</td><td>${e(shortTime(v.createdAt))}</td><td>${aliases}</td>${metrics.map((k) => `<td class="num">${e(formatNumber(v.metrics[k]))}</td>`).join("")}<td>${commit}</td><td>${v.source ? `<code>${e(v.source)}</code>` : ""}</td><td>${e((v.approvers ?? []).join(", "))}</td></tr>`;
  });
  return `<div class="scroll"><table class="versions"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

interface Segment {
  alias: string;
  version: number;
  from: number;
  to: number;
  event: AliasEvent;
}

/** Which version each alias held over time, one lane per alias, from the audit log. */
export function aliasTimeline(history: AliasEvent[], now: Date): string {
  if (history.length === 0) return `<p class="muted">No alias has been set yet.</p>`;
  const aliases = [...new Set(history.map((h) => h.alias))].sort((a, b) =>
    a === "champion" ? -1 : b === "champion" ? 1 : a.localeCompare(b),
  );
  const t = (iso: string) => new Date(iso).getTime();
  // From the first move to a little after the last one: the bars on the right still hold today.
  const start = Math.min(...history.map((h) => t(h.at)));
  const last = Math.max(...history.map((h) => t(h.at)));
  const end = Math.min(Math.max(now.getTime(), last + 3_600_000), last + Math.max(3_600_000, (last - start) * 0.2));
  const segments: Segment[] = [];
  for (const alias of aliases) {
    const events = history.filter((h) => h.alias === alias).sort((a, b) => a.generation - b.generation);
    events.forEach((ev, i) => {
      if (ev.to === null) return;
      const next = events[i + 1];
      segments.push({ alias, version: ev.to, from: t(ev.at), to: next ? t(next.at) : end, event: ev });
    });
  }
  const versions = [...new Set(segments.map((s) => s.version))].sort((a, b) => a - b);
  const colorOf = (v: number) => paletteAt(versions.indexOf(v)).color;
  const W = 720;
  const left = 92;
  const right = 12;
  const lane = 30;
  const top = 8;
  const H = top + lane * aliases.length + 34;
  const x = (ms: number) => left + ((ms - start) / (end - start)) * (W - left - right);
  const svg: string[] = [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="Alias timeline">`,
    "<title>Which version each alias pointed to over time</title>",
  ];
  aliases.forEach((alias, i) => {
    const y = top + i * lane;
    svg.push(`<text class="lane" x="${left - 8}" y="${y + lane / 2 + 4}" text-anchor="end">${e(alias)}</text>`);
    svg.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${y + lane / 2}" y2="${y + lane / 2}"/>`);
  });
  for (const s of segments) {
    const y = top + aliases.indexOf(s.alias) * lane + 5;
    const x0 = x(s.from);
    const w = Math.max(2, x(s.to) - x0);
    const ev = s.event;
    const who = `${ev.action} by ${ev.actor}${ev.approvers?.length ? `, approved by ${ev.approvers.join(", ")}` : ""}`;
    const tip = `${s.alias} → version ${s.version} from ${shortTime(ev.at)} (${who})${ev.reason ? `: ${ev.reason}` : ""}`;
    svg.push(
      `<rect class="segment" x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${lane - 10}" rx="3" fill="${colorOf(s.version)}"><title>${e(tip)}</title></rect>`,
    );
    if (w >= 26)
      svg.push(`<text class="seglabel" x="${(x0 + 5).toFixed(1)}" y="${y + (lane - 10) / 2}">v${s.version}</text>`);
  }
  for (const ev of history) {
    const y = top + aliases.indexOf(ev.alias) * lane;
    svg.push(
      `<line class="event${ev.action === "rollback" ? " rollback" : ""}" x1="${x(t(ev.at)).toFixed(1)}" x2="${x(t(ev.at)).toFixed(1)}" y1="${y + 2}" y2="${y + lane - 2}"/>`,
    );
  }
  const axisY = top + lane * aliases.length + 14;
  const ticks = [start, (start + last) / 2, last];
  ticks.forEach((ms, i) => {
    svg.push(
      `<text class="tick" x="${x(ms).toFixed(1)}" y="${axisY}" text-anchor="${i === 0 ? "start" : i === 2 ? "end" : "middle"}">${e(shortTime(new Date(ms).toISOString()))}</text>`,
    );
  });
  svg.push("</svg>");
  const legend = versions
    .map(
      (v) =>
        `<span class="entry"><svg class="swatch" viewBox="0 0 14 10"><rect width="14" height="10" rx="2" fill="${colorOf(v)}"/></svg>version ${v}</span>`,
    )
    .join("");
  return `<figure class="chart timeline"><figcaption>Alias timeline</figcaption><div class="legend">${legend}</div><div class="scroll">${svg.join("")}</div><p class="note">Each bar is the version an alias pointed to, from the move that set it to the next one (hover for who, approvers and reason); a red mark is a rollback.</p></figure>`;
}

function trendCharts(m: ModelView): string {
  if (m.versions.length === 0) return "";
  const names = metricNames(m).slice(0, MAX_TREND_CHARTS);
  const champion = m.aliases.champion;
  const charts = names.map((name) => {
    const points = m.versions.filter((v) => typeof v.metrics[name] === "number");
    const markers: Marker[] = [];
    const c = points.find((v) => v.version === champion);
    if (c)
      markers.push({
        x: c.version,
        y: c.metrics[name]!,
        color: paletteAt(1).color,
        label: `champion (version ${c.version})`,
      });
    return lineChart({
      title: name,
      x: { label: "Version", integer: true },
      y: { label: name },
      series: [
        {
          name: "each version",
          color: paletteAt(0).color,
          x: points.map((v) => v.version),
          y: points.map((v) => v.metrics[name]!),
          dots: true,
        },
      ],
      markers,
    });
  });
  return `<div class="grid">${charts.join("\n")}</div>`;
}

function historyTable(history: AliasEvent[]): string {
  if (history.length === 0) return "";
  const v = (n: number | null) => (n === null ? "—" : String(n));
  const rows = [...history]
    .reverse()
    .map(
      (h) =>
        `<tr${h.action === "rollback" ? ' class="rollback"' : ""}><td>${e(shortTime(h.at))}</td><td><span class="badge alias">${e(h.alias)}</span></td><td>${e(h.action)}</td><td class="num">${v(h.from)} → ${v(h.to)}</td><td>${e(h.actor)}</td><td>${e((h.approvers ?? []).join(", "))}</td><td>${e(h.reason ?? "")}</td><td>${h.runUrl ? `<a href="${e(h.runUrl)}">run</a>` : ""}</td></tr>`,
    );
  return `<div class="scroll"><table class="history"><thead><tr><th>when (UTC)</th><th>alias</th><th>action</th><th class="num">version</th><th>actor</th><th>approvers</th><th>reason</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

const CSS = `figure.chart svg.timeline{width:100%;height:auto;max-width:900px;min-width:520px}
svg .lane{font-size:12px;fill:#1f2328}svg .seglabel{font-size:11px;fill:#fff;font-weight:600;dominant-baseline:middle}
svg .event{stroke:#1f2328;stroke-width:1.5}svg .event.rollback{stroke:#cf222e;stroke-width:3}
tr.rollback td{background:#fff8f8}
section.model{border-top:1px solid #d0d7de;margin-top:28px}
nav.models a{margin-right:12px}`;

/** The whole registry as a page: a model index, then each model's aliases, timeline, trends, versions and history. */
export function renderRegistryHtml(models: ModelView[], opts: { registry: string; now?: Date }): string {
  const now = opts.now ?? new Date();
  const id = (name: string) => `model-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const index = models
    .map((m) => {
      const latest = m.versions.at(-1)?.version;
      const aliases = Object.entries(m.aliases)
        .map(([a, v]) => `<span class="badge alias">${e(a)} → ${v}</span>`)
        .join(" ");
      return `<tr><td><a href="#${id(m.name)}">${e(m.name)}</a></td><td class="num">${latest ?? "—"}</td><td class="num">${formatCount(m.versions.length)}</td><td>${aliases}</td><td>${e(shortTime(m.versions.at(-1)?.createdAt ?? ""))}</td></tr>`;
    })
    .join("");
  const sections = models.map((m) => {
    const aliases = Object.entries(m.aliases)
      .map(([a, v]) => `<span class="badge alias">${e(a)} → version ${v}</span>`)
      .join(" ");
    return `<section class="model" id="${id(m.name)}">
<h2>${e(m.name)}</h2>
<p>${aliases || '<span class="muted">No alias set.</span>'} <span class="muted">· ${formatCount(m.versions.length)} version${m.versions.length === 1 ? "" : "s"}</span></p>
${aliasTimeline(m.history, now)}
<h3>Metrics across versions</h3>
${trendCharts(m)}
<h3>Versions</h3>
${versionsTable(m)}
<h3>Alias history</h3>
${historyTable(m.history) || '<p class="muted">No alias moves recorded.</p>'}
</section>`;
  });
  const body = `<h1>Model registry</h1>
<p class="meta"><code>${e(opts.registry)}</code> · ${formatCount(models.length)} models · as of ${e(shortTime(now.toISOString()))} UTC</p>
${models.length === 0 ? '<p class="muted">The registry has no models yet.</p>' : `<div class="scroll"><table class="index"><thead><tr><th>model</th><th class="num">latest</th><th class="num">versions</th><th>aliases</th><th>updated (UTC)</th></tr></thead><tbody>${index}</tbody></table></div>`}
${sections.join("\n")}`;
  return htmlPage(`Model registry: ${opts.registry}`, body, CSS);
}
