/**
 * How `az ml` YAML and the train inputs name workspace assets, turned into the ids the REST API takes.
 *
 * - environment: `azureml:<name>:<version>`, `azureml:<name>@latest`, `azureml://registries/<r>/environments/<name>/(versions/<v>|labels/<l>)`
 *   or a full ARM id → `environmentId` (JobBase `environmentId`, CommandJob/createOrUpdate.json).
 * - compute: `<name>`, `azureml:<name>` or a full ARM id → `computeId` = `<workspace id>/computes/<name>`.
 * - component: `azureml:<name>:<version>`, `azureml:<name>@latest`, registry ids or ARM ids → `componentId`.
 *
 * `@latest` of a workspace asset is resolved by listing its versions newest first
 * (EnvironmentVersions_List / ComponentVersions_List with `$orderBy=createdtime desc&$top=1`,
 * examples/Workspace/EnvironmentVersion/list.json), as the Azure ML CLI does.
 */
import type { ArmClient } from "../azure/arm";
import { shown, UserError } from "../errors";

export type AssetKind = "environments" | "components";

/** A reference that still needs a look-up (`@latest` of a workspace asset), or the final id. */
export type AssetRef = { id: string } | { latestOf: { kind: AssetKind; name: string } };

const ASSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
const REGISTRY_ID = /^azureml:\/\/registries\/[^/]+\/(environments|components)\/[^/]+\/(versions|labels)\/[^/]+$/i;
const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\//i;

/** Parse an environment or component reference (what the `environment` input and `component:` hold). */
export function parseAssetRef(kind: AssetKind, raw: string, workspacePath: string, what = kind.slice(0, -1)): AssetRef {
  const v = raw.trim();
  if (REGISTRY_ID.test(v)) {
    if (!v.toLowerCase().includes(`/${kind}/`))
      throw new UserError(
        `${what}: a registry id of another asset kind (got ${shown(v)}). Use azureml://registries/<registry>/${kind}/<name>/versions/<version>.`,
      );
    return { id: v };
  }
  if (ARM_ID.test(v)) {
    if (!new RegExp(`/${kind}/[^/]+/versions/[^/]+$`, "i").test(v))
      throw new UserError(
        `${what}: an ARM id that is not a ${kind.slice(0, -1)} version (got ${shown(v)}). Use .../${kind}/<name>/versions/<version>.`,
      );
    return { id: v };
  }
  const body = v.replace(/^azureml:/i, "");
  const at = /^([^@:]+)@([^@:]+)$/.exec(body);
  if (at) {
    const [, name = "", label = ""] = at;
    checkName(name, v, what);
    if (label !== "latest")
      throw new UserError(
        `${what}: only the label @latest can be resolved in a workspace (got ${shown(v)}). Use azureml:${name}@latest or azureml:${name}:<version>.`,
      );
    return { latestOf: { kind, name } };
  }
  const colon = /^([^@:]+):([^@:]+)$/.exec(body);
  if (colon) {
    const [, name = "", version = ""] = colon;
    checkName(name, v, what);
    return { id: `${workspacePath}/${kind}/${name}/versions/${version}` };
  }
  throw new UserError(
    `${what}: not an Azure ML ${kind.slice(0, -1)} reference (got ${shown(v)}). Use azureml:<name>:<version>, azureml:<name>@latest, azureml://registries/<registry>/${kind}/<name>/labels/latest or a full ARM id.`,
  );
}

function checkName(name: string, raw: string, what: string): void {
  if (!ASSET_NAME.test(name))
    throw new UserError(
      `${what}: ${shown(name)} is not an asset name (got ${shown(raw)}). Use letters, digits, '.', '-' and '_'.`,
    );
}

/** Resolve `@latest` by listing the asset's versions newest first. */
export async function resolveAssetRef(
  arm: ArmClient,
  workspacePath: string,
  ref: AssetRef,
  what: string,
): Promise<string> {
  if ("id" in ref) return ref.id;
  const { kind, name } = ref.latestOf;
  const list = await arm.getIfExists<{ value?: { id?: string; name?: string }[] }>(
    `${workspacePath}/${kind}/${encodeURIComponent(name)}/versions`,
    { query: { $orderBy: "createdtime desc", $top: "1" } },
  );
  const first = list?.value?.[0];
  if (!first)
    throw new UserError(
      `${what}: no version of ${shown(name)} in the workspace (got ${list ? "an empty list" : "404"}). Create it first (az ml ${kind.slice(0, -1)} create) or name a registry asset.`,
    );
  return first.id ?? `${workspacePath}/${kind}/${name}/versions/${first.name}`;
}

/** `<name>`, `azureml:<name>` or an ARM id of a compute → the computeId of a job. */
export function computeId(raw: string, workspacePath: string, what = "compute-target"): string {
  const v = raw.trim();
  if (ARM_ID.test(v)) {
    if (!/\/computes\/[^/]+$/i.test(v))
      throw new UserError(
        `${what}: an ARM id that is not a compute (got ${shown(v)}). Use .../workspaces/<ws>/computes/<name> or just the name.`,
      );
    return v;
  }
  const name = v.replace(/^azureml:/i, "");
  if (!/^[A-Za-z][A-Za-z0-9-]{1,31}$/.test(name))
    throw new UserError(
      `${what}: not a compute name (got ${shown(v)}). Use the cluster's name as shown by az ml compute list (2-32 letters, digits and '-', starting with a letter).`,
    );
  return `${workspacePath}/computes/${name}`;
}
