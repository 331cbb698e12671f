import { shown, UserError } from "../errors";
import {
  ADAPTIVE_CARD_SCHEMA,
  ADAPTIVE_CARD_VERSION,
  type AdaptiveCard,
  type CardElement,
  type Fact,
  type FactSet,
  type OpenUrlAction,
  type Table,
  type TableRow,
  type TextBlock,
} from "./adaptive-card";
import { formatDelta, formatNumber, passMark, shortDigests, shortSha } from "./format";

/** One row of the metrics table, as compare-models judged it. */
export interface MetricRow {
  name: string;
  /** null when the metric is undefined for this data (e.g. roc_auc with one class). */
  candidate: number | null;
  /** Absent (or null) when there is no champion yet or it has no value for this metric. */
  champion?: number | null;
  /** candidate - champion when not given. */
  delta?: number | null;
  /** Did the candidate meet the rule for this metric? Absent when no rule covers it. */
  passed?: boolean;
}

/** Where the candidate comes from. Every field is optional: the card shows what is known. */
export interface Lineage {
  /** Full or short commit SHA. */
  commit?: string;
  commitUrl?: string;
  pullRequest?: { number: number; url?: string; title?: string };
  runUrl?: string;
  /** Who triggered the run (GitHub login). */
  actor?: string;
  repository?: string;
  workflow?: string;
  /** Where the candidate was trained (its model card's lineage), when that is another run than this one. */
  training?: TrainingRun;
}

/** The training run of the candidate: the Actions run, and the Azure ML job it ran as, when it did. */
export interface TrainingRun {
  runUrl?: string;
  /** The training workflow's name, the run link's label. */
  workflow?: string;
  azuremlJob?: string;
  /** The Azure ML job's page in Studio. */
  studioUrl?: string;
}

/**
 * Who the card calls on. With `id` (their UPN/e-mail or Entra object id) it is a real Teams mention
 * (`<at>` plus an msteams entity); without, `name` is shown as text, e.g. "@ML approvers".
 */
export interface Mention {
  name: string;
  id?: string;
}

export interface ApprovalCardInput {
  title: string;
  model: string;
  candidateVersion: string;
  /** Absent for the first model of a name. */
  championVersion?: string;
  /** compare-models' decision, e.g. "promote" or "reject". */
  decision: string;
  reason: string;
  metrics: MetricRow[];
  lineage?: Lineage;
  /** The GitHub environment whose protection rule gates the deployment, e.g. "production". */
  environment: string;
  /** Extra key/values shown last (least important; trimmed first when the card is too big). */
  facts?: Fact[];
  /** "Review and approve" (the run page, where the pending deployment is approved), "Pull request", "Report". */
  links: { approve: string; pullRequest?: string; report?: string };
  mention?: Mention;
  /**
   * false: the card reports something that already happened (a rollback) and asks for nothing: no approval
   * request, the run is linked as "Workflow run". Default true.
   */
  requestApproval?: boolean;
}

/** Element ids in the card; buildPayload uses them to trim the least important parts first. */
export const CARD_IDS = {
  title: "title",
  subtitle: "subtitle",
  mention: "mention",
  decision: "decision",
  reason: "reason",
  metrics: "metrics",
  metricsHeader: "metrics-header",
  lineage: "lineage",
  facts: "facts",
  trimmed: "trimmed",
} as const;

/** Row ids encode whether the candidate passed, so trimming can keep the failing rows longest. */
export function metricRowId(index: number, passed: boolean | undefined): string {
  const kind = passed === undefined ? "na" : passed ? "pass" : "fail";
  return `metric-${kind}-${index}`;
}

const GOOD_DECISIONS = /^(promote|promoted|accept|accepted|approve|approved|pass|passed|better|go)$/i;
const BAD_DECISIONS = /^(reject|rejected|fail|failed|worse|block|blocked|no-go|keep|keep-champion|hold)$/i;

