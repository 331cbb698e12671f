/**
 * Azure ML registry model containers and versions on the local Resource Manager stand-in, with the
 * registry's storage in Azurite. Every route follows the published REST shapes, api-version 2024-10-01
 * (azure-rest-api-specs, specification/machinelearningservices/resource-manager/
 * Microsoft.MachineLearningServices/stable/2024-10-01/, mfe.json and the examples named at each route).
 *
 * Where the documents are silent the stand-in is strict rather than lenient, and says so:
 * - a version PUT into a model container that does not exist is refused (404), so the client must create
 *   the container first;
 * - a version PUT whose modelUri has no blobs under it is refused with 400 UserError, as the service
 *   refuses a model with no files;
 * - a version number that exists is immutable: a PUT with other properties answers 409.
 */
import { randomUUID } from "node:crypto";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { type Azurite, DEV_ACCOUNT, DEV_KEY } from "../azurite";
import { armError, type FakeArm, type FakeResponse } from "./arm-server";

const PREFIX =
  "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.MachineLearningServices/registries/([^/]+)/models/([^/]+)";
const CONTAINER = new RegExp(`${PREFIX}$`);
const VERSION = new RegExp(`${PREFIX}/versions/([^/]+)$`);
const PENDING = new RegExp(`${PREFIX}/versions/([^/]+)/startPendingUpload$`);
/** registries.json parameters/RegistryNameParameter and mfe.json's modelName path parameter. */
const REGISTRY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{2,32}$/;
const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
/** The storage container the registry hands out temporary upload locations in. */
export const UPLOAD_CONTAINER = "azureml-registry-uploads";

export interface StoredVersion {
  id: string;
  name: string;
  type: string;
  properties: Record<string, unknown> & {
    description?: string;
    tags?: Record<string, string>;
    properties?: Record<string, string>;
    modelType?: string;
    modelUri?: string;
    provisioningState?: string;
  };
  systemData: Record<string, string>;
}

export interface RegistryStandIn {
  /** `<registry>/<model>` → container resource. */
  containers: Map<string, unknown>;
  /** `<registry>/<model>/<version>` → version resource (only once its operation succeeded). */
  versions: Map<string, StoredVersion>;
  /** Every temporary upload location handed out (the SAS included: tests check it never leaks). */
  uploads: { registry: string; model: string; version: string; blobUri: string; sasUri: string }[];
  /**
   * The next `n` version PUTs start an operation that ends Failed with this error. With `keep`, the version
   * stays readable with provisioningState Failed (as ARM resources often do) until a new PUT replaces it.
   */
  failNextVersions(n: number, error?: { code: string; message: string }, keep?: boolean): void;
  /** The next startPendingUpload hands out a SAS without write permission (uploads are refused). */
  readOnlyNextUpload(): void;
  /** Runs when a version PUT is accepted, before the operation completes (to stage races). */
  onVersionPut?: (key: string) => void | Promise<void>;
  get(registry: string, model: string, version: number | string): StoredVersion | undefined;
}

/** systemData of a resource created now (ARM's common shape). */
export const systemData = () => {
  const at = new Date().toISOString();
  return {
    createdAt: at,
    createdBy: "mlops-test",
    createdByType: "User",
    lastModifiedAt: at,
    lastModifiedBy: "mlops-test",
    lastModifiedByType: "User",
  };
};

