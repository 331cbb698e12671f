/**
 * The registry as people browse it (MLflow's model pages, without a server): models with their aliases,
 * each model's versions, its audit history, and what changed between two versions. Reads only.
 */
import { UserError } from "../errors";
import { type AliasEvent, type ModelCard, parseModelRef, type Registry, type TensorSpec } from "../registry";

export interface ModelListing {
  name: string;
  latest: number;
  versions: number;
  /** alias → version */
  aliases: Record<string, number>;
  /** When the latest version was registered. */
  updatedAt: string;
}

export interface VersionRow {
  version: number;
  createdAt: string;
  /** Aliases that point at this version now. */
  aliases: string[];
  metrics: Record<string, number>;
  gitSha?: string;
  runUrl?: string;
  dataHash?: string;
  /** `registry#name@version` it was copied (promoted) from. */
  source?: string;
  approvers?: string[];
}

export interface ModelView {
  name: string;
  aliases: Record<string, number>;
  versions: VersionRow[];
  history: AliasEvent[];
}

export interface VersionView {
  card: ModelCard;
  aliases: string[];
}

function aliasesOf(aliases: Record<string, number>, version: number): string[] {
  return Object.entries(aliases)
    .filter(([, v]) => v === version)
    .map(([a]) => a)
    .sort();
}

/** Every model with its latest version, version count and aliases, by name. */
export async function listModels(reg: Registry): Promise<ModelListing[]> {
  const models = await reg.list();
  const out: ModelListing[] = [];
  for (const m of models.sort((a, b) => a.name.localeCompare(b.name))) {
    const [versions, aliases, latest] = await Promise.all([
      reg.listVersions(m.name),
      reg.aliases(m.name),
      reg.resolve(`${m.name}@${m.latest}`),
    ]);
    out.push({ name: m.name, latest: m.latest, versions: versions.length, aliases, updatedAt: latest.createdAt });
  }
  return out;
}

function row(card: ModelCard, aliases: Record<string, number>): VersionRow {
  const l = card.lineage;
  const r: VersionRow = {
    version: card.version,
    createdAt: card.createdAt,
    aliases: aliasesOf(aliases, card.version),
    metrics: card.metrics,
  };
  if (l.gitSha) r.gitSha = l.gitSha;
  if (l.runUrl) r.runUrl = l.runUrl;
  if (l.dataHash) r.dataHash = l.dataHash;
  if (l.source) r.source = `${l.source.registry}#${l.source.name}@${l.source.version}`;
  if (l.approvers?.length) r.approvers = l.approvers;
  return r;
}

/** A model's versions (oldest first), current aliases and audit history. */
export async function describeModel(reg: Registry, name: string): Promise<ModelView> {
  const ref = parseModelRef(name, "model");
  if (ref.kind !== "latest") {
    throw new UserError(
      `model: give a model name here (got ${JSON.stringify(name)}). Show one version with "show ${name}".`,
    );
  }
  const versions = await reg.listVersions(ref.name);
  if (versions.length === 0) await reg.resolve(ref.name); // the registry's "not found" error, naming what exists
  const [aliases, history] = await Promise.all([reg.aliases(ref.name), reg.history(ref.name)]);
  return { name: ref.name, aliases, versions: versions.map((c) => row(c, aliases)), history };
}

/** One version's card (metrics, params, signature, lineage, files, tags) and the aliases on it. */
export async function describeVersion(reg: Registry, ref: string): Promise<VersionView> {
  const card = await reg.resolve(ref);
  return { card, aliases: aliasesOf(await reg.aliases(card.name), card.version) };
}

/** Audit events of a model (every alias, or one), oldest first. */
export async function modelHistory(reg: Registry, name: string, alias?: string): Promise<AliasEvent[]> {
  const ref = parseModelRef(name, "model");
  await reg.resolve(ref.name); // an unknown model is an error, not an empty history
  return reg.history(ref.name, alias ? { alias } : {});
}

export type Change = "added" | "removed" | "changed" | "same";

export interface ValueChange<T> {
  name: string;
  a: T | undefined;
  b: T | undefined;
  change: Change;
}

export interface VersionDiff {
  a: { name: string; version: number };
  b: { name: string; version: number };
  metrics: (ValueChange<number> & { delta: number | null })[];
  params: ValueChange<string | number | boolean | null>[];
  signature: ValueChange<string>[];
  lineage: ValueChange<string>[];
  files: ValueChange<string>[];
  tags: ValueChange<string>[];
}

function changes<T>(a: Record<string, T>, b: Record<string, T>, same = (x: T, y: T) => x === y): ValueChange<T>[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.map((name) => {
    const x = a[name];
    const y = b[name];
    const change: Change = x === undefined ? "added" : y === undefined ? "removed" : same(x, y) ? "same" : "changed";
    return { name, a: x, b: y, change };
  });
}

const tensor = (t: TensorSpec) => `${t.dtype} [${t.shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;

function signatureOf(card: ModelCard): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of card.signature?.inputs ?? []) out[`input ${t.name}`] = tensor(t);
  for (const t of card.signature?.outputs ?? []) out[`output ${t.name}`] = tensor(t);
  if (card.signature?.opset !== undefined) out.opset = String(card.signature.opset);
  return out;
}

/** Lineage as flat text fields (nested values such as an Azure ML job as JSON). */
function lineageOf(card: ModelCard): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(card.lineage)) {
    if (v === undefined || v === null) continue;
    if (k === "source" && typeof v === "object") {
      const s = v as { registry: string; name: string; version: number };
      out.source = `${s.registry}#${s.name}@${s.version}`;
    } else if (Array.isArray(v)) out[k] = v.join(", ");
    else out[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return out;
}

/**
 * What changed from version a to version b: metrics (with deltas), params, signature (each input and
 * output's type and shape), lineage, files (by sha256) and tags. Unchanged entries are kept, marked "same".
 */
export async function diffVersions(reg: Registry, refA: string, refB: string): Promise<VersionDiff> {
  const a = await reg.resolve(refA, "first version");
  // A bare version or alias ("3", "@champion") means the same model as the first one.
  const bRef = /^\d+$/.test(refB) ? `${a.name}@${refB}` : refB.startsWith("@") ? `${a.name}${refB}` : refB;
  const b = await reg.resolve(bRef, "second version");
  const metrics = changes(a.metrics, b.metrics).map((c) => ({
    ...c,
    delta: c.a !== undefined && c.b !== undefined ? c.b - c.a : null,
  }));
  const files = (card: ModelCard) => Object.fromEntries(card.files.map((f) => [f.path, f.sha256]));
  return {
    a: { name: a.name, version: a.version },
    b: { name: b.name, version: b.version },
    metrics,
    params: changes(a.params, b.params),
    signature: changes(signatureOf(a), signatureOf(b)),
    lineage: changes(lineageOf(a), lineageOf(b)),
    files: changes(files(a), files(b)),
    tags: changes(a.tags, b.tags),
  };
}