export type DecisionTone = "good" | "attention" | "neutral";

export function decisionTone(decision: string): DecisionTone {
  const d = decision.trim();
  if (GOOD_DECISIONS.test(d)) return "good";
  if (BAD_DECISIONS.test(d)) return "attention";
  return "neutral";
}

/** Builds rows from metric maps (as compare-models reports them). Order follows the candidate's keys. */
export function metricRows(
  candidate: Record<string, number | null>,
  champion: Record<string, number | null> = {},
  passed: Record<string, boolean> = {},
): MetricRow[] {
  return Object.entries(candidate).map(([name, value]) => {
    const row: MetricRow = { name, candidate: value };
    const champ = champion[name];
    if (champ !== undefined) row.champion = champ;
    const ok = passed[name];
    if (ok !== undefined) row.passed = ok;
    return row;
  });
}

const UPN = /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses the `mention` input. `Jane Doe <jane@contoso.com>`, `jane@contoso.com` and
 * `Ops <00000000-0000-0000-0000-000000000000>` become real mentions; any other text (e.g.
 * "@ML approvers") is shown as is. `Name <...>` with something that is neither a UPN nor an object id
 * is a UserError (a mention that would silently not notify anyone).
 */
export function parseMention(text: string): Mention | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  const named = /^(.+?)\s*<([^<>]*)>$/.exec(s);
  if (named) {
    const id = named[2]!.trim();
    if (!UPN.test(id) && !OBJECT_ID.test(id)) {
      throw new UserError(
        `mention: <${id}> is not a Teams user id (got ${shown(text)}). Put the person's e-mail/UPN or Entra object id in the brackets, e.g. "Jane Doe <jane@contoso.com>".`,
      );
    }
    return { name: named[1]!.trim(), id };
  }
  if (UPN.test(s)) return { name: s.split("@")[0]!, id: s };
  return { name: s };
}

function checkUrl(what: string, url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new UserError(`${what}: not an http(s) URL (got ${shown(url)}). Pass an absolute https:// link.`);
  }
}

function validate(input: ApprovalCardInput): void {
  for (const [what, value] of [
    ["title", input.title],
    ["model", input.model],
    ["candidate version", input.candidateVersion],
    ["decision", input.decision],
    ["environment", input.environment],
  ] as const) {
    if (typeof value !== "string" || value.trim() === "") {
      throw new UserError(`${what}: must not be empty (got ${shown(value)}). Pass a value for it.`);
    }
  }
  checkUrl("approve-url", input.links.approve);
  checkUrl("pull request URL", input.links.pullRequest);
  checkUrl("report URL", input.links.report);
  checkUrl("run URL", input.lineage?.runUrl);
  checkUrl("commit URL", input.lineage?.commitUrl);
  checkUrl("pull request URL", input.lineage?.pullRequest?.url);
  checkUrl("training run URL", input.lineage?.training?.runUrl);
  checkUrl("Azure ML Studio URL", input.lineage?.training?.studioUrl);
  const bad = (v: number | null | undefined) => v !== null && v !== undefined && !Number.isFinite(v);
  for (const m of input.metrics) {
    if (bad(m.candidate) || bad(m.champion) || bad(m.delta)) {
      throw new UserError(
        `metrics: "${m.name}" is not a finite number (got ${shown({ candidate: m.candidate, champion: m.champion })}). Check compare-models' outputs.`,
      );
    }
  }
}

function text(textValue: string, extra: Partial<TextBlock> = {}): TextBlock {
  return { type: "TextBlock", text: textValue, wrap: true, ...extra };
}

function cell(value: string, extra: Partial<TextBlock> = {}): { type: "TableCell"; items: CardElement[] } {
  return { type: "TableCell", items: [text(value, extra)] };
}

/** `[label](url)` in FactSet values: Teams renders Markdown links there. */
function link(label: string, url: string | undefined): string {
  if (!url) return label;
  const safe = label.replace(/[[\]]/g, "");
  return `[${safe}](${url})`;
}

