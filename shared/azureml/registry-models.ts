/**
 * Model containers and versions in an Azure Machine Learning registry (what `az ml model create
 * --registry-name` and `az ml model share` write), over Resource Manager, api-version 2024-10-01.
 *
 * Shapes (azure-rest-api-specs, specification/machinelearningservices/resource-manager/
 * Microsoft.MachineLearningServices/stable/2024-10-01/):
 * - mfe.json RegistryModelContainers_Get / _CreateOrUpdate (PUT answers 200, or 201 with
 *   Azure-AsyncOperation; long-running, final-state-via original-uri): examples/Registry/ModelContainer/get.json,
 *   createOrUpdate.json.
 * - mfe.json RegistryModelVersions_Get / _CreateOrUpdate (same long-running contract):
 *   examples/Registry/ModelVersion/get.json, createOrUpdate.json. `properties.modelType` is a free string
 *   (definitions/ModelVersion); `custom_model` is the value the Azure ML CLI and SDK write for a model folder.
 * - mfe.json RegistryModelVersions_CreateOrGetStartPendingUpload:
 *   examples/Registry/ModelVersion/createOrGetStartPendingUpload.json (`pendingUploadType:
 *   TemporaryBlobReference` → `blobReferenceForConsumption.blobUri` and `.credential.sasUri`).
 * - registries.json parameters/RegistryNameParameter: `^[a-zA-Z0-9][a-zA-Z0-9\-_]{2,32}$`; model name
 *   (modelName path parameter): `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`.
 */
import { stat } from "node:fs/promises";
import { AnonymousCredential, ContainerClient, type StoragePipelineOptions } from "@azure/storage-blob";
import { ArmError, type ArmClient, isLoopback } from "../azure/arm";
import { storageOptions } from "../azure/sdk-options";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { modelContainerPath, modelVersionPath, type RegistryModelRef } from "./registry-uri";

export {
  type AzureMLModelTarget,
  azuremlModelId,
  isAzureMLRegistryUri,
  modelContainerPath,
  modelVersionPath,
  parseAzureMLModelTarget,
  REGISTRY_MODEL_NAME,
  REGISTRY_NAME,
  type RegistryModelRef,
  registryModelRef,
  registryPath,
} from "./registry-uri";

export interface ModelVersionBody {
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  modelType?: string;
  modelUri?: string;
  isAnonymous?: boolean;
  isArchived?: boolean;
  provisioningState?: string;
  stage?: string;
  jobName?: string;
}

export interface ModelVersionResource {
  id?: string;
  name?: string;
  type?: string;
  properties: ModelVersionBody;
}

export interface PendingUpload {
  /** Where the files go, without a credential: the version's modelUri prefix. */
  blobUri: string;
  /** blobUri with a SAS: a secret, to mask before anything else. */
  sasUri: string;
}

/** 403 from a registry: the role that lets an identity write models there, in addition to the generic hint. */
function withRegistryHint(e: unknown, ref: RegistryModelRef): unknown {
  if (e instanceof ArmError && e.status === 403)
    return new ArmError(
      `${e.message} For an Azure ML registry the identity needs the "AzureML Registry User" role (or Contributor) on registry ${ref.registry}.`,
      e.status,
      e.armCode,
      e.requestId,
      e,
    );
  return e;
}

async function call<T>(ref: RegistryModelRef, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw withRegistryHint(e, ref);
  }
}

export function getModelVersion(arm: ArmClient, ref: RegistryModelRef, version: number | string) {
  return call(ref, () => arm.getIfExists<ModelVersionResource>(modelVersionPath(ref, version)));
}

/** Create the model container when it does not exist yet (long-running PUT). */
export async function ensureModelContainer(
  arm: ArmClient,
  ref: RegistryModelRef,
  opts: { description?: string; tags?: Record<string, string>; logger?: Logger } = {},
): Promise<boolean> {
  return call(ref, async () => {
    if (await arm.getIfExists(modelContainerPath(ref))) return false;
    await arm.lro("PUT", modelContainerPath(ref), {
      body: { properties: { description: opts.description, tags: opts.tags ?? {} } },
      onStatus: (s) => opts.logger?.debug(`Azure ML: model container ${ref.model}: ${s}`),
    });
    opts.logger?.info(`Azure ML: created model ${ref.model} in registry ${ref.registry}`);
    return true;
  });
}