export async function addRegistryRoutes(fake: FakeArm, azurite: Azurite): Promise<RegistryStandIn> {
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString());
  const uploads = service.getContainerClient(UPLOAD_CONTAINER);
  await uploads.createIfNotExists();
  const endpoint = azurite.endpoint(DEV_ACCOUNT);
  const failures: { code: string; message: string; keep?: boolean }[] = [];
  let readOnly = false;

  const state: RegistryStandIn = {
    containers: new Map(),
    versions: new Map(),
    uploads: [],
    failNextVersions(
      n,
      error = { code: "UserError", message: "Model version creation failed in the registry's region." },
      keep = false,
    ) {
      for (let i = 0; i < n; i++) failures.push({ ...error, keep });
    },
    readOnlyNextUpload() {
      readOnly = true;
    },
    get: (registry, model, version) => state.versions.get(`${registry}/${model}/${version}`),
  };

  const badNames = (registry: string, model: string): FakeResponse | undefined => {
    if (!REGISTRY_NAME.test(registry))
      return armError(400, "InvalidResourceName", `Registry name '${registry}' is not valid.`);
    if (!MODEL_NAME.test(model)) return armError(400, "UserError", `Model name '${model}' is not valid.`);
    return undefined;
  };

  // RegistryModelContainers_Get: examples/Registry/ModelContainer/get.json
  fake.route("GET", CONTAINER, (r) => {
    const [, , registry = "", model = ""] = r.params;
    const c = state.containers.get(`${registry}/${model}`);
    return c
      ? { status: 200, body: c }
      : armError(404, "UserError", `Model container ${model} not found in registry ${registry}.`);
  });

  // RegistryModelContainers_CreateOrUpdate: examples/Registry/ModelContainer/createOrUpdate.json
  // (200 when it exists; 201 with Azure-AsyncOperation, final-state-via original-uri, when it is created).
  fake.route("PUT", CONTAINER, (r) => {
    const [, , registry = "", model = ""] = r.params;
    const bad = badNames(registry, model);
    if (bad) return bad;
    const body = r.body as { properties?: { description?: string; tags?: Record<string, string> } } | undefined;
    if (!body?.properties) return armError(400, "UserError", "properties is required.");
    const resource = {
      id: r.path,
      name: model,
      type: "Microsoft.MachineLearningServices/registries/models",
      properties: {
        description: body.properties.description,
        tags: body.properties.tags ?? {},
        provisioningState: "Succeeded",
      },
      systemData: systemData(),
    };
    const key = `${registry}/${model}`;
    if (state.containers.has(key)) {
      state.containers.set(key, resource);
      return { status: 200, body: resource };
    }
    const { headers } = fake.operation({ onDone: () => state.containers.set(key, resource) });
    return {
      status: 201,
      headers,
      body: { ...resource, properties: { ...resource.properties, provisioningState: "Creating" } },
    };
  });

  // RegistryModelVersions_Get: examples/Registry/ModelVersion/get.json
  fake.route("GET", VERSION, (r) => {
    const [, , registry = "", model = "", version = ""] = r.params;
    const v = state.get(registry, model, version);
    return v
      ? { status: 200, body: v }
      : armError(404, "UserError", `Model ${model}:${version} not found in registry ${registry}.`);
  });

  // RegistryModelVersions_CreateOrGetStartPendingUpload:
  // examples/Registry/ModelVersion/createOrGetStartPendingUpload.json
  fake.route("POST", PENDING, (r) => {
    const [, , registry = "", model = "", version = ""] = r.params;
    const bad = badNames(registry, model);
    if (bad) return bad;
    const body = r.body as { pendingUploadType?: string } | undefined;
    if (body?.pendingUploadType !== "TemporaryBlobReference")
      return armError(
        400,
        "UserError",
        `pendingUploadType must be TemporaryBlobReference (got ${body?.pendingUploadType}).`,
      );
    const prefix = randomUUID();
    const permissions = ContainerSASPermissions.parse(readOnly ? "rl" : "racwl");
    readOnly = false;
    const sas = generateBlobSASQueryParameters(
      { containerName: UPLOAD_CONTAINER, permissions, expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
    ).toString();
    const blobUri = `${endpoint}/${UPLOAD_CONTAINER}/${prefix}`;
    const sasUri = `${blobUri}?${sas}`;
    state.uploads.push({ registry, model, version, blobUri, sasUri });
    return {
      status: 200,
      body: {
        blobReferenceForConsumption: {
          blobUri,
          storageAccountArmId: `/subscriptions/${r.params[0]}/resourceGroups/${r.params[1]}/providers/Microsoft.Storage/storageAccounts/${DEV_ACCOUNT}`,
          credential: { credentialType: "SAS", sasUri },
        },
        pendingUploadId: prefix,
        pendingUploadType: "TemporaryBlobReference",
      },
    };
  });

  // RegistryModelVersions_CreateOrUpdate: examples/Registry/ModelVersion/createOrUpdate.json
  // (201 with Azure-AsyncOperation, final-state-via original-uri: the version is readable once the operation succeeded).
  fake.route("PUT", VERSION, async (r) => {
    const [, , registry = "", model = "", version = ""] = r.params;
    const bad = badNames(registry, model);
    if (bad) return bad;
    if (!state.containers.has(`${registry}/${model}`))
      return armError(404, "UserError", `Model container ${model} not found in registry ${registry}; create it first.`);
    const props = (r.body as { properties?: StoredVersion["properties"] } | undefined)?.properties;
    if (!props) return armError(400, "UserError", "properties is required.");
    if (typeof props.modelUri !== "string" || !props.modelUri)
      return armError(400, "UserError", "modelUri is required for a model version.");
    if (props.modelType !== undefined && typeof props.modelType !== "string")
      return armError(400, "UserError", "modelType must be a string.");
    const key = `${registry}/${model}/${version}`;
    const existing = state.versions.get(key);
    if (existing && existing.properties.provisioningState === "Succeeded") {
      const same = JSON.stringify(existing.properties.properties ?? {}) === JSON.stringify(props.properties ?? {});
      return same
        ? { status: 200, body: existing }
        : armError(
            409,
            "UserError",
            `Model ${model}:${version} already exists in registry ${registry} and versions are immutable.`,
          );
    }
    const files = await blobsUnder(props.modelUri);
    if (files === undefined)
      return armError(400, "UserError", `modelUri ${props.modelUri} is not a location in the registry's storage.`);
    if (files.length === 0) return armError(400, "UserError", `No files found at modelUri ${props.modelUri}.`);
    const resource: StoredVersion = {
      id: r.path,
      name: version,
      type: "Microsoft.MachineLearningServices/registries/models/versions",
      properties: { isAnonymous: false, isArchived: false, ...props, provisioningState: "Succeeded" },
      systemData: systemData(),
    };
    const failure = failures.shift();
    const { op, headers } = fake.operation({
      final: failure ? "Failed" : "Succeeded",
      error: failure && { code: failure.code, message: failure.message },
      onDone: () => {
        if (op.status === "Succeeded") state.versions.set(key, resource);
        else if (failure?.keep)
          state.versions.set(key, { ...resource, properties: { ...resource.properties, provisioningState: "Failed" } });
      },
    });
    await state.onVersionPut?.(key);
    return {
      status: 201,
      headers,
      body: { ...resource, properties: { ...resource.properties, provisioningState: "Creating" } },
    };
  });

  /** Blob names under a modelUri in the upload container; undefined when the URI is elsewhere. */
  async function blobsUnder(modelUri: string): Promise<string[] | undefined> {
    const base = `${endpoint}/${UPLOAD_CONTAINER}/`;
    if (!modelUri.startsWith(base)) return undefined;
    const prefix = `${modelUri.slice(base.length).replace(/\/+$/, "")}/`;
    const names: string[] = [];
    for await (const b of uploads.listBlobsFlat({ prefix })) names.push(b.name.slice(prefix.length));
    return names;
  }

  return state;
}