/** The row's delta: given, or candidate - champion when both are known. */
export function metricDelta(m: MetricRow): number | undefined {
  if (m.delta !== undefined && m.delta !== null) return m.delta;
  if (m.candidate === null || m.champion === null || m.champion === undefined) return undefined;
  return m.candidate - m.champion;
}

/**
 * Three columns, so that a 340 px phone shows every value whole: the metric, the candidate's value with
 * its change against the champion and the rule's mark under it, and the champion's value. (Five columns
 * left about 55 px each on a phone, and words and numbers broke across lines.)
 */
function metricsTable(metrics: MetricRow[]): Table {
  const header: TableRow = {
    type: "TableRow",
    id: CARD_IDS.metricsHeader,
    style: "accent",
    cells: ["Metric", "Candidate", "Champion"].map((h) => cell(h, { weight: "Bolder" })),
  };
  const rows = metrics.map((m, i): TableRow => {
    const delta = metricDelta(m);
    const change = [
      delta === undefined ? "" : `Δ ${formatDelta(delta)}`,
      m.passed === undefined ? "" : passMark(m.passed),
    ]
      .filter(Boolean)
      .join(" ");
    const candidate: CardElement[] = [text(formatNumber(m.candidate))];
    if (change) {
      candidate.push(
        text(change, {
          size: "Small",
          spacing: "None",
          ...(m.passed === undefined
            ? { isSubtle: true }
            : { color: m.passed ? "Good" : "Attention", weight: "Bolder" }),
        }),
      );
    }
    return {
      type: "TableRow",
      id: metricRowId(i, m.passed),
      // A zero-width space after each "_" lets a long name (balanced_accuracy) wrap there on a phone
      // instead of being cut inside a word.
      cells: [
        cell(m.name.replace(/_/g, "_\u200B")),
        { type: "TableCell", items: candidate },
        cell(formatNumber(m.champion)),
      ],
    };
  });
  return {
    type: "Table",
    id: CARD_IDS.metrics,
    columns: [{ width: 4 }, { width: 3 }, { width: 3 }],
    rows: [header, ...rows],
    firstRowAsHeaders: true,
    showGridLines: true,
    gridStyle: "default",
    spacing: "Medium",
  };
}

function lineageFacts(input: ApprovalCardInput): Fact[] {
  const l = input.lineage ?? {};
  const facts: Fact[] = [{ title: "Environment", value: input.environment }];
  if (l.repository) facts.push({ title: "Repository", value: l.repository });
  if (l.commit) facts.push({ title: "Commit", value: link(shortSha(l.commit), l.commitUrl) });
  if (l.pullRequest) {
    const label = `#${l.pullRequest.number}${l.pullRequest.title ? ` ${l.pullRequest.title}` : ""}`;
    facts.push({ title: "Pull request", value: link(label, l.pullRequest.url ?? input.links.pullRequest) });
  }
  if (l.runUrl) facts.push({ title: "Run", value: link(l.workflow ?? "workflow run", l.runUrl) });
  for (const [title, value] of trainingFacts(l.training, link)) facts.push({ title, value });
  if (l.actor) facts.push({ title: "Triggered by", value: l.actor });
  return facts;
}

/** The training run's facts (title, value), with links made by the renderer's `link`. */
export function trainingFacts(
  t: TrainingRun | undefined,
  link: (label: string, url: string | undefined) => string,
): [string, string][] {
  const facts: [string, string][] = [];
  if (t?.runUrl) facts.push(["Trained in", link(t.workflow ?? "workflow run", t.runUrl)]);
  if (t?.studioUrl) facts.push(["Azure ML job", link(t.azuremlJob ?? "Azure ML Studio", t.studioUrl)]);
  return facts;
}

/**
 * The line under the title, in Markdown (`escape` makes a value safe for where it is shown). An approval
 * request names the candidate and the champion it would replace; a report (requestApproval false, e.g. a
 * rollback) says which version is live now and which it replaced.
 */
