/** The registry views as plain text for a terminal (`mlops registry …` without --json). */
import type { AliasEvent } from "../registry";
import { formatNumber, formatSigned, textTable } from "../report";
import type { Change, ModelListing, ModelView, VersionDiff, VersionView } from "./browse";
import { shortTime } from "./registry-page";

const R = "right" as const;
const L = "left" as const;

export function listText(models: ModelListing[], registry: string): string {
  if (models.length === 0) return `${registry}: no models yet.`;
  const rows = models.map((m) => [
    m.name,
    String(m.latest),
    String(m.versions),
    Object.entries(m.aliases)
      .map(([a, v]) => `${a}→${v}`)
      .join(", ") || "—",
    shortTime(m.updatedAt),
  ]);
  return `${registry}\n\n${textTable(["MODEL", "LATEST", "VERSIONS", "ALIASES", "UPDATED (UTC)"], rows, [L, R, R, L, L])}`;
}

export function modelText(m: ModelView): string {
  const metrics: string[] = [];
  for (const v of m.versions) for (const k of Object.keys(v.metrics)) if (!metrics.includes(k)) metrics.push(k);
  const shown = metrics.slice(0, 5);
  const rows = [...m.versions]
    .reverse()
    .map((v) => [
      String(v.version),
      shortTime(v.createdAt),
      v.aliases.join(", "),
      ...shown.map((k) => formatNumber(v.metrics[k])),
      v.gitSha?.slice(0, 7) ?? "",
      v.source ?? "",
    ]);
  const aliases = Object.entries(m.aliases)
    .map(([a, v]) => `${a} → ${v}`)
    .join(", ");
  const more =
    metrics.length > shown.length
      ? `\n(${metrics.length - shown.length} more metrics: show ${m.name}@<version> or --json)`
      : "";
  return `${m.name}: ${m.versions.length} versions; aliases: ${aliases || "none"}\n\n${textTable(
    ["VERSION", "REGISTERED (UTC)", "ALIASES", ...shown.map((k) => k.toUpperCase()), "COMMIT", "PROMOTED FROM"],
    rows,
    [R, L, L, ...shown.map(() => R), L, L],
  )}${more}`;
}

export function versionText(v: VersionView): string {
  const c = v.card;
  const lines = [
    `${c.name}@${c.version}${v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}, registered ${shortTime(c.createdAt)} UTC`,
    "",
  ];
  const section = (title: string, entries: [string, string][]) => {
    if (entries.length === 0) return;
    lines.push(
      `${title}:`,
      ...textTable(["", ""], entries)
        .split("\n")
        .slice(1)
        .map((l) => `  ${l}`),
      "",
    );
  };
  section(
    "metrics",
    Object.entries(c.metrics).map(([k, n]) => [k, formatNumber(n)]),
  );
  section(
    "params",
    Object.entries(c.params).map(([k, p]) => [k, String(p)]),
  );
  section("signature", [
    ...(c.signature?.inputs ?? []).map((t): [string, string] => [
      `input ${t.name}`,
      `${t.dtype} [${t.shape.map((d) => d ?? "?").join(", ")}]`,
    ]),
    ...(c.signature?.outputs ?? []).map((t): [string, string] => [
      `output ${t.name}`,
      `${t.dtype} [${t.shape.map((d) => d ?? "?").join(", ")}]`,
    ]),
  ]);
  section(
    "lineage",
    Object.entries(c.lineage)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => [k, typeof x === "object" ? JSON.stringify(x) : String(x)]),
  );
  section("tags", Object.entries(c.tags));
  section(
    "files",
    c.files.map((f) => [f.path, `${f.size} bytes, sha256 ${f.sha256.slice(0, 12)}…`]),
  );
  return lines.join("\n").trimEnd();
}

export function historyText(events: AliasEvent[], name: string): string {
  if (events.length === 0) return `${name}: no alias moves recorded.`;
  const v = (n: number | null) => (n === null ? "—" : String(n));
  const rows = events.map((h) => [
    shortTime(h.at),
    h.alias,
    h.action,
    `${v(h.from)} → ${v(h.to)}`,
    h.actor,
    (h.approvers ?? []).join(", "),
    h.reason ?? "",
  ]);
  return textTable(["WHEN (UTC)", "ALIAS", "ACTION", "VERSION", "ACTOR", "APPROVERS", "REASON"], rows);
}

const MARK: Record<Change, string> = { added: "+", removed: "-", changed: "~", same: " " };

export function diffText(d: VersionDiff): string {
  const lines = [`${d.a.name}@${d.a.version} → ${d.b.name}@${d.b.version}`, ""];
  const show = (v: unknown) => (v === undefined ? "(absent)" : typeof v === "number" ? formatNumber(v) : String(v));
  const part = <T>(
    title: string,
    list: { name: string; a: T | undefined; b: T | undefined; change: Change }[],
    extra?: (i: number) => string,
  ) => {
    const changed = list.map((c, i) => ({ c, i })).filter(({ c }) => c.change !== "same");
    if (changed.length === 0) {
      lines.push(`${title}: no change`);
      return;
    }
    lines.push(`${title}:`);
    const rows = changed.map(({ c, i }) => [
      `${MARK[c.change]} ${c.name}`,
      show(c.a),
      "→",
      show(c.b),
      extra?.(i) ?? "",
    ]);
    lines.push(
      ...textTable(["", "", "", "", ""], rows)
        .split("\n")
        .slice(1)
        .map((l) => `  ${l}`),
    );
  };
  part("metrics", d.metrics, (i) => (d.metrics[i]!.delta === null ? "" : `(${formatSigned(d.metrics[i]!.delta)})`));
  part("params", d.params);
  part("signature", d.signature);
  part("lineage", d.lineage);
  part(
    "files",
    d.files.map((f) => ({ ...f, a: f.a?.slice(0, 12), b: f.b?.slice(0, 12) })),
  );
  part("tags", d.tags);
  return lines.join("\n");
}