/** A temporary blob location (and its SAS) to upload a version's files to before creating it. */
export async function startPendingUpload(
  arm: ArmClient,
  ref: RegistryModelRef,
  version: number | string,
): Promise<PendingUpload> {
  const r = await call(ref, () =>
    arm.request<{
      blobReferenceForConsumption?: { blobUri?: string; credential?: { credentialType?: string; sasUri?: string } };
    }>("POST", `${modelVersionPath(ref, version)}/startPendingUpload`, {
      body: { pendingUploadType: "TemporaryBlobReference" },
    }),
  );
  const b = r.body?.blobReferenceForConsumption;
  const sasUri = b?.credential?.sasUri;
  if (!b?.blobUri || !sasUri)
    throw new UserError(
      `to-registry: Azure ML registry ${ref.registry} gave no upload location for ${ref.model} version ${version} (got ${b ? "no blobUri or sasUri" : "no blobReferenceForConsumption"}). Check that the registry's storage account exists (az ml registry show --name ${ref.registry}) and run again.`,
    );
  return { blobUri: b.blobUri.replace(/\?.*$/, ""), sasUri };
}

/** The container (with the SAS) and the prefix inside it of a blob URI: path-style on loopback (emulators). */
export function containerOf(
  sasUri: string,
  pipeline?: StoragePipelineOptions,
): { container: ContainerClient; prefix: string } {
  const url = new URL(sasUri);
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const account = isLoopback(url.hostname) ? parts.shift() : undefined;
  const name = parts.shift();
  if (!name || (isLoopback(url.hostname) && !account))
    throw new UserError(
      `to-registry: the Azure ML upload location names no storage container (got ${shown(`${url.origin}${url.pathname}`)}). Run again; if it persists, check the registry's storage account.`,
    );
  const base = `${url.origin}/${account ? `${account}/` : ""}${name}${url.search}`;
  return {
    container: new ContainerClient(base, new AnonymousCredential(), storageOptions(pipeline)),
    prefix: parts.join("/"),
  };
}

export interface UploadFile {
  /** Path under the version's prefix, '/'-separated. */
  path: string;
  /** Local file. */
  source: string;
  /** Base64 MD5 of the content. */
  md5: string;
}

/** A message about a storage failure without the URL or its SAS. */
function storageFailure(e: unknown): string {
  const err = e as { statusCode?: number; code?: string; message?: string };
  const msg = String(err?.message ?? e)
    .split("\n")[0]!
    .replace(/https?:\/\/\S+/g, "<url>")
    .replace(/sig=[^&\s]+/gi, "sig=<redacted>");
  return [err?.statusCode ? `HTTP ${err.statusCode}` : undefined, err?.code, msg].filter(Boolean).join(" ");
}

/**
 * Upload files under the pending upload's prefix and check each blob's size and MD5 afterwards.
 * Errors never carry the SAS.
 */
export async function uploadVersionFiles(
  upload: PendingUpload,
  files: UploadFile[],
  opts: { logger?: Logger } = {},
): Promise<{ files: number; bytes: number }> {
  const { container, prefix } = containerOf(upload.sasUri, { retryOptions: { maxTries: 4 } });
  let bytes = 0;
  for (const f of files) {
    const size = (await stat(f.source)).size;
    const name = prefix ? `${prefix}/${f.path}` : f.path;
    const blob = container.getBlockBlobClient(name);
    try {
      await blob.uploadFile(f.source, { blobHTTPHeaders: { blobContentMD5: Buffer.from(f.md5, "base64") } });
      const p = await blob.getProperties();
      const md5 = p.contentMD5 ? Buffer.from(p.contentMD5).toString("base64") : undefined;
      if (p.contentLength !== size || md5 !== f.md5)
        throw new UserError(
          `to-registry: ${f.path} in the Azure ML upload location does not match what was sent (expected ${size} bytes, MD5 ${f.md5}; got ${p.contentLength} bytes, MD5 ${md5}). Run the promotion again.`,
          { code: "checksum" },
        );
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(
        `to-registry: uploading ${f.path} to the Azure ML registry's storage failed (got ${shown(storageFailure(e), 300)}). Check that the runner can reach ${new URL(upload.blobUri).host} and run again.`,
      );
    }
    bytes += size;
    opts.logger?.debug(`Azure ML: uploaded ${f.path} (${size} bytes)`);
  }
  return { files: files.length, bytes };
}

/** Create a model version (long-running PUT); returns the version as Azure ML reports it after the operation. */
export function createModelVersion(
  arm: ArmClient,
  ref: RegistryModelRef,
  version: number | string,
  body: ModelVersionBody,
  opts: { logger?: Logger } = {},
): Promise<ModelVersionResource> {
  return call(ref, () =>
    arm.lro<ModelVersionResource>("PUT", modelVersionPath(ref, version), {
      body: { properties: body },
      onStatus: (s) => opts.logger?.debug(`Azure ML: ${ref.model} version ${version}: ${s}`),
    }),
  );
}
