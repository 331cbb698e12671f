/**
 * Azure ML managed online endpoints and their deployments over the Resource Manager REST API
 * (api-version 2024-10-01). Shapes follow azure-rest-api-specs,
 * specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/:
 * - examples/Workspace/OnlineEndpoint/{get,createOrUpdate,update,listKeys,getToken}.json: the endpoint, its
 *   `traffic` map (deployment name → percent) and `authMode`. The PATCH body (update.json) carries only
 *   `tags` and `identity`, so traffic moves with a PUT of the whole endpoint.
 * - examples/OnlineDeployment/ManagedOnlineDeployment/{createOrUpdate,get,update}.json, examples/OnlineDeployment/
 *   {list,getLogs}.json, examples/Workspace/OnlineDeployment/delete.json: deployments (`model`, `instanceType`,
 *   `environmentId`, `codeConfiguration`, `sku.capacity`), their logs, and deletion (202 + Location).
 * Every write is a long-running operation, followed with ArmClient.lro.
 */
import { ArmError, type ArmClient } from "../azure/arm";
import { shown, UserError } from "../errors";
import { realSleep } from "../http";
import { type WorkspaceRef, workspacePath } from "./workspace";

export type TrafficMap = Record<string, number>;

export interface OnlineEndpoint {
  id?: string;
  name?: string;
  location: string;
  kind?: string;
  tags?: Record<string, string>;
  identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  properties: {
    description?: string;
    authMode: "Key" | "AMLToken" | "AADToken";
    scoringUri?: string;
    swaggerUri?: string;
    provisioningState?: string;
    traffic?: TrafficMap;
    mirrorTraffic?: TrafficMap;
    publicNetworkAccess?: string;
    [k: string]: unknown;
  };
}

export interface OnlineDeployment {
  id?: string;
  name: string;
  location?: string;
  kind?: string;
  tags?: Record<string, string>;
  sku?: { name: string; capacity?: number };
  properties: {
    endpointComputeType: "Managed" | "Kubernetes";
    model?: string;
    instanceType?: string;
    environmentId?: string;
    environmentVariables?: Record<string, string>;
    codeConfiguration?: { codeId: string; scoringScript: string };
    provisioningState?: string;
    description?: string;
    [k: string]: unknown;
  };
}

export interface EndpointKeys {
  primaryKey?: string;
  secondaryKey?: string;
}

/** Deployment and endpoint names: 3-32 letters, digits and '-', starting with a letter, not ending with '-'. */
export const ONLINE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

export function endpointPath(ws: WorkspaceRef, endpoint: string): string {
  return `${workspacePath(ws)}/onlineEndpoints/${encodeURIComponent(endpoint)}`;
}

