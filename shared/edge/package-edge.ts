/**
 * The package-edge use case: the champion model, the bundled inference server and the onnxruntime native
 * library for each architecture, layered onto a Node.js base image, reproducibly, then pushed to every
 * plant's registry and/or written as an OCI layout for sites without a network.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { isUserError, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { type ResolvedModel, resolveModel } from "../models";
import { redactCommandLine } from "../secrets";
import { checkOutputFile, ensureOutputDir } from "../user-files";
import { readSmokeRequest, type SmokeTestResult, smokeTestImage } from "./smoke-test";
import {
  type BuiltImage,
  buildImage,
  type Credentials,
  checkModelLoads,
  type EdgeModel,
  edgeAnnotations,
  edgeImageSettings,
  edgeLayers,
  formatImageRef,
  renderImageMarkdown,
  type LayoutResult,
  type PushResult,
  parseImageRef,
  parseLayoutRef,
  pushImage,
  type ResolvedBase,
  writeOciLayout,
} from "../oci";

export interface PackageEdgeOptions {
  model: string;
  registry?: string;
  /** The folder holding serve.js and node_modules/onnxruntime-{node,common} (the suite's dist/). */
  distDir: string;
  base: string;
  platforms: string[];
  /** Images to push (host/repository:tag). */
  targets: string[];
  /** Credentials for a registry host (targets and the base image). */
  credentialsFor?: (host: string) => Credentials | undefined;
  /** Hosts reached over plain HTTP. */
  insecure?: string[];
  /** Directory, or a .tar file (oci-archive). */
  ociLayout?: string;
  /** OIP v2 JSON request: boot the built image and send it over HTTP and gRPC before any push. */
  smokeRequest?: string;
  sourceDateEpoch: number;
  /** For the OCI annotations. */
  source?: { url?: string; revision?: string };
  cwd?: string;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  logger?: Logger;
}

export interface PackageEdgeResult {
  image: BuiltImage;
  model: ResolvedModel & { modelName: string; modelVersion: string };
  pushed: PushResult[];
  layout?: LayoutResult;
  smokeTest?: SmokeTestResult;
  platforms: string[];
  summary: string;
}

/** A registry's error, said of the input and image it concerns (`targets: host/repo:tag: registry: ...`). */
function naming(input: string, image: string) {
  return (e: unknown): never => {
    if (isUserError(e) && !e.message.startsWith(`${input}:`)) {
      // A message that already starts with the image's repository is not told it twice.
      const said = e.message.startsWith(image.replace(/(@[^/]*|:[^/:]*)$/, ""));
      throw new UserError(`${input}: ${said ? "" : `${image}: `}${e.message}`, {
        cause: e,
        ...(e.code ? { code: e.code } : {}),
      });
    }
    throw e;
  };
}

