/**
 * Where a model given to an action comes from: a local .onnx file, a reference in the action's registry
 * (`name`, `name@3`, `name@champion`), or a model URI naming its own registry (`<registry>#name@3`, as the
 * train and promote actions output it).
 */
import { constants, existsSync, type Stats, statSync } from "node:fs";
import { access, mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { isUserError, shown, UserError } from "../errors";
import type { Logger } from "../log";
import {
  DEFAULT_REGISTRY,
  displayLocation,
  type ModelCard,
  openRegistry,
  parseRegistryUri,
  type Registry,
  registrySecrets,
} from "../registry";
import { fileError } from "../user-files";

export interface ModelSource {
  /** A local file path (kind "file"), or a registry and a reference in it (kind "registry"). */
  kind: "file" | "registry";
  path?: string;
  registry?: string;
  ref?: string;
}

const looksLikeFile = (s: string) => /\.onnx$/i.test(s) || s.startsWith("./") || s.startsWith("../") || isAbsolute(s);

const withoutQuery = (uri: string) => uri.replace(/\?.*$/, "").replace(/\/+$/, "");

/**
 * Split what a user wrote into a file or a registry reference. A `<registry>#ref` whose registry is the
 * default registry without its query (the model URIs the actions output leave a SAS token out) is read
 * through the default registry, so the SAS given in `registry:` applies to it.
 */
export function parseModelSpec(spec: string, defaultRegistry: string | undefined, cwd = process.cwd()): ModelSource {
  const s = spec.trim();
  const hash = s.lastIndexOf("#");
  if (hash > 0) {
    const own = s.slice(0, hash);
    const sameWithSas =
      defaultRegistry?.includes("?") && !own.includes("?") && withoutQuery(defaultRegistry) === withoutQuery(own);
    const registry = sameWithSas ? defaultRegistry : own;
    return { kind: "registry", registry, ref: s.slice(hash + 1) };
  }
  const path = resolve(cwd, s);
  if (looksLikeFile(s) || isFileOrModelDir(path)) return { kind: "file", path };
  return { kind: "registry", registry: defaultRegistry, ref: s };
}

/** A file, or a folder holding a model.onnx (what a trainer's output folder looks like). */
function isFileOrModelDir(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() || (info.isDirectory() && existsSync(join(path, "model.onnx")));
  } catch {
    return false;
  }
}

/**
 * The ONNX file a local model spec names: the file itself, or in a folder its model.onnx (or its only
 * .onnx file). Anything else is one error naming the input.
 */
async function localModelFile(path: string, spec: string, what: string): Promise<string> {
  const fix =
    "Give the path of an .onnx file, a folder that holds one model.onnx, or a registry reference such as my-model@champion.";
  let info: Stats;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UserError(`${what}: file not found (got ${JSON.stringify(spec)}, looked at ${path}). ${fix}`);
    throw fileError(e, what, path, fix);
  }
  let file = path;
  if (info.isDirectory()) {
    const entries = await readdir(path).catch((e: unknown) => {
      throw fileError(e, what, path, fix);
    });
    const onnx = entries.filter((f) => /\.onnx$/i.test(f)).sort();
    const pick = entries.includes("model.onnx") ? "model.onnx" : onnx.length === 1 ? onnx[0] : undefined;
    if (!pick) {
      const got =
        onnx.length > 1
          ? `several .onnx files: ${onnx.join(", ")}`
          : `no .onnx file; it holds ${entries.length === 0 ? "nothing" : shown(entries.slice(0, 8).join(", "), 200)}`;
      throw new UserError(`${what}: ${path} is a folder with no model.onnx (got ${got}). ${fix}`);
    }
    file = join(path, pick);
  }
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    throw fileError(e, what, file, fix);
  }
  return file;
}

/**
 * `<registry>#<name>@<version>`: a reference later steps can resolve. A SAS query in the registry URI is
 * left out: it is a secret, and the next step reads the registry with its own credentials.
 */
export function modelUriOf(registry: string | undefined, name: string, version: number): string {
  return `${(registry || DEFAULT_REGISTRY).replace(/\?.*$/, "")}#${name}@${version}`;
}

/** A model spec as it may be shown (reports, messages): a SAS query in its registry part is left out. */
export function displayModelSpec(spec: string): string {
  const hash = spec.lastIndexOf("#");
  return hash > 0 ? `${spec.slice(0, hash).replace(/\?.*$/, "")}${spec.slice(hash)}` : spec;
}

