/**
 * The operations of Microsoft.MachineLearningServices 2024-10-01 that the actions call, as `paths` of
 * azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
 * stable/2024-10-01/mfe.json (commit in mfe.json beside this file) declares them: method, path, body model,
 * documented answers. Path parameter patterns: mfe.json's own (`^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$` for asset,
 * datastore and job names; `^[a-zA-Z][a-zA-Z0-9-]{0,31}$` for online endpoint and deployment names on PUT),
 * registries.json parameters/RegistryNameParameter and machineLearningServices.json
 * parameters/WorkspaceNameParameter, and common-types v3 ResourceGroupNameParameter.
 *
 * Workspaces_Get (machineLearningServices.json) answers a `Workspace`, which is not vendored: its status is
 * checked, not its body.
 */

export interface ResponseSpec {
  /** A model `$ref` in mfe.json, or another vendored file (`types.json#/definitions/...`). */
  schema?: string;
  /** Headers the spec lists for this answer and the stand-in must send. */
  headers?: string[];
  /** The spec bounds Retry-After to 10-600 s on this answer. */
  retryAfter?: boolean;
}

export interface Operation {
  id: string;
  method: string;
  regex: RegExp;
  pathPatterns?: Record<string, string>;
  body?: string;
  bodyRequired?: boolean;
  responses: Record<number, ResponseSpec>;
}

const ASSET_NAME = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$";
const ONLINE_NAME = "^[a-zA-Z][a-zA-Z0-9-]{0,31}$";
const WORKSPACE_NAME = "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$";
const REGISTRY_NAME = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{2,32}$";
const RESOURCE_GROUP = "^[-\\w\\._\\(\\)]+$";

const seg = "[^/]+";
const RG = `^/subscriptions/(?<subscriptionId>${seg})/resourceGroups/(?<resourceGroupName>${seg})/providers/Microsoft\\.MachineLearningServices`;
const WS = `${RG}/workspaces/(?<workspaceName>${seg})`;
const REG = `${RG}/registries/(?<registryName>${seg})`;
const re = (s: string) => new RegExp(`${s}$`, "i");
const base = { resourceGroupName: RESOURCE_GROUP };
const ws = { ...base, workspaceName: WORKSPACE_NAME };
const reg = { ...base, registryName: REGISTRY_NAME };

/** 201 of a long-running PUT: the spec lists Azure-AsyncOperation (and x-ms-async-operation-timeout). */
const created = (schema: string): ResponseSpec => ({ schema, headers: ["Azure-AsyncOperation"] });
/** 202 of a long-running POST/PATCH/DELETE: Location and Retry-After (10-600 s). */
const accepted: ResponseSpec = { headers: ["Location"], retryAfter: true };

