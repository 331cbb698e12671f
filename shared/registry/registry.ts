import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ConflictError, shown, UserError } from "../errors";
import { runIdentity } from "../github";
import { mapBounded } from "../map-bounded";
import { type Logger, silentLogger } from "../log";
import { BlobNotFoundError, type BlobStore } from "./blob-store";
import { type Digest, HashingStream, hashFile, sha256Hex } from "./hashing";
import {
  type AliasEvent,
  AliasEventSchema,
  type CardFile,
  type Lineage,
  type ModelCard,
  ModelCardSchema,
  type OnnxSignature,
} from "./model-card";
import { assertAlias, assertModelName, assertVersion, type ModelRef, parseModelRef } from "./model-ref";

export interface RegisterInput {
  name: string;
  /** Files to store: `path` inside the version ('/'-separated), `source` a local file. */
  files?: { path: string; source: string }[];
  /** Or every file under a local directory (relative paths kept). */
  dir?: string;
  signature?: OnnxSignature;
  metrics?: Record<string, number>;
  params?: Record<string, string | number | boolean | null>;
  tags?: Record<string, string>;
  lineage?: Lineage;
}

/** Who and why, recorded with every alias move. Defaults come from the GitHub environment. */
export interface AuditInfo {
  actor?: string;
  runUrl?: string;
  reason?: string;
  approvers?: string[];
}

export interface SetAliasOptions extends AuditInfo {
  /**
   * Compare-and-swap: the version the alias must point to now (null: must be unset). The move is
   * refused with ConflictError when it does not. Omitted: move whatever it points to.
   */
  expectedCurrent?: number | null;
  /** Recorded action (default "set"). */
  action?: "set" | "rollback";
}

export interface CopyOptions {
  /** Extra lineage for the target card (approvers, run URL, actor); `source` is filled in. */
  lineage?: Lineage;
  /**
   * "auto" (default): streamed copies are hashed in flight; server-side copies are checked by the
   * service against the source MD5 plus size and recorded sha256. "full": re-read and hash every target file.
   */
  verify?: "auto" | "full";
  /** Stream even when a server-side copy is possible (benchmarks, diagnostics). */
  forceStream?: boolean;
}

export interface CopyResult {
  card: ModelCard;
  /** False when the target already had this source version (nothing copied). */
  created: boolean;
  method: "server" | "stream" | "none";
}

export interface RegistryOptions {
  logger?: Logger;
  env?: Record<string, string | undefined>;
  now?: () => Date;
  /**
   * What the registry holds: "models" (default) or "datasets" (dataset snapshots: the same versions, aliases,
   * tags, audit and verified downloads, under datasets/ in the same store).
   */
  namespace?: "models" | "datasets";
}

const MAX_CAS_ATTEMPTS = 50;
const RESERVED_FILES = new Set(["card.json", "reserved.json"]);

const pad = (n: number) => String(n).padStart(10, "0");

/** Every key of one entry (a model or a dataset) in the store. */
function keysFor(ns: "models" | "datasets") {
  return {
    latest: (name: string) => `${ns}/${name}/latest.json`,
    reserved: (name: string, v: number) => `${ns}/${name}/versions/${v}/reserved.json`,
    card: (name: string, v: number) => `${ns}/${name}/versions/${v}/card.json`,
    file: (name: string, v: number, path: string) => `${ns}/${name}/versions/${v}/${path}`,
    aliasPointer: (name: string, alias: string) => `${ns}/${name}/aliases/${alias}.json`,
    aliasEvent: (name: string, alias: string, gen: number) => `${ns}/${name}/aliases/${alias}/${pad(gen)}.json`,
    tags: (name: string, v: number, gen: number) => `${ns}/${name}/tags/${v}/${pad(gen)}.json`,
    source: (name: string, digest: string) => `${ns}/${name}/sources/${digest}.json`,
  };
}