export function deploymentPath(ws: WorkspaceRef, endpoint: string, deployment: string): string {
  return `${endpointPath(ws, endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}

/** The workspace's Azure region (examples/Workspace/get.json: `location`), where new endpoints are created. */
export async function workspaceLocation(arm: ArmClient, ws: WorkspaceRef): Promise<string> {
  const w = await arm.get<{ location?: string }>(workspacePath(ws));
  if (!w?.location)
    throw new UserError(
      `workspace: the workspace record has no location (got ${shown(w?.location ?? "")}). Check the workspace in the Azure portal.`,
    );
  return w.location;
}

export async function getEndpoint(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
): Promise<OnlineEndpoint | undefined> {
  return arm.getIfExists<OnlineEndpoint>(endpointPath(ws, endpoint));
}

export interface WriteOptions {
  onStatus?: (status: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** PUT the endpoint (create or replace), wait for the operation, return the endpoint as it is then. */
export async function putEndpoint(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  body: OnlineEndpoint,
  o: WriteOptions = {},
): Promise<OnlineEndpoint> {
  const clean: OnlineEndpoint = {
    location: body.location,
    ...(body.kind ? { kind: body.kind } : {}),
    ...(body.tags ? { tags: body.tags } : {}),
    ...(body.identity ? { identity: stripIdentity(body.identity) } : {}),
    properties: writableEndpointProperties(body.properties),
  };
  return arm.lro<OnlineEndpoint>("PUT", endpointPath(ws, endpoint), { body: clean, ...o });
}

/** A new endpoint with key authentication, in the workspace's region. */
export function newEndpointBody(location: string, tags: Record<string, string> = {}): OnlineEndpoint {
  return {
    location,
    kind: "Managed",
    tags,
    identity: { type: "SystemAssigned" },
    properties: { authMode: "Key", traffic: {} },
  };
}

/** Replace the endpoint's traffic map: GET, PUT with the new `properties.traffic`, wait for the operation. */
export async function setTraffic(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  traffic: TrafficMap,
  o: WriteOptions = {},
): Promise<OnlineEndpoint> {
  const current = await arm.get<OnlineEndpoint>(endpointPath(ws, endpoint), { signal: o.signal });
  return putEndpoint(arm, ws, endpoint, { ...current, properties: { ...current.properties, traffic } }, o);
}

/** Endpoint provisioning states after which no operation runs on it (EndpointProvisioningState). */
const SETTLED = /^(succeeded|failed|canceled)$/i;

/**
 * Put a traffic map back after a rollout stopped, possibly while its own traffic PUT was still running
 * in Azure: wait until the endpoint's provisioningState is settled, then PUT; a 409 (another operation
 * holds the endpoint) is waited out and tried again, up to `timeoutMs` (default 10 min).
 */
export async function restoreTraffic(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  traffic: TrafficMap,
  o: WriteOptions & { pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<OnlineEndpoint> {
  const sleep = o.sleep ?? realSleep;
  const poll = o.pollMs ?? 5_000;
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
  for (;;) {
    const current = await arm.get<OnlineEndpoint>(endpointPath(ws, endpoint));
    const state = current.properties.provisioningState;
    if (state && !SETTLED.test(state) && Date.now() < deadline) {
      o.onStatus?.(`waiting for the endpoint (${state})`);
      await sleep(poll);
      continue;
    }
    try {
      return await putEndpoint(
        arm,
        ws,
        endpoint,
        { ...current, properties: { ...current.properties, traffic } },
        { ...o, timeoutMs: Math.max(60_000, deadline - Date.now()) },
      );
    } catch (e) {
      if (!(e instanceof ArmError && e.status === 409) || Date.now() >= deadline) throw e;
      o.onStatus?.("another operation holds the endpoint; retrying");
      await sleep(poll);
    }
  }
}

export async function listKeys(arm: ArmClient, ws: WorkspaceRef, endpoint: string): Promise<EndpointKeys> {
  return (await arm.request<EndpointKeys>("POST", `${endpointPath(ws, endpoint)}/listKeys`)).body ?? {};
}

/** examples/Workspace/OnlineEndpoint/getToken.json: a data-plane token for AMLToken endpoints. */
export async function getEndpointToken(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
): Promise<string | undefined> {
  return (await arm.request<{ accessToken?: string }>("POST", `${endpointPath(ws, endpoint)}/token`)).body?.accessToken;
}

export async function getDeployment(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  deployment: string,
): Promise<OnlineDeployment | undefined> {
  return arm.getIfExists<OnlineDeployment>(deploymentPath(ws, endpoint, deployment));
}

/** All deployments of the endpoint, following nextLink. */
export async function listDeployments(arm: ArmClient, ws: WorkspaceRef, endpoint: string): Promise<OnlineDeployment[]> {
  const out: OnlineDeployment[] = [];
  let next: string | undefined = `${endpointPath(ws, endpoint)}/deployments`;
  for (let page = 0; next && page < 100; page++) {
    const r: { value?: OnlineDeployment[]; nextLink?: string } = await arm.get(next);
    out.push(...(r.value ?? []));
    next = r.nextLink || undefined;
  }
  return out;
}

export async function putDeployment(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  deployment: string,
  body: Omit<OnlineDeployment, "name">,
  o: WriteOptions = {},
): Promise<OnlineDeployment> {
  return arm.lro<OnlineDeployment>("PUT", deploymentPath(ws, endpoint, deployment), { body, ...o });
}

/** PATCH the deployment's tags (examples/OnlineDeployment/ManagedOnlineDeployment/update.json: tags and sku only). */
export async function setDeploymentTags(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  deployment: string,
  tags: Record<string, string>,
  o: WriteOptions = {},
): Promise<OnlineDeployment> {
  return arm.lro<OnlineDeployment>("PATCH", deploymentPath(ws, endpoint, deployment), { body: { tags }, ...o });
}

export async function deleteDeployment(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  deployment: string,
  o: WriteOptions = {},
): Promise<void> {
  await arm.lro("DELETE", deploymentPath(ws, endpoint, deployment), { ...o, allow: [204] });
}

/** The last `tail` lines of the inference server's log (examples/OnlineDeployment/getLogs.json). */
export async function deploymentLogs(
  arm: ArmClient,
  ws: WorkspaceRef,
  endpoint: string,
  deployment: string,
  tail = 50,
): Promise<string> {
  const r = await arm.request<{ content?: string }>("POST", `${deploymentPath(ws, endpoint, deployment)}/getLogs`, {
    body: { containerType: "InferenceServer", tail },
  });
  return r.body?.content ?? "";
}

/**
 * The deployment's `model` field from what users write: `azureml://registries/<r>/models/<n>/versions/<v>`
 * (a registry model, as the service accepts it), `azureml:<name>:<version>` (a model of this workspace,
 * turned into its ARM id), or a full ARM id of a model version. Returns the id and a name and version.
 */
export function modelAssetId(model: string, ws: WorkspaceRef): { id: string; name: string; version: string } {
  const m = model.trim();
  const registry = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(m);
  if (registry) return { id: m, name: registry[2]!, version: registry[3]! };
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(m);
  if (short)
    return { id: `${workspacePath(ws)}/models/${short[1]}/versions/${short[2]}`, name: short[1]!, version: short[2]! };
  const arm =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/(?:workspaces|registries)\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(
      m,
    );
  if (arm) return { id: m, name: arm[1]!, version: arm[2]! };
  const wsUri =
    /^azureml:\/\/(?:subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/)?models\/([^/]+)\/versions\/([^/]+)$/i.exec(
      m,
    );
  if (wsUri)
    return { id: `${workspacePath(ws)}/models/${wsUri[1]}/versions/${wsUri[2]}`, name: wsUri[1]!, version: wsUri[2]! };
  throw new UserError(
    `model: not an Azure ML model reference (got ${shown(m)}). Use azureml://registries/<registry>/models/<name>/versions/<version>, azureml:<name>:<version> for a model of the workspace, or the model version's ARM id.`,
  );
}

/** A deployment name from the model's name and version: lower-case, '-' for anything else, 3-32 characters. */
export function deploymentNameFor(name: string, version: string): string {
  const tail = `-v${version}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  let head = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "");
  if (!head) head = "model";
  head = head.slice(0, Math.max(1, 32 - tail.length)).replace(/-+$/, "");
  const out = `${head}${tail}`.replace(/-+/g, "-").slice(0, 32).replace(/-+$/, "");
  return out.length >= 3 ? out : `${out}-deploy`.slice(0, 32);
}

function writableEndpointProperties(p: OnlineEndpoint["properties"]): OnlineEndpoint["properties"] {
  const { scoringUri: _s, swaggerUri: _w, provisioningState: _p, ...rest } = p;
  return rest as OnlineEndpoint["properties"];
}

function stripIdentity(identity: NonNullable<OnlineEndpoint["identity"]>): OnlineEndpoint["identity"] {
  // principalId/tenantId are read-only; user-assigned identities are written as empty objects.
  const out: NonNullable<OnlineEndpoint["identity"]> = { type: identity.type };
  if (identity.userAssignedIdentities)
    out.userAssignedIdentities = Object.fromEntries(Object.keys(identity.userAssignedIdentities).map((k) => [k, {}]));
  return out;
}
