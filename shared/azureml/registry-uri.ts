/**
 * `azureml://registries/<registry>/models/<name>`: parsing and the Resource Manager paths it leads to.
 * Kept apart from the registry client so that checking a URI does not load the Azure Storage SDK.
 * Name rules: registries.json parameters/RegistryNameParameter and the modelName path parameter (api-version 2024-10-01).
 */
import { shown, UserError } from "../errors";
import { resourceGroupPath } from "./workspace";

export const REGISTRY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
export const REGISTRY_MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;

/** `azureml://registries/<registry>/models/<name>`: where promote publishes model versions. */
export interface AzureMLModelTarget {
  registry: string;
  model: string;
}

/** An Azure ML registry's model, located in its subscription and resource group. */
export interface RegistryModelRef extends AzureMLModelTarget {
  subscriptionId: string;
  resourceGroup: string;
}

export function isAzureMLRegistryUri(uri: string | undefined): boolean {
  return /^azureml:\/\/registries\//i.test((uri ?? "").trim());
}

/**
 * Parse `azureml://registries/<registry>/models/<name>` strictly: nothing before or after, a registry
 * name and a model name that Azure ML accepts. `input` names the input in errors.
 */
export function parseAzureMLModelTarget(uri: string, input = "to-registry"): AzureMLModelTarget {
  const s = uri.trim();
  const form = "azureml://registries/<registry>/models/<model-name>";
  const m = /^azureml:\/\/registries\/([^/?#]*)\/models\/([^/?#]*)\/?$/.exec(s);
  if (!m)
    throw new UserError(
      `${input}: not an Azure ML registry model URI (got ${shown(s)}). Write ${form}, e.g. azureml://registries/prod-models/models/failure-predictor (no version: promote chooses it).`,
    );
  const [, registry = "", model = ""] = m;
  if (!REGISTRY_NAME.test(registry))
    throw new UserError(
      `${input}: not an Azure ML registry name (got ${shown(registry)}). Use 3-33 letters, digits, '-' or '_', starting with a letter or digit, as shown by az ml registry list.`,
    );
  if (!REGISTRY_MODEL_NAME.test(model))
    throw new UserError(
      `${input}: not an Azure ML model name (got ${shown(model)}). Use letters, digits, '-' or '_', starting with a letter or digit (at most 255 characters).`,
    );
  return { registry, model };
}

/** Validate subscription-id and resource-group (the registry's) and combine them with the target. */
export function registryModelRef(
  target: AzureMLModelTarget,
  i: { subscriptionId?: string; resourceGroup?: string },
): RegistryModelRef {
  const sub = (i.subscriptionId ?? "").trim();
  const rg = (i.resourceGroup ?? "").trim();
  if (!GUID.test(sub))
    throw new UserError(
      `subscription-id: not an Azure subscription id (got ${shown(sub)}). Set it to the Azure ML registry's subscription, the GUID shown by az ml registry show --name ${target.registry} --query id.`,
    );
  if (!RESOURCE_GROUP.test(rg) || rg.endsWith("."))
    throw new UserError(
      `resource-group: not a resource group name (got ${shown(rg)}). Set it to the Azure ML registry's resource group (1-90 letters, digits, '-', '_', '.', '(' or ')').`,
    );
  return { ...target, subscriptionId: sub, resourceGroup: rg };
}

export function registryPath(ref: RegistryModelRef): string {
  return `${resourceGroupPath(ref.subscriptionId, ref.resourceGroup)}/registries/${ref.registry}`;
}

export function modelContainerPath(ref: RegistryModelRef): string {
  return `${registryPath(ref)}/models/${encodeURIComponent(ref.model)}`;
}

export function modelVersionPath(ref: RegistryModelRef, version: number | string): string {
  return `${modelContainerPath(ref)}/versions/${encodeURIComponent(String(version))}`;
}

/** What deploy-online and `az ml` take: azureml://registries/<r>/models/<name>/versions/<v>. */
export function azuremlModelId(target: AzureMLModelTarget, version: number | string): string {
  return `azureml://registries/${target.registry}/models/${target.model}/versions/${version}`;
}
