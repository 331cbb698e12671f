/**
 * Anonymous assets: what the Azure ML CLI and SDK register for the parts of a job YAML that are defined
 * inline, so the job can reference them by id.
 *
 * - An inline environment (`environment: { image, conda_file }`) becomes an environment version
 *   `CliV2AnonymousEnvironment:<content hash>` (EnvironmentVersions_CreateOrUpdate,
 *   examples/Workspace/EnvironmentVersion/createOrUpdate.json: `{ properties: { image, condaFile,
 *   isAnonymous } }`, condaFile being the conda YAML's text), used as the job's `environmentId`.
 * - An inline pipeline step becomes a command component version `azureml_anonymous:<content hash>`
 *   (ComponentVersions_CreateOrUpdate, examples/Workspace/ComponentVersion/createOrUpdate.json:
 *   `{ properties: { componentSpec, isAnonymous } }`), referenced by the pipeline node's `componentId`.
 *
 * The names are the ones the Azure ML SDK uses (ANONYMOUS_ENV_NAME, ANONYMOUS_COMPONENT_NAME in
 * azure-ai-ml constants). The version is our own content hash (sha256 of the canonical JSON of what is
 * registered, 32 hex digits), not the SDK's md5 scheme: the same content is registered once by this
 * action (a GET finds it; nothing is PUT again), but not shared with versions the CLI registered.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { ArmClient } from "../azure/arm";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { InlineEnvironmentYaml } from "./job-yaml";

export const ANONYMOUS_ENVIRONMENT_NAME = "CliV2AnonymousEnvironment";
export const ANONYMOUS_COMPONENT_NAME = "azureml_anonymous";

/** JSON with object keys sorted at every level: the same content gives the same text. */
export function sortedKeysJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedKeysJson).join(",")}]`;
  if (typeof v === "object" && v !== null)
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedKeysJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** The version of an anonymous asset: 32 hex digits of the sha256 of its canonical JSON. */
export function contentVersion(v: unknown): string {
  return createHash("sha256").update(sortedKeysJson(v)).digest("hex").slice(0, 32);
}

export interface AnonymousAsset {
  /** ARM id of the version: the job's environmentId or the node's componentId. */
  id: string;
  name: string;
  version: string;
  /** False when the version already existed (nothing was PUT). */
  created: boolean;
}

/** What an inline environment registers: the image and the conda file's text. */
export interface EnvironmentVersionBody {
  image: string;
  condaFile?: string;
  description?: string;
}

/** Read the conda file an inline environment names (relative to the job file) and check it is YAML. */
export async function inlineEnvironmentBody(
  env: InlineEnvironmentYaml,
  baseDir: string,
  where: string,
): Promise<EnvironmentVersionBody> {
  let condaFile: string | undefined;
  if (typeof env.condaFile === "string") {
    const file = isAbsolute(env.condaFile) ? env.condaFile : resolve(baseDir, env.condaFile);
    condaFile = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new UserError(
        `job-file: ${where}.conda_file: cannot read ${shown(env.condaFile)} (got ${e.code ?? e.message}). Give the path of the conda YAML relative to the job file.`,
      );
    });
    let doc: unknown;
    try {
      doc = parseYaml(condaFile);
    } catch (e) {
      throw new UserError(
        `job-file: ${where}.conda_file: ${shown(env.condaFile)} is not YAML (got ${(e as Error).message.split("\n")[0]}). Fix the conda file.`,
      );
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc))
      throw new UserError(
        `job-file: ${where}.conda_file: ${shown(env.condaFile)} is not a conda environment map (got ${shown(doc)}). Write name:, channels: and dependencies: as conda env export does.`,
      );
  } else if (env.condaFile) {
    condaFile = stringifyYaml(env.condaFile);
  }
  return {
    image: env.image,
    ...(condaFile !== undefined ? { condaFile } : {}),
    ...(env.description ? { description: env.description } : {}),
  };
}

async function ensureVersion(
  arm: ArmClient,
  path: string,
  body: Record<string, unknown>,
  logger: Logger,
  label: string,
): Promise<{ id: string; created: boolean }> {
  const existing = await arm.getIfExists<{ id?: string }>(path);
  if (existing) {
    logger.info(`azureml: ${label} already registered`);
    return { id: existing.id ?? path, created: false };
  }
  const put = await arm.request<{ id?: string }>("PUT", path, { body: { properties: body } });
  logger.info(`azureml: registered ${label}`);
  return { id: put.body?.id ?? path, created: true };
}

/** Register (once per content) the anonymous environment version of an inline environment. */
export async function ensureAnonymousEnvironment(
  arm: ArmClient,
  workspacePath: string,
  env: EnvironmentVersionBody,
  logger: Logger = silentLogger,
): Promise<AnonymousAsset> {
  const name = ANONYMOUS_ENVIRONMENT_NAME;
  const version = contentVersion({ image: env.image, condaFile: env.condaFile });
  const path = `${workspacePath}/environments/${name}/versions/${version}`;
  const r = await ensureVersion(
    arm,
    path,
    {
      image: env.image,
      ...(env.condaFile !== undefined ? { condaFile: env.condaFile } : {}),
      isAnonymous: true,
      description: env.description ?? "Inline environment of a job file, registered by mlops-actions train",
    },
    logger,
    `inline environment ${name}:${version} (${env.image}${env.condaFile !== undefined ? " + conda file" : ""})`,
  );
  return { ...r, name, version };
}

/**
 * Register (once per content) the anonymous command component of an inline pipeline step. `spec` is the
 * component spec without name and version (inlineComponentSpec); both are added here.
 */
export async function ensureAnonymousComponent(
  arm: ArmClient,
  workspacePath: string,
  spec: Record<string, unknown>,
  step: string,
  logger: Logger = silentLogger,
): Promise<AnonymousAsset & { componentSpec: Record<string, unknown> }> {
  const name = ANONYMOUS_COMPONENT_NAME;
  const version = contentVersion(spec);
  const componentSpec = { ...spec, name, version };
  const path = `${workspacePath}/components/${name}/versions/${version}`;
  const r = await ensureVersion(
    arm,
    path,
    {
      componentSpec,
      isAnonymous: true,
      description: `Inline step ${step} of a pipeline job file, registered by mlops-actions train`,
    },
    logger,
    `inline step ${step} as component ${name}:${version}`,
  );
  return { ...r, name, version, componentSpec };
}
