import { ConflictError, GateRejection, shown, UserError } from "../errors";
import { formatNumber, mdCode, mdLink, mdText } from "../report";
import { type Logger, silentLogger } from "../log";
import { type AliasEvent, type ModelCard, parseModelRef, type Registry } from "../registry";

export interface PromoteOptions {
  /** Source (dev) registry. */
  from: Registry;
  /** Target (prod) registry; may be the same registry, then only the alias moves. */
  to: Registry;
  /** Ref in the source registry: name, name@3 or name@challenger. */
  model: string;
  /** Alias to move in the target (the promote action's alias input). */
  alias: string;
  /**
   * The `decision` output of compare-models. "reject" (or anything but a promote) is refused unless `force`;
   * "promote-breaking" unless `allowBreakingContract` or `force`. Omitted: no gate.
   */
  requireDecision?: string;
  /** Accept "promote-breaking": the applications that call the model change with it. */
  allowBreakingContract?: boolean;
  force?: boolean;
  /** Compare-and-swap: the target version the alias must still point to (null: must be unset). */
  expectedChampion?: number | null;
  reason?: string;
  dryRun?: boolean;
  /** Who ran it (default GITHUB_ACTOR or the OS user). */
  actor?: string;
  /** Who approved it (from the deployment/environment review); default [actor]. */
  approvers?: string[];
  runUrl?: string;
  /** "full" re-reads and hashes every copied file in the target (default "auto", see CopyOptions). */
  verify?: "auto" | "full";
  /** "stream" copies through this process even when a server-side copy is possible (benchmarks, diagnostics). */
  copy?: "auto" | "stream";
  /**
   * Publish the target version elsewhere (an Azure ML registry) after it is complete in `to` and before
   * the alias moves, so the alias never points at a version that is not published. Not called in a dry run.
   */
  publish?: (target: ModelCard, source: ModelCard) => Promise<void>;
  logger?: Logger;
}

export interface PromoteResult {
  /** Version in the target registry (null only in a dry run that would create it). */
  version: number | null;
  /** Location of that version in the target registry. */
  modelUri: string | null;
  /** What the alias pointed to before (null: unset). */
  previousVersion: number | null;
  /** True when this call moved the alias. */
  promoted: boolean;
  /** True when this call created the target version. */
  copied: boolean;
  method: "server" | "stream" | "none";
  /** The audit event recorded in the target registry (null when nothing moved). */
  auditEvent: AliasEvent | null;
  dryRun: boolean;
  /** Markdown for the job summary: before/after table and how to roll back. */
  summary: string;
}

/** What a dry run did: nothing copied, no alias moved, no audit event. */
const DRY_RUN = { promoted: false, copied: false, method: "none", auditEvent: null, dryRun: true } as const;

export interface RollbackOptions {
  registry: Registry;
  name: string;
  alias: string;
  /** Go to this version; default: the version the alias held before the last promotion. */
  toVersion?: number;
  reason?: string;
  dryRun?: boolean;
  actor?: string;
  approvers?: string[];
  runUrl?: string;
  /** Called with the version the alias will move to before it moves (also in a dry run); throws to refuse. */
  check?: (name: string, version: number) => Promise<void>;
  logger?: Logger;
}

const describe = (v: number | null | undefined) => (v === null || v === undefined ? "unset" : `version ${v}`);

/**
 * Promote a model version: gate on the comparison's decision, copy it into the target registry
 * (idempotent: the same source version always maps to one target version), then move the alias with
 * compare-and-swap and record who, when, why and who approved in the target's audit log.
 */