export const OPERATIONS: Operation[] = [
  { id: "Workspaces_Get", method: "GET", regex: re(WS), pathPatterns: ws, responses: { 200: {} } },

  { id: "Datastores_List", method: "GET", regex: re(`${WS}/datastores`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/DatastoreResourceArmPaginatedResult" } } },
  { id: "Datastores_Get", method: "GET", regex: re(`${WS}/datastores/(?<name>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/DatastoreResource" } } },
  { id: "Datastores_ListSecrets", method: "POST", regex: re(`${WS}/datastores/(?<name>${seg})/listSecrets`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/DatastoreSecrets" } } },

  { id: "CodeVersions_Get", method: "GET", regex: re(`${WS}/codes/(?<name>${seg})/versions/(?<version>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/CodeVersionResource" } } },
  {
    id: "CodeVersions_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/codes/(?<name>${seg})/versions/(?<version>${seg})`),
    pathPatterns: { ...ws, name: ASSET_NAME },
    body: "#/definitions/CodeVersionResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/CodeVersionResource" }, 201: { schema: "#/definitions/CodeVersionResource" } },
  },

  { id: "EnvironmentVersions_List", method: "GET", regex: re(`${WS}/environments/(?<name>${seg})/versions`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/EnvironmentVersionResourceArmPaginatedResult" } } },
  { id: "EnvironmentVersions_Get", method: "GET", regex: re(`${WS}/environments/(?<name>${seg})/versions/(?<version>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/EnvironmentVersionResource" } } },
  {
    id: "EnvironmentVersions_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/environments/(?<name>${seg})/versions/(?<version>${seg})`),
    pathPatterns: { ...ws, name: ASSET_NAME },
    body: "#/definitions/EnvironmentVersionResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/EnvironmentVersionResource" }, 201: { schema: "#/definitions/EnvironmentVersionResource" } },
  },

  { id: "ComponentVersions_List", method: "GET", regex: re(`${WS}/components/(?<name>${seg})/versions`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/ComponentVersionResourceArmPaginatedResult" } } },
  { id: "ComponentVersions_Get", method: "GET", regex: re(`${WS}/components/(?<name>${seg})/versions/(?<version>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/ComponentVersionResource" } } },
  {
    id: "ComponentVersions_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/components/(?<name>${seg})/versions/(?<version>${seg})`),
    pathPatterns: { ...ws, name: ASSET_NAME },
    body: "#/definitions/ComponentVersionResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/ComponentVersionResource" }, 201: { schema: "#/definitions/ComponentVersionResource" } },
  },

  { id: "ModelContainers_Get", method: "GET", regex: re(`${WS}/models/(?<name>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/ModelContainerResource" } } },
  { id: "ModelVersions_Get", method: "GET", regex: re(`${WS}/models/(?<name>${seg})/versions/(?<version>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/ModelVersionResource" } } },
  {
    id: "ModelVersions_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/models/(?<name>${seg})/versions/(?<version>${seg})`),
    pathPatterns: { ...ws, name: ASSET_NAME },
    body: "#/definitions/ModelVersionResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/ModelVersionResource" }, 201: { schema: "#/definitions/ModelVersionResource" } },
  },

  { id: "Jobs_Get", method: "GET", regex: re(`${WS}/jobs/(?<id>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/JobBaseResource" } } },
  {
    id: "Jobs_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/jobs/(?<id>${seg})`),
    pathPatterns: { ...ws, id: ASSET_NAME },
    body: "#/definitions/JobBaseResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/JobBaseResource" }, 201: { schema: "#/definitions/JobBaseResource" } },
  },
  { id: "Jobs_Cancel", method: "POST", regex: re(`${WS}/jobs/(?<id>${seg})/cancel`), pathPatterns: ws, responses: { 200: {}, 202: accepted } },

  { id: "OnlineEndpoints_Get", method: "GET", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/OnlineEndpointTrackedResource" } } },
  {
    id: "OnlineEndpoints_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})`),
    pathPatterns: { ...ws, endpointName: ONLINE_NAME },
    body: "#/definitions/OnlineEndpointTrackedResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/OnlineEndpointTrackedResource" }, 201: created("#/definitions/OnlineEndpointTrackedResource") },
  },
  { id: "OnlineEndpoints_ListKeys", method: "POST", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/listKeys`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/EndpointAuthKeys" } } },
  { id: "OnlineEndpoints_GetToken", method: "POST", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/token`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/EndpointAuthToken" } } },
  { id: "OnlineDeployments_List", method: "GET", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/OnlineDeploymentTrackedResourceArmPaginatedResult" } } },
  { id: "OnlineDeployments_Get", method: "GET", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments/(?<deploymentName>${seg})`), pathPatterns: ws, responses: { 200: { schema: "#/definitions/OnlineDeploymentTrackedResource" } } },
  {
    id: "OnlineDeployments_CreateOrUpdate",
    method: "PUT",
    regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments/(?<deploymentName>${seg})`),
    pathPatterns: { ...ws, endpointName: ONLINE_NAME, deploymentName: ONLINE_NAME },
    body: "#/definitions/OnlineDeploymentTrackedResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/OnlineDeploymentTrackedResource" }, 201: created("#/definitions/OnlineDeploymentTrackedResource") },
  },
  {
    id: "OnlineDeployments_Update",
    method: "PATCH",
    regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments/(?<deploymentName>${seg})`),
    pathPatterns: { ...ws, endpointName: ONLINE_NAME, deploymentName: ONLINE_NAME },
    body: "#/definitions/PartialMinimalTrackedResourceWithSku",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/OnlineDeploymentTrackedResource" }, 202: accepted },
  },
  { id: "OnlineDeployments_Delete", method: "DELETE", regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments/(?<deploymentName>${seg})`), pathPatterns: ws, responses: { 200: {}, 202: accepted, 204: {} } },
  {
    id: "OnlineDeployments_GetLogs",
    method: "POST",
    regex: re(`${WS}/onlineEndpoints/(?<endpointName>${seg})/deployments/(?<deploymentName>${seg})/getLogs`),
    pathPatterns: ws,
    body: "#/definitions/DeploymentLogsRequest",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/DeploymentLogs" } },
  },

  { id: "RegistryModelContainers_Get", method: "GET", regex: re(`${REG}/models/(?<modelName>${seg})`), pathPatterns: reg, responses: { 200: { schema: "#/definitions/ModelContainerResource" } } },
  {
    id: "RegistryModelContainers_CreateOrUpdate",
    method: "PUT",
    regex: re(`${REG}/models/(?<modelName>${seg})`),
    pathPatterns: { ...reg, modelName: ASSET_NAME },
    body: "#/definitions/ModelContainerResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/ModelContainerResource" }, 201: created("#/definitions/ModelContainerResource") },
  },
  { id: "RegistryModelVersions_Get", method: "GET", regex: re(`${REG}/models/(?<modelName>${seg})/versions/(?<version>${seg})`), pathPatterns: reg, responses: { 200: { schema: "#/definitions/ModelVersionResource" } } },
  {
    id: "RegistryModelVersions_CreateOrUpdate",
    method: "PUT",
    regex: re(`${REG}/models/(?<modelName>${seg})/versions/(?<version>${seg})`),
    pathPatterns: { ...reg, modelName: ASSET_NAME },
    body: "#/definitions/ModelVersionResource",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/ModelVersionResource" }, 201: created("#/definitions/ModelVersionResource") },
  },
  {
    id: "RegistryModelVersions_CreateOrGetStartPendingUpload",
    method: "POST",
    regex: re(`${REG}/models/(?<modelName>${seg})/versions/(?<version>${seg})/startPendingUpload`),
    pathPatterns: reg,
    body: "#/definitions/PendingUploadRequestDto",
    bodyRequired: true,
    responses: { 200: { schema: "#/definitions/PendingUploadResponseDto" } },
  },
];
