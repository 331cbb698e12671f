/**
 * Model versions in an Azure Machine Learning workspace, what `az ml model create --name <name> --path
 * azureml://jobs/<job>/outputs/<output>/paths/<file>` writes, over Resource Manager, api-version 2024-10-01.
 *
 * Shapes (azure-rest-api-specs, specification/machinelearningservices/resource-manager/
 * Microsoft.MachineLearningServices/stable/2024-10-01/mfe.json):
 * - ModelContainers_Get (`.../workspaces/{ws}/models/{name}`): the container's read-only `nextVersion`; a 404 means
 *   the name is new and its first version is 1. This is how azure-ai-ml numbers a model version it is not given
 *   (azure/ai/ml/_utils/_asset_utils.py `_get_next_version_from_container`).
 * - ModelVersions_CreateOrUpdate (`.../models/{name}/versions/{version}`): a synchronous PUT (200 or 201, no
 *   long-running headers; examples/Workspace/ModelVersion/createOrUpdate.json). The workspace creates the container
 *   with the first version: azure-ai-ml's `ModelOperations.create_or_update` calls only the version operation
 *   for a workspace. `name` must match `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$` (the path parameter's pattern).
 *   `properties.jobName` is the job that produced the model, which Studio shows on the version and links to.
 * - A PUT onto an existing version is an update; one with another `modelUri` is refused with
 *   "(UserError) Asset paths cannot be updated." (azure-ai-ml azure/ai/ml/_artifacts/_constants.py ASSET_PATH_ERROR,
 *   which `ModelOperations.create_or_update` turns into AssetPathException). Another writer that took the version
 *   between reading nextVersion and the PUT therefore shows as that refusal (or a 409), never as an overwrite.
 * - `properties.provisioningState` (AssetProvisioningState, read-only): a version still Creating is read again
 *   until it is Succeeded, Failed or Canceled.
 */
import { ArmError, type ArmClient } from "../azure/arm";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { REGISTRY_MODEL_NAME } from "./registry-uri";
import type { ModelVersionBody, ModelVersionResource } from "./registry-models";
import { type WorkspaceRef, workspacePath } from "./workspace";

/** mfe.json's name pattern for model containers and versions (the same for workspaces and registries). */
export const WORKSPACE_MODEL_NAME = REGISTRY_MODEL_NAME;

/** Check a workspace model name as Azure ML would; `input` names the input in the error. */
export function workspaceModelName(name: string, input = "workspace-model"): string {
  const n = name.trim();
  if (!WORKSPACE_MODEL_NAME.test(n))
    throw new UserError(
      `${input}: not an Azure ML model name (got ${shown(n)}). Use letters, digits, '-' or '_', starting with a letter or digit (at most 255 characters), e.g. failure-predictor.`,
    );
  return n;
}

export function workspaceModelPath(ws: WorkspaceRef, name: string, version?: string): string {
  const container = `${workspacePath(ws)}/models/${encodeURIComponent(name)}`;
  return version === undefined ? container : `${container}/versions/${encodeURIComponent(version)}`;
}

/** `azureml://jobs/<job>/outputs/<output>/paths/<path>`: a file of a job's named output (how-to-manage-models). */
export function jobOutputUri(job: string, output: string, path: string): string {
  return `azureml://jobs/${job}/outputs/${output}/paths/${path}`;
}

/** The model's page in Azure ML Studio. */
export function workspaceModelStudioUrl(ws: WorkspaceRef, name: string, version: string): string {
  return `https://ml.azure.com/model/${encodeURIComponent(name)}:${encodeURIComponent(version)}/details?wsid=${workspacePath(ws)}`;
}

export interface WorkspaceModelVersion {
  name: string;
  version: string;
  /** `azureml:<name>:<version>`, what deploy-online and `az ml` take. */
  id: string;
  /** ARM id of the version. */
  armId: string;
  studioUrl: string;
  modelUri: string;
}

const ASSET_PATH_REFUSED = /asset paths? cannot be updated/i;