export async function promote(opts: PromoteOptions): Promise<PromoteResult> {
  const logger = opts.logger ?? silentLogger;
  const alias = opts.alias;
  const ref = parseModelRef(opts.model, "model");
  const audit = opts.to.auditDefaults({ actor: opts.actor, runUrl: opts.runUrl, reason: opts.reason });
  const approvers = opts.approvers?.length ? opts.approvers : [audit.actor];

  let reason = opts.reason;
  const decision = opts.requireDecision?.trim();
  if (decision === "promote-breaking" && opts.allowBreakingContract && !opts.force) {
    logger.warning(
      `promoting ${opts.model} with a breaking contract (allow-breaking-contract: true); recorded in the audit event`,
    );
    reason = `breaking contract allowed${reason ? `: ${reason}` : ""}`;
  } else if (decision !== undefined && decision !== "promote") {
    if (!opts.force)
      throw decision === "promote-breaking"
        ? new GateRejection(
            `require-decision: the comparison found a breaking contract (got "promote-breaking": the model's inputs or outputs changed, so the applications that call it would fail). Promotion refused and ${opts.to.uri} left untouched; set allow-breaking-contract: true only when those applications change with it.`,
          )
        : new GateRejection(
            `require-decision: the comparison did not recommend promotion (got ${shown(opts.requireDecision)}). Promotion refused and ${opts.to.uri} left untouched; improve the candidate, or set force: true to promote anyway.`,
          );
    logger.warning(
      `promoting ${opts.model} although compare-models decided ${shown(opts.requireDecision)} (force: true); recorded in the audit event`,
    );
    reason = `forced over decision ${shown(opts.requireDecision)}${reason ? `: ${reason}` : ""}`;
  }

  const source = await opts.from.resolve(ref, "model");
  const sameRegistry = opts.from.uri === opts.to.uri;
  const existing = sameRegistry ? source : await opts.from.findCopy(source, opts.to);
  const before = await opts.to.getAlias(source.name, alias);
  const knownTarget = existing?.version;

  if (
    opts.expectedChampion !== undefined &&
    before !== undefined &&
    before !== opts.expectedChampion &&
    before !== knownTarget
  )
    throw conflict(opts, source, alias, before, knownTarget);
  if (opts.expectedChampion !== undefined && opts.expectedChampion !== null && before === undefined)
    throw conflict(opts, source, alias, null, knownTarget);

  if (opts.dryRun) {
    const moves = knownTarget === undefined || before !== knownTarget;
    logger.info(
      `dry run: would ${existing ? "reuse" : "copy"} ${source.name}@${source.version} and move ${alias} from ${describe(before)} to ${knownTarget === undefined ? "the new version" : describe(knownTarget)}`,
    );
    return {
      version: knownTarget ?? null,
      modelUri: knownTarget === undefined ? null : opts.to.modelUri(source.name, knownTarget),
      previousVersion: before ?? null,
      ...DRY_RUN,
      summary: summary({
        title: `Dry run: promotion of ${source.name} to ${alias}`,
        registry: opts.to,
        name: source.name,
        alias,
        before: before ?? null,
        after: moves ? (knownTarget ?? null) : (before ?? null),
        source,
        from: opts.from,
        note: moves ? "Nothing was changed (dry run)." : "Already promoted: nothing to do.",
      }),
    };
  }

  let target: ModelCard = source;
  let copied = false;
  let method: PromoteResult["method"] = "none";
  if (!sameRegistry) {
    const r = await opts.from.copyVersion(source, opts.to, {
      lineage: { approvers, actor: audit.actor, runUrl: audit.runUrl },
      verify: opts.verify,
      forceStream: opts.copy === "stream",
    });
    target = r.card;
    copied = r.created;
    method = r.method;
  }
  await opts.publish?.(target, source);

  let event: AliasEvent | null;
  try {
    event = await opts.to.setAlias(target.name, alias, target.version, {
      expectedCurrent: opts.expectedChampion,
      actor: audit.actor,
      runUrl: audit.runUrl,
      reason,
      approvers,
    });
  } catch (e) {
    if (e instanceof ConflictError) {
      const now = (await opts.to.getAlias(target.name, alias)) ?? null;
      throw conflict(opts, source, alias, now, target.version, e);
    }
    throw e;
  }
  const previous = event ? event.from : (before ?? null);
  return {
    version: target.version,
    modelUri: opts.to.modelUri(target.name, target.version),
    previousVersion: event ? event.from : (before ?? null),
    promoted: event !== null,
    copied,
    method,
    auditEvent: event,
    dryRun: false,
    summary: summary({
      title: `Promotion of ${target.name} to ${alias}`,
      registry: opts.to,
      name: target.name,
      alias,
      before: previous,
      after: target.version,
      source,
      from: opts.from,
      note: event ? undefined : `${alias} already pointed to version ${target.version}: nothing changed.`,
      event,
    }),
  };
}

function conflict(
  opts: PromoteOptions,
  source: ModelCard,
  alias: string,
  now: number | null,
  tried: number | undefined,
  cause?: unknown,
): ConflictError {
  return new ConflictError(
    `expected-champion: ${alias} of "${source.name}" in ${opts.to.uri} points to ${describe(now)}, not the expected ${describe(opts.expectedChampion)}, so ${source.name}@${source.version}${tried === undefined ? "" : ` (target version ${tried})`} was not promoted (got expected-champion ${shown(opts.expectedChampion)}). Another promotion won the race; re-run the comparison against ${describe(now)} or pass expected-champion: ${now ?? "none"}.`,
    { cause },
  );
}

