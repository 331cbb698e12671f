/**
 * Where an Azure Machine Learning workspace or registry is, and a Resource Manager client for it.
 * REST reference: https://learn.microsoft.com/rest/api/azureml/ (api-version below).
 */
import type { TokenCredential } from "@azure/identity";
import { ArmClient, PUBLIC_ARM_ENDPOINT } from "../azure/arm";
import { lazyDefaultCredential } from "../azure/credential";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";

/** The stable Azure ML REST version every call uses. */
export const AZUREML_API_VERSION = "2024-10-01";

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

export interface AzureMLConnection {
  /** Resource Manager endpoint; default https://management.azure.com. */
  endpoint?: string;
  /** Default DefaultAzureCredential (azure/login OIDC in workflows, az login on a laptop). */
  credential?: TokenCredential;
  logger?: Logger;
  signal?: AbortSignal;
  /** Poll interval for long-running operations and job status (default 5 s; tests use less). */
  pollIntervalMs?: number;
  /** Backoff base for retries (default 1 s). */
  baseDelayMs?: number;
  /** How the client waits (backoff, Retry-After, polls); tests pass a scaled clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

/** Validate the three workspace inputs; `what` prefixes the input names in errors. */
export function workspaceRef(
  i: { subscriptionId?: string; resourceGroup?: string; workspace?: string },
  inputNames = { subscriptionId: "subscription-id", resourceGroup: "resource-group", workspace: "workspace" },
): WorkspaceRef {
  const sub = (i.subscriptionId ?? "").trim();
  const rg = (i.resourceGroup ?? "").trim();
  const ws = (i.workspace ?? "").trim();
  if (!GUID.test(sub))
    throw new UserError(
      `${inputNames.subscriptionId}: not an Azure subscription id (got ${shown(sub)}). Use the GUID shown by az account show --query id.`,
    );
  if (!RESOURCE_GROUP.test(rg) || rg.endsWith("."))
    throw new UserError(
      `${inputNames.resourceGroup}: not a resource group name (got ${shown(rg)}). Use 1-90 letters, digits, '-', '_', '.', '(' or ')'.`,
    );
  if (!NAME.test(ws))
    throw new UserError(
      `${inputNames.workspace}: not an Azure ML workspace name (got ${shown(ws)}). Use 3-33 letters, digits, '-' or '_', starting with a letter or digit.`,
    );
  return { subscriptionId: sub, resourceGroup: rg, workspace: ws };
}

export function resourceGroupPath(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices`;
}

/** `/subscriptions/.../workspaces/<name>`: the ARM id of the workspace, and the prefix of its resources. */
export function workspacePath(ws: WorkspaceRef): string {
  return `${resourceGroupPath(ws.subscriptionId, ws.resourceGroup)}/workspaces/${ws.workspace}`;
}

/** The Studio page of a job (used when the job record has no Studio service endpoint). */
export function studioJobUrl(ws: WorkspaceRef, jobName: string): string {
  return `https://ml.azure.com/runs/${encodeURIComponent(jobName)}?wsid=${workspacePath(ws)}`;
}

export function armClient(conn: AzureMLConnection): ArmClient {
  return new ArmClient({
    credential: conn.credential ?? lazyDefaultCredential(),
    endpoint: conn.endpoint || PUBLIC_ARM_ENDPOINT,
    apiVersion: AZUREML_API_VERSION,
    logger: conn.logger,
    signal: conn.signal,
    pollIntervalMs: conn.pollIntervalMs,
    baseDelayMs: conn.baseDelayMs,
    sleep: conn.sleep,
    service: "Azure ML",
  });
}