/**
 * The `name[@version|alias]` part of a model given to an action that works in one registry (promote): a bare
 * reference, or a model URI `<registry>#name@version` (as train and promote output it) of that same registry.
 * `input` names the registry input for the message when the URI points elsewhere.
 */
export function referenceIn(
  spec: string,
  registry: string | undefined,
  opts: { what?: string; input?: string; env?: Record<string, string | undefined> } = {},
): string {
  const s = spec.trim();
  const hash = s.lastIndexOf("#");
  if (hash <= 0) return s;
  const where = (uri: string | undefined) => displayLocation(parseRegistryUri(uri, { env: opts.env }));
  const own = where(s.slice(0, hash));
  const expected = where(registry);
  if (own !== expected) {
    throw new UserError(
      `${opts.what ?? "model"}: the model URI names another registry than ${opts.input ?? "registry"} (got ${JSON.stringify(displayModelSpec(s))}, ${opts.input ?? "registry"} is ${expected}). Set ${opts.input ?? "registry"}: to ${own}, or give the model as ${s.slice(hash + 1)}.`,
    );
  }
  return s.slice(hash + 1);
}

export interface ResolvedModel {
  /** Local path of the ONNX file (downloaded and checksum-verified when it came from a registry). */
  path: string;
  /** The registry card, for registry references. */
  card?: ModelCard;
  name?: string;
  version?: number;
  /** `<registry>#name@version` for registry models. */
  uri?: string;
  /** How the user named it, for messages (without a SAS token). */
  label: string;
}

export interface ResolveOptions {
  /** Registry for references without their own (`registry` input). */
  registry?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Where registry models are downloaded (default a new temp dir). */
  downloadDir?: string;
  /** The input the model came from, for error messages. */
  what?: string;
}

/** Every secret the registries of these specs carry (SAS tokens, connection strings): mask them first. */
export function modelSecrets(specs: (string | undefined)[], opts: ResolveOptions): string[] {
  const out = new Set<string>();
  for (const spec of specs) {
    if (!spec) continue;
    const m = parseModelSpec(spec, opts.registry, opts.cwd);
    if (m.kind === "registry") for (const s of registrySecrets(m.registry, { env: opts.env })) out.add(s);
  }
  for (const s of registrySecrets(opts.registry, { env: opts.env })) out.add(s);
  return [...out];
}

export function openRegistryFor(uri: string | undefined, opts: ResolveOptions): Registry {
  return openRegistry(uri, { env: opts.env, logger: opts.logger });
}

/**
 * Make a model spec a local ONNX file. With `optional`, a registry reference that does not exist
 * (unknown model, unset alias) gives undefined instead of an error: "no champion yet".
 */
export async function resolveModel(
  spec: string,
  opts: ResolveOptions & { optional?: boolean } = {},
): Promise<ResolvedModel | undefined> {
  const what = opts.what ?? "model";
  const m = parseModelSpec(spec, opts.registry, opts.cwd);
  if (m.kind === "file") return { path: await localModelFile(m.path!, spec, what), label: displayModelSpec(spec) };
  const registry = openRegistryFor(m.registry, opts);
  let card: ModelCard;
  try {
    card = await registry.resolve(m.ref!, what);
  } catch (e) {
    if (opts.optional && isUserError(e) && e.code === "not-found") return undefined;
    throw e;
  }
  const dir = opts.downloadDir ?? (await mkdtemp(join(tmpdir(), "mlops-model-")));
  const target = join(dir, `${card.name}-${card.version}`);
  const { paths } = await registry.get(`${card.name}@${card.version}`, target);
  const onnx = paths["model.onnx"] ?? Object.entries(paths).find(([p]) => p.endsWith(".onnx"))?.[1];
  if (!onnx) {
    throw new UserError(
      `${what}: ${card.name}@${card.version} has no .onnx file (files: ${Object.keys(paths).join(", ")}). Register the model with its ONNX file.`,
    );
  }
  opts.logger?.info(`${what}: ${card.name}@${card.version} from ${registry.uri}`);
  return {
    path: onnx,
    card,
    name: card.name,
    version: card.version,
    uri: modelUriOf(m.registry, card.name, card.version),
    label: displayModelSpec(spec),
  };
}