/**
 * Move the alias back. Default: to the version it held before the last promotion (rollback events
 * are skipped, so re-running a rollback is a no-op); `toVersion` picks any version.
 */
export async function rollback(opts: RollbackOptions): Promise<PromoteResult> {
  const reg = opts.registry;
  const alias = opts.alias;
  const history = await reg.history(opts.name, { alias });
  const current = (await reg.getAlias(opts.name, alias)) ?? null;
  let to = opts.toVersion;
  if (to === undefined) {
    const lastPromotion = [...history].reverse().find((e) => e.action === "set");
    if (!lastPromotion || lastPromotion.from === null)
      throw new UserError(
        `rollback: ${alias} of "${opts.name}" in ${reg.uri} has no earlier version to return to (got ${history.length} recorded move(s)). Pass rollback-to: <version> instead.`,
      );
    to = lastPromotion.from;
  }
  const audit = reg.auditDefaults({ actor: opts.actor, runUrl: opts.runUrl, reason: opts.reason });
  const approvers = opts.approvers?.length ? opts.approvers : [audit.actor];
  const card = await reg.resolve(`${opts.name}@${to}`, "rollback-to");
  await opts.check?.(opts.name, to);
  if (opts.dryRun) {
    return {
      version: to,
      modelUri: reg.modelUri(opts.name, to),
      previousVersion: current,
      ...DRY_RUN,
      summary: summary({
        title: `Dry run: rollback of ${opts.name} ${alias}`,
        registry: reg,
        name: opts.name,
        alias,
        before: current,
        after: to,
        source: card,
        note: "Nothing was changed (dry run).",
      }),
    };
  }
  const event = await reg.setAlias(opts.name, alias, to, {
    expectedCurrent: current,
    action: "rollback",
    actor: audit.actor,
    runUrl: audit.runUrl,
    reason: opts.reason ?? "rollback",
    approvers,
  });
  return {
    version: to,
    modelUri: reg.modelUri(opts.name, to),
    previousVersion: current,
    promoted: event !== null,
    copied: false,
    method: "none",
    auditEvent: event,
    dryRun: false,
    summary: summary({
      title: `Rollback of ${opts.name} ${alias}`,
      registry: reg,
      name: opts.name,
      alias,
      before: current,
      after: to,
      source: card,
      note: event ? undefined : `${alias} already pointed to version ${to}: nothing changed.`,
      event,
    }),
  };
}

function summary(s: {
  title: string;
  registry: Registry;
  name: string;
  alias: string;
  before: number | null;
  after: number | null;
  source: ModelCard;
  from?: Registry;
  note?: string;
  event?: AliasEvent | null;
}): string {
  const metric = (c: ModelCard) =>
    Object.entries(c.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${formatNumber(v)}`)
      .join(", ") || "—";
  const lines = [
    `### ${mdText(s.title)}`,
    "",
    "| | Before | After |",
    "|---|---|---|",
    `| ${mdCode(s.alias)} in ${mdText(s.registry.uri)} | ${describe(s.before)} | ${s.after === null ? "new version" : describe(s.after)} |`,
  ];
  if (s.from && s.from.uri !== s.registry.uri)
    lines.push(`| Source | | ${mdText(`${s.from.uri} ${s.source.name}@${s.source.version}`)} |`);
  lines.push(`| Metrics | | ${mdText(metric(s.source))} |`);
  if (s.event) {
    lines.push(`| Actor | | ${mdText(s.event.actor)} |`);
    if (s.event.approvers?.length) lines.push(`| Approvers | | ${mdText(s.event.approvers.join(", "))} |`);
    if (s.event.reason) lines.push(`| Reason | | ${mdText(s.event.reason)} |`);
    if (s.event.runUrl) lines.push(`| Run | | ${mdLink(s.event.runUrl, s.event.runUrl)} |`);
  }
  lines.push("");
  if (s.note) lines.push(mdText(s.note), "");
  const back = s.before === null ? "`rollback-to: <version>`" : `\`rollback: true\` (or \`rollback-to: ${s.before}\`)`;
  lines.push(
    `To roll back, run the promote action on ${mdText(s.registry.uri)} with model ${mdCode(s.name, "inline")}, alias ${mdCode(s.alias, "inline")} and ${back}.`,
  );
  return `${lines.join("\n")}\n`;
}