/**
 * A model registry over a BlobStore. Layout and guarantees are described in shared/registry/README.md.
 * Every write is either an exclusive create or an atomic replace of a pointer that readers only use
 * as a starting point, so a killed writer never leaves a half-visible version or a held lock.
 */
export class Registry {
  readonly logger: Logger;
  private readonly env: Record<string, string | undefined>;
  private readonly now: () => Date;
  /** "models" or "datasets": the top folder of every key. */
  readonly namespace: "models" | "datasets";
  /** "model" or "dataset", in messages. */
  private readonly noun: string;

  constructor(
    readonly store: BlobStore,
    private readonly opts: RegistryOptions = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? (() => new Date());
    this.namespace = opts.namespace ?? "models";
    this.noun = this.namespace === "datasets" ? "dataset" : "model";
    this.k = keysFor(this.namespace);
  }

  /** The dataset snapshots kept in the same store (versions and aliases like models, under datasets/). */
  datasets(): Registry {
    return this.namespace === "datasets" ? this : new Registry(this.store, { ...this.opts, namespace: "datasets" });
  }

  /** The registry location, without credentials. */
  get uri(): string {
    return this.store.location;
  }

  modelUri(name: string, version: number): string {
    return `${this.uri.replace(/\/$/, "")}/${this.namespace}/${name}/versions/${version}`;
  }

  // ---------------------------------------------------------------- keys
  private readonly k: ReturnType<typeof keysFor>;

  /** Fill actor and run URL from the environment (GITHUB_ACTOR, GITHUB_RUN_ID...) when not given. */
  auditDefaults(info: AuditInfo): Required<Pick<AuditInfo, "actor">> & AuditInfo {
    const run = runIdentity(this.env);
    let actor = info.actor ?? run.actor;
    if (!actor) {
      try {
        actor = userInfo().username;
      } catch {
        actor = "unknown";
      }
    }
    const runUrl = info.runUrl ?? run.runUrl;
    return { ...info, actor, runUrl };
  }

  // ---------------------------------------------------------------- reading
  private async readJson<T>(key: string, parse: (v: unknown) => T): Promise<T | undefined> {
    const text = await this.store.readText(key);
    if (text === undefined) return undefined;
    try {
      return parse(JSON.parse(text));
    } catch (e) {
      throw new UserError(
        `registry ${this.uri}: ${key} is not valid (got ${shown(text, 60)}). The registry was edited by hand or damaged; restore the file from a backup or remove the version.`,
        { cause: e },
      );
    }
  }

  private async readCardRaw(name: string, version: number): Promise<ModelCard | undefined> {
    return this.readJson(this.k.card(name, version), (v) => ModelCardSchema.parse(v));
  }

  /** The card with the current tags merged in. */
  private async readCard(name: string, version: number): Promise<ModelCard | undefined> {
    const card = await this.readCardRaw(name, version);
    if (!card) return undefined;
    const head = await this.chainHead(
      (g) => this.k.tags(name, version, g),
      0,
      (v) => v as { tags: Record<string, string> },
    );
    return head.entry ? { ...card, tags: head.entry.tags } : card;
  }

  /** Walk an append-only log forward from a hint: entries are created exclusively, so there are no gaps. */
  private async chainHead<T>(
    key: (gen: number) => string,
    hint: number,
    parse: (v: unknown) => T,
  ): Promise<{ gen: number; entry: T | undefined }> {
    let gen = hint;
    let entry: T | undefined;
    for (;;) {
      const next = await this.readJson(key(gen + 1), parse);
      if (next === undefined) break;
      entry = next;
      gen++;
    }
    if (entry === undefined && gen > 0) entry = await this.readJson(key(gen), parse);
    return { gen, entry };
  }

  private async latestHint(name: string): Promise<number> {
    const hint = await this.readJson(this.k.latest(name), (v) => (v as { version: number }).version);
    return typeof hint === "number" && hint > 0 ? hint : 0;
  }