export function subtitle(input: ApprovalCardInput, escape: (s: string) => string): string {
  const model = `Model **${escape(input.model)}**`;
  const candidate = `**${escape(input.candidateVersion)}**`;
  const champion = input.championVersion ? `**${escape(input.championVersion)}**` : undefined;
  if (input.requestApproval === false) {
    return `${model} in **${escape(input.environment)}**: now version ${candidate}${champion ? ` (was ${champion})` : ""}`;
  }
  const versions = champion
    ? `candidate ${candidate} vs champion ${champion}`
    : `candidate ${candidate} (no champion yet)`;
  return `${model}: ${versions} → **${escape(input.environment)}**`;
}

/**
 * The approval card: title, model and versions, the decision and its reason, the metrics table,
 * lineage, extra facts and the buttons. Adaptive Card 1.5 with Action.OpenUrl only (a webhook card
 * has no bot to receive Submit/Execute).
 */
export function buildApprovalCard(input: ApprovalCardInput): AdaptiveCard {
  validate(input);
  const tone = decisionTone(input.decision);
  const body: CardElement[] = [];

  body.push(text(input.title, { id: CARD_IDS.title, size: "Large", weight: "Bolder", style: "heading" }));
  body.push(
    text(
      subtitle(input, (s) => s),
      { id: CARD_IDS.subtitle, spacing: "Small" },
    ),
  );

  const asks = input.requestApproval !== false;
  let entities: AdaptiveCard["msteams"] = { width: "Full" };
  if (input.mention?.id) {
    const at = `<at>${input.mention.name}</at>`;
    body.push(
      text(`${at}, ${asks ? "your approval is requested" : "for your information"}.`, { id: CARD_IDS.mention }),
    );
    entities = {
      width: "Full",
      entities: [{ type: "mention", text: at, mentioned: { id: input.mention.id, name: input.mention.name } }],
    };
  } else if (input.mention) {
    body.push(
      text(`**${input.mention.name}**, ${asks ? "your approval is requested" : "for your information"}.`, {
        id: CARD_IDS.mention,
      }),
    );
  }

  body.push({
    type: "Container",
    id: CARD_IDS.decision,
    style: tone === "good" ? "good" : tone === "attention" ? "attention" : "emphasis",
    spacing: "Medium",
    items: [
      text(`Decision: ${input.decision.toUpperCase()}`, {
        weight: "Bolder",
        color: tone === "good" ? "Good" : tone === "attention" ? "Attention" : "Default",
      }),
      text(input.reason || "(no reason given)", { id: CARD_IDS.reason, spacing: "Small" }),
    ],
  });

  if (input.metrics.length > 0) body.push(metricsTable(input.metrics));

  const lineage: FactSet = { type: "FactSet", id: CARD_IDS.lineage, facts: lineageFacts(input), spacing: "Medium" };
  body.push(lineage);

  if (input.facts && input.facts.length > 0) {
    body.push({
      type: "FactSet",
      id: CARD_IDS.facts,
      facts: input.facts.map((f) => ({ ...f, value: shortDigests(f.value) })),
      spacing: "Small",
    });
  }

  const actions: OpenUrlAction[] = [
    asks
      ? {
          type: "Action.OpenUrl",
          id: "approve",
          title: "Review and approve",
          url: input.links.approve,
          style: "positive",
        }
      : { type: "Action.OpenUrl", id: "run", title: "Workflow run", url: input.links.approve },
  ];
  if (input.links.pullRequest) {
    actions.push({ type: "Action.OpenUrl", id: "pull-request", title: "Pull request", url: input.links.pullRequest });
  }
  if (input.links.report) {
    actions.push({ type: "Action.OpenUrl", id: "report", title: "Report", url: input.links.report });
  }

  return {
    type: "AdaptiveCard",
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    body,
    actions,
    msteams: entities,
  };
}