/** The next version number of a workspace model: the container's nextVersion, "1" for a new name. */
export async function nextModelVersion(arm: ArmClient, ws: WorkspaceRef, name: string): Promise<string> {
  const c = await arm.getIfExists<{ properties?: { nextVersion?: string | null; latestVersion?: string | null } }>(
    workspaceModelPath(ws, name),
  );
  if (!c) return "1";
  const next =
    c.properties?.nextVersion ??
    (c.properties?.latestVersion ? String(Number(c.properties.latestVersion) + 1) : undefined);
  return next && /^\d+$/.test(next) ? next : "1";
}

/**
 * Register `body` as the next version of `name` in the workspace. The version number comes from the
 * container; a version another writer took meanwhile is left as it is and the next number is tried
 * (`attempts` times). A PUT repeated after a lost answer meets its own version (same modelUri) and Azure ML
 * answers it as an update, so a retry does not make a second version.
 */
export async function registerWorkspaceModel(
  arm: ArmClient,
  ws: WorkspaceRef,
  name: string,
  body: ModelVersionBody & { modelUri: string },
  opts: { logger?: Logger; attempts?: number; input?: string } = {},
): Promise<WorkspaceModelVersion> {
  const input = opts.input ?? "workspace-model";
  const attempts = opts.attempts ?? 3;
  const taken: string[] = [];
  let floor = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const next = Number(await nextModelVersion(arm, ws, name));
    const version = String(Math.max(next, floor));
    let created: ModelVersionResource;
    try {
      created = await arm.lro<ModelVersionResource>("PUT", workspaceModelPath(ws, name, version), {
        body: { properties: body },
        onStatus: (s) => opts.logger?.info(`azureml: model ${name} version ${version}: ${s}`),
      });
    } catch (e) {
      if (e instanceof ArmError && e.status === 200) {
        // The PUT was accepted, then the version ended Failed or Canceled (the client read its provisioningState).
        const left = await arm
          .getIfExists<ModelVersionResource>(workspaceModelPath(ws, name, version))
          .catch(() => undefined);
        throw new UserError(
          `${input}: Azure ML could not create model ${name} version ${version} in workspace ${ws.workspace} (got provisioningState ${left?.properties?.provisioningState ?? "Failed"}${e.armCode ? `, ${e.armCode}` : ""}). Nothing was registered in the model registry. Run again; if it fails again, look at the version in Studio: ${workspaceModelStudioUrl(ws, name, version)}`,
          { code: "workspace-model-failed", cause: e },
        );
      }
      if (e instanceof ArmError && (e.status === 409 || (e.status === 400 && ASSET_PATH_REFUSED.test(e.message)))) {
        taken.push(version);
        opts.logger?.warning(
          `azureml: model ${name} version ${version} was taken by another registration; trying the next version`,
        );
        floor = Number(version) + 1;
        continue;
      }
      throw e;
    }
    return {
      name,
      version,
      id: `azureml:${name}:${version}`,
      armId: created?.id ?? workspaceModelPath(ws, name, version),
      studioUrl: workspaceModelStudioUrl(ws, name, version),
      modelUri: body.modelUri,
    };
  }
  throw new UserError(
    `${input}: versions ${taken.join(", ")} of model ${name} in workspace ${ws.workspace} were each taken by another registration while this one was being written (got ${attempts} conflicts). Run again when the other registrations are done, or give this pipeline its own model name.`,
    { code: "version-taken" },
  );
}

/**
 * Archive a version (the update azure-ai-ml's `ModelOperations.archive` sends: the version as it is, with
 * isArchived true). Studio and `az ml model list` hide archived versions. Used to take back a version when
 * what it was registered for failed afterwards.
 */
export async function archiveWorkspaceModel(
  arm: ArmClient,
  ws: WorkspaceRef,
  name: string,
  version: string,
  body: ModelVersionBody,
): Promise<void> {
  await arm.lro("PUT", workspaceModelPath(ws, name, version), { body: { properties: { ...body, isArchived: true } } });
}