  /** Latest version with a card: start at the pointer, probe reserved numbers after it. */
  private async latestVersion(name: string): Promise<number | undefined> {
    const hint = await this.latestHint(name);
    let latest = hint > 0 ? hint : undefined;
    for (let v = hint + 1; ; v++) {
      if (!(await this.store.exists(this.k.reserved(name, v)))) break;
      if (await this.store.exists(this.k.card(name, v))) latest = v;
    }
    return latest;
  }

  private async raisePointer(key: string, value: Record<string, unknown>, field: string): Promise<void> {
    const cur = await this.store.readText(key).catch(() => undefined);
    let curValue = 0;
    try {
      curValue = cur ? Number(JSON.parse(cur)[field]) || 0 : 0;
    } catch {
      /* a damaged pointer is rewritten */
    }
    if (curValue >= Number(value[field])) return;
    await this.store.writeText(key, `${JSON.stringify(value)}\n`, "overwrite");
  }

  async resolve(ref: string | ModelRef, what = "model"): Promise<ModelCard> {
    const r = typeof ref === "string" ? parseModelRef(ref, what) : ref;
    const version = await this.resolveVersion(r, what);
    const card = await this.readCard(r.name, version);
    if (!card) throw await this.unknownVersion(r.name, version, what);
    return card;
  }

  private async resolveVersion(r: ModelRef, what: string): Promise<number> {
    if (r.kind === "version") return r.version;
    if (r.kind === "alias") {
      const v = await this.getAlias(r.name, r.alias);
      if (v === undefined) {
        const aliases = await this.aliases(r.name);
        const names = Object.entries(aliases).map(([a, n]) => `${a} -> ${n}`);
        const latest = await this.latestVersion(r.name);
        if (names.length === 0 && latest === undefined) throw await this.unknownModel(r.name, what);
        throw new UserError(
          `${what}: alias "${r.alias}" of ${this.noun} "${r.name}" is not set in ${this.uri} (aliases: ${names.join(", ") || "none"}; latest version: ${latest ?? "none"}). Promote a version to it first or use ${r.name}@<version>.`,
          { code: "not-found" },
        );
      }
      return v;
    }
    const latest = await this.latestVersion(r.name);
    if (latest === undefined) throw await this.unknownModel(r.name, what);
    return latest;
  }

  private async unknownModel(name: string, what: string): Promise<UserError> {
    const names = (await this.list().catch(() => [])).map((m) => m.name);
    const shownNames = names.length > 10 ? `${names.slice(0, 10).join(", ")}, …` : names.join(", ") || "none";
    // A registry path with a typo is an empty registry to the store; on disk the folder's absence says so.
    const missing =
      this.store.kind === "file" && names.length === 0 && !(await this.store.exists("").catch(() => true));
    return new UserError(
      missing
        ? `${what}: no ${this.noun} named "${name}" in ${this.uri} (${this.namespace}: none; the registry folder does not exist). Check the registry path, or register the ${this.noun} first.`
        : `${what}: no ${this.noun} named "${name}" in ${this.uri} (${this.namespace}: ${shownNames}). Register it first or fix the name.`,
      { code: "not-found" },
    );
  }

  private async unknownVersion(name: string, version: number, what: string): Promise<UserError> {
    const latest = await this.latestVersion(name);
    if (latest === undefined) return this.unknownModel(name, what);
    return new UserError(
      `${what}: version ${version} of ${this.noun} "${name}" does not exist in ${this.uri} (latest is ${latest}). Use an existing version or ${name}@latest.`,
      { code: "not-found" },
    );
  }

  /** Models with at least one complete version. */
  async list(): Promise<{ name: string; latest: number }[]> {
    const names = await this.store.listChildren(`${this.namespace}/`);
    const out = await mapBounded(names, 8, async (name) => ({ name, latest: await this.latestVersion(name) }));
    return out.filter((m): m is { name: string; latest: number } => m.latest !== undefined);
  }