export async function runPackageEdge(opts: PackageEdgeOptions): Promise<PackageEdgeResult> {
  const logger = opts.logger ?? silentLogger;
  if (opts.targets.length === 0 && !opts.ociLayout) {
    logger.warning(
      "package-edge: no targets and no oci-layout: the image is built and checked, but not stored anywhere.",
    );
  }
  // Fail on a bad target or layout path before the expensive part.
  const targets = opts.targets.map((t) => parseImageRef(t, "targets"));
  if (opts.ociLayout) {
    if (/\.tar$/i.test(opts.ociLayout)) await checkOutputFile(opts.ociLayout, "oci-layout");
    else await ensureOutputDir(opts.ociLayout, "oci-layout");
  }
  const resolved = (await resolveModel(opts.model, {
    registry: opts.registry,
    cwd: opts.cwd,
    env: opts.env,
    logger,
    what: "model",
  }))!;
  const modelName = resolved.name ?? basename(resolved.path).replace(/\.onnx$/i, "");
  const modelVersion = resolved.version !== undefined ? String(resolved.version) : "1";
  const io = await checkModelLoads(resolved.path);
  logger.info(
    `package-edge: ${modelName}@${modelVersion} loads (inputs ${io.inputs.join(", ")}; outputs ${io.outputs.join(", ")})`,
  );
  const smokeRequest = opts.smokeRequest
    ? await readSmokeRequest(resolve(opts.cwd ?? ".", opts.smokeRequest), opts.smokeRequest, io.inputs)
    : undefined;

  const sha =
    resolved.card?.files.find((f) => f.path === "model.onnx" || f.path.endsWith(".onnx"))?.sha256 ??
    createHash("sha256")
      .update(await readFile(resolved.path))
      .digest("hex");
  const edgeModel: EdgeModel = {
    name: modelName,
    version: modelVersion,
    path: resolved.path,
    sha256: sha,
    ...(resolved.card ? { card: renderModelCardMarkdown(resolved) } : {}),
  };
  const baseRef = parseLayoutRef(opts.base) ?? parseImageRef(opts.base, "base-image");
  const image = await buildImage({
    base: opts.base,
    platforms: opts.platforms,
    // The card shipped in the image records the base as resolved: a moving tag's digest at build time.
    layers: (base) =>
      edgeLayers(
        opts.distDir,
        edgeModel.card ? { ...edgeModel, card: `${edgeModel.card}${baseImageSection(base)}` } : edgeModel,
        opts.platforms,
      ),
    config: edgeImageSettings(edgeModel),
    annotations: edgeAnnotations({ model: edgeModel, source: opts.source?.url, revision: opts.source?.revision }),
    sourceDateEpoch: opts.sourceDateEpoch,
    auth: opts.credentialsFor?.(baseRef.registry),
    insecure: opts.insecure?.includes(baseRef.registry),
    fetch: opts.fetch,
    logger,
  }).catch(naming("base-image", opts.base));
  logger.info(`package-edge: image ${image.digest} (${opts.platforms.join(", ")})`);

  let layout: LayoutResult | undefined;
  if (opts.ociLayout) {
    const target = /\.tar$/i.test(opts.ociLayout) ? { tar: opts.ociLayout } : { dir: opts.ociLayout };
    layout = await writeOciLayout(image, target, { tag: modelVersion });
    logger.info(`package-edge: OCI layout written to ${layout.path} (${layout.blobs} blobs)`);
  }
  // Before any push: an image that does not answer is not shipped.
  let smokeTest: SmokeTestResult | undefined;
  if (smokeRequest) {
    const scratch =
      layout && !/\.tar$/i.test(layout.path) ? undefined : await mkdtemp(join(tmpdir(), "mlops-smoke-layout-"));
    try {
      if (scratch) await writeOciLayout(image, { dir: scratch }, { tag: modelVersion });
      smokeTest = await smokeTestImage({ layout: scratch ?? layout!.path, request: smokeRequest, logger });
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }
  const pushed: PushResult[] = [];
  for (const ref of targets) {
    pushed.push(
      await pushImage(image, ref, {
        auth: opts.credentialsFor?.(ref.registry),
        insecure: opts.insecure?.includes(ref.registry),
        fetch: opts.fetch,
        logger,
      }).catch(naming("targets", formatImageRef(ref))),
    );
  }
  return {
    image,
    model: { ...resolved, modelName, modelVersion },
    pushed,
    ...(layout ? { layout } : {}),
    ...(smokeTest ? { smokeTest } : {}),
    platforms: opts.platforms,
    summary: `## Edge image for ${modelName}@${modelVersion}\n\n${renderImageMarkdown(image, pushed)}`,
  };
}

/** The model card shipped next to the model in the image: what it is, where it came from, how it scored. */
export function renderModelCardMarkdown(m: ResolvedModel): string {
  const c = m.card;
  if (!c) return "";
  const lines = [`# ${c.name} version ${c.version}`, "", `Registered ${c.createdAt}.`, ""];
  const metrics = Object.entries(c.metrics ?? {});
  if (metrics.length > 0) {
    lines.push("| metric | value |", "| --- | ---: |", ...metrics.map(([k, v]) => `| ${k} | ${v} |`), "");
  }
  const lineage = Object.entries(c.lineage ?? {}).filter(([, v]) => v !== undefined && typeof v !== "object");
  // Cards registered before commands were cleaned may still hold a secret written into the command line.
  const shownValue = (k: string, v: unknown) => (k === "command" ? redactCommandLine(String(v)) : String(v));
  if (lineage.length > 0) lines.push("## Lineage", "", ...lineage.map(([k, v]) => `- ${k}: ${shownValue(k, v)}`), "");
  lines.push("## Files", "", ...c.files.map((f) => `- ${f.path}: ${f.size} bytes, sha256 ${f.sha256}`), "");
  return lines.join("\n");
}

/** The model card's section on the image: the base it was built on, by digest. */
export function baseImageSection(base: ResolvedBase): string {
  return [
    "## Edge image",
    "",
    `- base image: ${base.name}`,
    `- base digest: ${base.digest}`,
    `- to rebuild on the same base: \`base-image: ${base.name}@${base.digest}\``,
    "",
  ].join("\n");
}

/**
 * The timestamp every file and the image carry: the source-date-epoch input, else SOURCE_DATE_EPOCH,
 * else the time of the checked-out commit, else 0, so rebuilding the same commit gives the same digest.
 */
export function resolveSourceDateEpoch(
  input: number | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): number {
  if (input !== undefined) return input;
  const fromEnv = env.SOURCE_DATE_EPOCH?.trim();
  if (fromEnv) {
    const n = Number(fromEnv);
    if (Number.isInteger(n) && n >= 0) return n;
    throw new UserError(
      `SOURCE_DATE_EPOCH: not a whole number of seconds (got ${JSON.stringify(fromEnv)}). Unset it or set it to e.g. $(git log -1 --format=%ct).`,
    );
  }
  const git = spawnSync("git", ["log", "-1", "--format=%ct"], { cwd, encoding: "utf8" });
  const t = Number(git.stdout?.trim());
  return git.status === 0 && Number.isInteger(t) && t > 0 ? t : 0;
}