  /** Every complete version of a model (versions without a card are ignored), oldest first. */
  async listVersions(name: string): Promise<ModelCard[]> {
    assertModelName(name);
    const keys = await this.store.list(`${this.namespace}/${name}/versions/`);
    const versions = keys
      .map((k) => /\/versions\/(\d+)\/card\.json$/.exec(k.key)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const cards = await mapBounded(versions, 16, (v) => this.readCard(name, v));
    return cards.filter((c): c is ModelCard => c !== undefined);
  }

  /**
   * Check, before a long job, that this registry can be listed and written with the credentials at hand,
   * without touching any model: lists the models and overwrites `meta/write-check.json` (who and when).
   * A missing permission, a failed sign-in or a path that is not a folder is the same error a later
   * registration would meet, only earlier.
   */
  async checkWritable(): Promise<void> {
    await this.store.listChildren("models/");
    const who = this.auditDefaults({});
    await this.store.writeText(
      "meta/write-check.json",
      `${JSON.stringify({ at: this.now().toISOString(), actor: who.actor, runUrl: who.runUrl })}\n`,
      "overwrite",
    );
  }

  // ---------------------------------------------------------------- writing versions
  /** Reserve the next version number: exclusive create of versions/<n>/reserved.json from the pointer on. */
  private async reserveVersion(name: string, purpose: string): Promise<number> {
    let v = (await this.latestHint(name)) + 1;
    const body = JSON.stringify({ at: this.now().toISOString(), purpose, pid: process.pid });
    for (;;) {
      if (await this.store.writeText(this.k.reserved(name, v), body, "create")) return v;
      v++;
    }
  }

  private async collectFiles(input: RegisterInput): Promise<{ path: string; source: string }[]> {
    const files = [...(input.files ?? [])];
    if (input.dir) {
      const walk = async (d: string): Promise<void> => {
        let entries: import("node:fs").Dirent[];
        try {
          entries = await readdir(d, { withFileTypes: true });
        } catch (e) {
          throw new UserError(
            `dir: cannot read the model directory (got ${shown(input.dir)}: ${(e as NodeJS.ErrnoException).code}). Pass an existing directory.`,
            { cause: e },
          );
        }
        for (const ent of entries) {
          const full = join(d, ent.name);
          if (ent.isDirectory()) await walk(full);
          else if (ent.isFile())
            files.push({
              path: relative(input.dir as string, full)
                .split(sep)
                .join("/"),
              source: full,
            });
        }
      };
      await walk(input.dir);
    }
    if (files.length === 0)
      throw new UserError(
        `files: nothing to register for "${input.name}" (got no files). Pass files or a non-empty dir.`,
      );
    const seen = new Set<string>();
    for (const f of files) {
      const parts = f.path.split("/");
      if (
        !f.path ||
        f.path.startsWith("/") ||
        parts.some((p) => p === "" || p === "." || p === ".." || p.startsWith(".")) ||
        RESERVED_FILES.has(f.path)
      )
        throw new UserError(
          `files: invalid file path in the model (got ${shown(f.path)}). Use a relative path without '..' or hidden parts, not card.json or reserved.json.`,
        );
      if (seen.has(f.path))
        throw new UserError(`files: duplicate file path (got ${shown(f.path)}). Give each file a distinct path.`);
      seen.add(f.path);
      try {
        const s = await stat(f.source);
        if (!s.isFile()) throw new Error("not a file");
      } catch (e) {
        throw new UserError(`files: model file not found (got ${shown(f.source)}). Check the path.`, { cause: e });
      }
    }
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Upload a stream and check it hashed to what was expected. */
  private async putStream(key: string, body: Readable, expected: Digest, task: string, what: string): Promise<void> {
    const h = new HashingStream({ logger: this.logger, task, total: expected.size });
    body.on("error", (e) => h.destroy(e));
    body.pipe(h);
    await this.store.writeStream(key, h, expected);
    const got = h.digest();
    if (got.sha256 !== expected.sha256 || got.size !== expected.size)
      throw new UserError(
        `${what}: checksum mismatch while copying (expected sha256 ${expected.sha256}, size ${expected.size}; got sha256 ${got.sha256}, size ${got.size}). The source changed or is damaged; check it and retry.`,
      );
  }

  /** Register a new version; the card is written last and makes it visible. */
  async register(input: RegisterInput): Promise<ModelCard> {
    assertModelName(input.name, "name");
    const files = await this.collectFiles(input);
    const digests: CardFile[] = [];
    for (const f of files) digests.push({ path: f.path, ...(await hashFile(f.source)) });
    const version = await this.reserveVersion(input.name, "register");
    this.logger.info(`registering ${input.name}@${version} in ${this.uri} (${files.length} file(s))`);
    for (const [i, f] of files.entries()) {
      const d = digests[i] as CardFile;
      await this.putStream(
        this.k.file(input.name, version, f.path),
        createReadStream(f.source),
        d,
        `upload ${f.path}`,
        `files: ${f.source}`,
      );
    }
    const card: ModelCard = ModelCardSchema.parse({
      schema: 1,
      name: input.name,
      version,
      createdAt: this.now().toISOString(),
      files: digests,
      signature: input.signature,
      metrics: input.metrics ?? {},
      params: input.params ?? {},
      tags: input.tags ?? {},
      lineage: {
        ...input.lineage,
        actor: input.lineage?.actor ?? this.auditDefaults({}).actor,
        runUrl: input.lineage?.runUrl ?? this.auditDefaults({}).runUrl,
      },
    });
    if (!(await this.store.writeText(this.k.card(input.name, version), `${JSON.stringify(card, null, 2)}\n`, "create")))
      throw new Error(
        `card for ${input.name}@${version} already exists although the version was reserved by this call`,
      );
    await this.raisePointer(this.k.latest(input.name), { version }, "version");
    return card;
  }

  /** Download a version into `dir` (plus card.json), verifying every file's sha256. */
  async get(ref: string | ModelRef, dir: string): Promise<{ card: ModelCard; paths: Record<string, string> }> {
    const card = await this.resolve(ref);
    const label = `${card.name}@${card.version}`;
    await mkdir(dir, { recursive: true });
    const paths: Record<string, string> = {};
    for (const f of card.files) {
      const out = join(dir, ...f.path.split("/"));
      await mkdir(dirname(out), { recursive: true });
      const part = `${out}.part`;
      let src: Readable;
      try {
        src = await this.store.openRead(this.k.file(card.name, card.version, f.path));
      } catch (e) {
        if (e instanceof BlobNotFoundError)
          throw new UserError(
            `${label}: file ${f.path} listed in the card is missing from ${this.uri} (got no blob). The version is damaged; re-register or re-promote it.`,
            { cause: e },
          );
        throw e;
      }
      const h = new HashingStream({ logger: this.logger, task: `download ${f.path}`, total: f.size });
      try {
        await pipeline(src, h, createWriteStream(part));
      } catch (e) {
        await unlink(part).catch(() => {});
        throw e;
      }
      const got = h.digest();
      if (got.sha256 !== f.sha256 || got.size !== f.size) {
        await unlink(part).catch(() => {});
        throw new UserError(
          `${label}: checksum mismatch for ${f.path} in ${this.uri} (expected sha256 ${f.sha256}, got ${got.sha256}). The stored file was modified or damaged; re-register or re-promote the model.`,
          { code: "checksum" },
        );
      }
      await rename(part, out);
      paths[f.path] = out;
    }
    await writeFile(join(dir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
    return { card, paths };
  }

  // ---------------------------------------------------------------- aliases
  private aliasHead(name: string, alias: string, hint: number) {
    return this.chainHead(
      (g) => this.k.aliasEvent(name, alias, g),
      hint,
      (v) => AliasEventSchema.parse(v),
    );
  }

  private async aliasState(name: string, alias: string): Promise<{ gen: number; event: AliasEvent | undefined }> {
    const hint =
      (await this.readJson(this.k.aliasPointer(name, alias), (v) => (v as { generation: number }).generation)) ?? 0;
    const { gen, entry } = await this.aliasHead(name, alias, typeof hint === "number" ? hint : 0);
    return { gen, event: entry };
  }

  /** The version an alias points to, or undefined when unset. */
  async getAlias(name: string, alias: string): Promise<number | undefined> {
    assertModelName(name);
    assertAlias(alias);
    const { event } = await this.aliasState(name, alias);
    return event?.to ?? undefined;
  }

  /** Every alias that is set, with its version. */
  async aliases(name: string): Promise<Record<string, number>> {
    assertModelName(name);
    const keys = await this.store.list(`${this.namespace}/${name}/aliases/`);
    const names = [
      ...new Set(
        keys.map((k) => /\/aliases\/([^/]+)\/\d+\.json$/.exec(k.key)?.[1]).filter((a): a is string => a !== undefined),
      ),
    ];
    const out: Record<string, number> = {};
    for (const a of names.sort()) {
      const v = await this.getAlias(name, a);
      if (v !== undefined) out[a] = v;
    }
    return out;
  }

  /**
   * Point an alias at a version. Optimistic concurrency: the move is an exclusive create of the next
   * event in the alias' log, so of concurrent movers exactly one wins; with `expectedCurrent` the
   * losers get a ConflictError naming both versions. Returns the recorded event, or null when the
   * alias already pointed there (nothing recorded).
   */
  async setAlias(
    name: string,
    alias: string,
    version: number | null,
    opts: SetAliasOptions = {},
  ): Promise<AliasEvent | null> {
    assertModelName(name);
    assertAlias(alias);
    if (version !== null) {
      assertVersion(version);
      if (!(await this.readCardRaw(name, version))) throw await this.unknownVersion(name, version, "version");
    }
    const audit = this.auditDefaults(opts);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { gen, event } = await this.aliasState(name, alias);
      const current = event?.to ?? null;
      if (opts.expectedCurrent !== undefined && current !== opts.expectedCurrent && current !== version) {
        throw new ConflictError(
          `alias "${alias}" of model "${name}": it points to ${describe(current)}, not the expected ${describe(opts.expectedCurrent)} (tried to move it to ${describe(version)}). Another run moved it since; re-run the comparison against ${describe(current)} or pass expected ${describe(current)}.`,
        );
      }
      if (current === version) return null;
      const next: AliasEvent = AliasEventSchema.parse({
        name,
        alias,
        generation: gen + 1,
        action: version === null ? "delete" : (opts.action ?? "set"),
        from: current,
        to: version,
        actor: audit.actor,
        at: this.now().toISOString(),
        runUrl: audit.runUrl,
        reason: audit.reason,
        approvers: audit.approvers,
      });
      if (
        await this.store.writeText(
          this.k.aliasEvent(name, alias, gen + 1),
          `${JSON.stringify(next, null, 2)}\n`,
          "create",
        )
      ) {
        await this.raisePointer(
          this.k.aliasPointer(name, alias),
          { alias, version, generation: gen + 1 },
          "generation",
        ).catch((e) => this.logger.debug(`alias pointer not updated (readers still find the move): ${e}`));
        this.logger.info(`${name}@${alias}: ${describe(current)} -> ${describe(version)} in ${this.uri}`);
        return next;
      }
      // Someone else appended first: re-read and re-check.
    }
    throw new ConflictError(
      `alias "${alias}" of model "${name}": too many concurrent moves (got ${MAX_CAS_ATTEMPTS} conflicts in a row). Retry later.`,
    );
  }

  async deleteAlias(name: string, alias: string, opts: SetAliasOptions = {}): Promise<AliasEvent | null> {
    return this.setAlias(name, alias, null, opts);
  }

  /** Alias moves of a model (all aliases, or one), oldest first. */
  async history(name: string, opts: { alias?: string } = {}): Promise<AliasEvent[]> {
    assertModelName(name);
    if (opts.alias !== undefined) assertAlias(opts.alias);
    const keys = await this.store.list(`${this.namespace}/${name}/aliases/${opts.alias ? `${opts.alias}/` : ""}`);
    const eventKeys = keys.map((k) => k.key).filter((k) => /\/aliases\/[^/]+\/\d+\.json$/.test(k));
    const events = await mapBounded(eventKeys, 16, (k) => this.readJson(k, (v) => AliasEventSchema.parse(v)));
    return events
      .filter((e): e is AliasEvent => e !== undefined)
      .sort((a, b) => a.at.localeCompare(b.at) || a.alias.localeCompare(b.alias) || a.generation - b.generation);
  }

  // ---------------------------------------------------------------- tags
  /** Merge tags into a version's tags (null removes a tag). Concurrent callers are serialized by exclusive create. */
  async setTags(ref: string | ModelRef, tags: Record<string, string | null>, info: AuditInfo = {}): Promise<ModelCard> {
    const card = await this.resolve(ref);
    const audit = this.auditDefaults(info);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const head = await this.chainHead(
        (g) => this.k.tags(card.name, card.version, g),
        0,
        (v) => v as { tags: Record<string, string> },
      );
      const merged: Record<string, string> = { ...(head.entry?.tags ?? card.tags) };
      for (const [k, v] of Object.entries(tags)) {
        if (v === null) delete merged[k];
        else merged[k] = String(v);
      }
      const entry = { tags: merged, actor: audit.actor, at: this.now().toISOString(), runUrl: audit.runUrl };
      if (
        await this.store.writeText(this.k.tags(card.name, card.version, head.gen + 1), JSON.stringify(entry), "create")
      )
        return { ...card, tags: merged };
    }
    throw new ConflictError(`tags of ${card.name}@${card.version}: too many concurrent updates. Retry later.`);
  }

  // ---------------------------------------------------------------- copy between registries
  /**
   * Copy a version into another registry (server-side between Azure containers/accounts when
   * possible, streaming otherwise). Idempotent: the same source version always maps to the same
   * target version, found through models/<name>/sources/<digest>.json.
   */
  private copyKey(src: ModelCard, target: Registry) {
    const sourceSha = Object.fromEntries(src.files.map((f) => [f.path, f.sha256]));
    const digest = sha256Hex(
      JSON.stringify({ registry: this.uri, name: src.name, version: src.version, sha256: sourceSha }),
    );
    const sourceKey = target.k.source(src.name, digest);
    const readMapping = () =>
      target.readJson(sourceKey, (v) => {
        const n = (v as { version: number }).version;
        if (typeof n !== "number") throw new Error("no version");
        return n;
      });
    return { sourceSha, sourceKey, readMapping };
  }

  /** The complete target version already copied from this source version, if any (no writes). */
  async findCopy(ref: string | ModelRef | ModelCard, target: Registry): Promise<ModelCard | undefined> {
    const src = typeof ref === "object" && "files" in ref ? ref : await this.resolve(ref);
    const version = await this.copyKey(src, target).readMapping();
    return version === undefined ? undefined : target.readCard(src.name, version);
  }

  async copyVersion(ref: string | ModelRef | ModelCard, target: Registry, opts: CopyOptions = {}): Promise<CopyResult> {
    const src = typeof ref === "object" && "files" in ref ? ref : await this.resolve(ref);
    const { sourceSha, sourceKey, readMapping } = this.copyKey(src, target);
    let version = await readMapping();
    if (version === undefined) {
      const reserved = await target.reserveVersion(src.name, `copy of ${this.uri}#${src.name}@${src.version}`);
      const body = JSON.stringify({
        version: reserved,
        source: { registry: this.uri, name: src.name, version: src.version },
      });
      if (await target.store.writeText(sourceKey, body, "create")) version = reserved;
      else version = await readMapping();
      if (version === undefined) throw new Error(`source mapping ${sourceKey} vanished`);
    }
    const existing = await target.readCard(src.name, version);
    if (existing) {
      const s = existing.lineage.source;
      if (!s || s.version !== src.version || JSON.stringify(s.sha256) !== JSON.stringify(sourceSha))
        throw new Error(
          `${target.uri}: ${src.name}@${version} is mapped to ${src.name}@${src.version} but its card disagrees`,
        );
      return { card: existing, created: false, method: "none" };
    }
    let method: CopyResult["method"] = "stream";
    for (const f of src.files) {
      const fromKey = this.k.file(src.name, src.version, f.path);
      const toKey = target.k.file(src.name, version, f.path);
      const what = `${src.name}@${src.version} ${f.path}`;
      let copied = false;
      const sourceMissing = (e: unknown) =>
        e instanceof BlobNotFoundError
          ? new UserError(`${what}: missing from the source registry ${this.uri}. The source version is damaged.`, {
              cause: e,
            })
          : e;
      if (!opts.forceStream && target.store.serverCopy) {
        try {
          copied = await target.store.serverCopy(this.store, fromKey, toKey, f);
        } catch (e) {
          throw sourceMissing(e);
        }
      }
      if (copied) {
        method = "server";
        target.logger.progress({ task: `copy ${f.path}`, done: f.size, total: f.size, unit: "bytes", finished: true });
        await target.checkServerCopy(toKey, f, what);
      } else {
        let body: Readable;
        try {
          body = await this.store.openRead(fromKey);
        } catch (e) {
          throw sourceMissing(e);
        }
        await target.putStream(toKey, body, f, `copy ${f.path}`, what);
      }
      if (opts.verify === "full") await target.rehash(toKey, f, what);
    }
    const audit = target.auditDefaults({ actor: opts.lineage?.actor, runUrl: opts.lineage?.runUrl });
    const card: ModelCard = ModelCardSchema.parse({
      ...src,
      version,
      createdAt: target.now().toISOString(),
      lineage: {
        ...src.lineage,
        ...opts.lineage,
        actor: audit.actor,
        runUrl: audit.runUrl,
        source: { registry: this.uri, name: src.name, version: src.version, sha256: sourceSha },
      },
    });
    if (
      !(await target.store.writeText(target.k.card(src.name, version), `${JSON.stringify(card, null, 2)}\n`, "create"))
    ) {
      // A concurrent copy of the same source finished first: same content, same version.
      const other = await target.readCard(src.name, version);
      if (!other) throw new Error(`card of ${src.name}@${version} reported as existing but unreadable`);
      return { card: other, created: false, method: "none" };
    }
    await target.raisePointer(target.k.latest(src.name), { version }, "version");
    target.logger.info(
      `copied ${src.name}@${src.version} from ${this.uri} to ${target.uri} as version ${version} (${method})`,
    );
    return { card, created: true, method };
  }

  private async checkServerCopy(key: string, f: CardFile, what: string): Promise<void> {
    if (!this.store.properties) return this.rehash(key, f, what);
    const p = await this.store.properties(key);
    if (!p || p.size !== f.size || p.sha256 !== f.sha256 || (p.copyStatus !== undefined && p.copyStatus !== "success"))
      throw new UserError(
        `${what}: server-side copy into ${this.uri} did not produce the expected blob (expected size ${f.size} and sha256 ${f.sha256}, got ${p ? `size ${p.size}, sha256 ${p.sha256}, copy ${p.copyStatus}` : "no blob"}). Retry the promotion.`,
      );
  }

  private async rehash(key: string, f: CardFile, what: string): Promise<void> {
    const h = new HashingStream();
    await pipeline(await this.store.openRead(key), h, async (src: AsyncIterable<unknown>) => {
      for await (const _ of src) {
        /* drain */
      }
    });
    const got = h.digest();
    if (got.sha256 !== f.sha256)
      throw new UserError(
        `${what}: checksum mismatch in ${this.uri} after copy (expected sha256 ${f.sha256}, got ${got.sha256}). Retry the promotion.`,
        { code: "checksum" },
      );
  }
}

function describe(v: number | null | undefined): string {
  return v === null || v === undefined ? "nothing (unset)" : `version ${v}`;
}
