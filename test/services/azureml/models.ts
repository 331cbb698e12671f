/**
 * Model containers and versions of the stand-in's Azure ML workspace. Routes follow azure-rest-api-specs,
 * specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/
 * (mfe.json and the examples named at each route); requests and answers are checked against the vendored spec by
 * the Resource Manager stand-in like every other route.
 *
 * Behaviour the examples do not show, and where it comes from:
 * - ModelVersions_CreateOrUpdate is synchronous (mfe.json: 200 or 201, no long-running headers) and creates the
 *   container with the first version (azure-ai-ml's ModelOperations.create_or_update sends only the version PUT
 *   for a workspace); the container's read-only nextVersion and latestVersion follow the numeric versions.
 * - A PUT onto an existing version is an update of its mutable fields (description, tags, isArchived, stage);
 *   one with another modelUri is refused 400 "(UserError) Asset paths cannot be updated." (azure-ai-ml
 *   azure/ai/ml/_artifacts/_constants.py ASSET_PATH_ERROR).
 * - A modelUri is resolved as the service resolves a model path: `azureml://jobs/<job>/outputs/<output>/paths/<p>`
 *   needs a Completed job with that output, and a file or folder at <p> in it (how-to-manage-models lists this
 *   form); `azureml://datastores/<ds>/paths/<p>` needs files there. Anything else, or nothing there, is refused
 *   with 400 UserError, as the service refuses a model with no files. `jobName` must name a job of the workspace.
 * - provisioningState (AssetProvisioningState) is Succeeded at once, unless a test asks the next versions to
 *   stay Creating for some reads and end Failed.
 */
import { armError, type FakeArm, type FakeResponse, WORKSPACE_PATH } from "./arm-server";
import type { AzureMLJobsStandIn } from "./jobs";
import { type StoredVersion, systemData } from "./registries";

const WS = WORKSPACE_PATH.replace(/[/.]/g, (c) => `\\${c}`);
const CONTAINER = new RegExp(`^${WS}/models/([^/]+)$`, "i");
const VERSION = new RegExp(`^${WS}/models/([^/]+)/versions/([^/]+)$`, "i");
const JOB_OUTPUT = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)\/paths\/(.+)$/;
const DATASTORE = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/;
const MUTABLE = ["description", "tags", "isArchived", "stage"] as const;

/** A workspace model version: a registry version's shape, with the job that produced it. */
export type StoredModelVersion = StoredVersion & {
  properties: { jobName?: string; isArchived?: boolean; provisioningState: string };
};

export interface WorkspaceModelsStandIn {
  /** `<name>/<version>` → version resource. */
  versions: Map<string, StoredModelVersion>;
  get(name: string, version: string | number): StoredModelVersion | undefined;
  /** Put a version there directly (another writer, e.g. a registration from Studio). */
  add(name: string, version: string, properties: Partial<StoredModelVersion["properties"]>): StoredModelVersion;
  /** The next `n` created versions answer Creating for `reads` GETs, then end `final` (default Failed). */
  provisionNext(n: number, o?: { reads?: number; final?: "Succeeded" | "Failed" }): void;
  /** Runs when a version PUT arrives, before it is handled (to stage another writer taking the version first). */
  onVersionPut?: (name: string, version: string) => void | Promise<void>;
}

export function addWorkspaceModels(fake: FakeArm, aml: AzureMLJobsStandIn): WorkspaceModelsStandIn {
  const versions = new Map<string, StoredModelVersion>();
  const provisioning: { reads: number; final: "Succeeded" | "Failed" }[] = [];
  const pending = new Map<string, { reads: number; final: "Succeeded" | "Failed" }>();
  const numbers = (name: string) =>
    [...versions.keys()]
      .filter((k) => k.startsWith(`${name}/`))
      .map((k) => k.slice(name.length + 1))
      .filter((v) => /^\d+$/.test(v))
      .map(Number);

  const store = (name: string, version: string, properties: StoredModelVersion["properties"]): StoredModelVersion => {
    const v: StoredModelVersion = {
      id: `${WORKSPACE_PATH}/models/${name}/versions/${version}`,
      name: version,
      type: "Microsoft.MachineLearningServices/workspaces/models/versions",
      properties: { isAnonymous: false, isArchived: false, ...properties },
      systemData: systemData(),
    };
    versions.set(`${name}/${version}`, v);
    return v;
  };

  const api: WorkspaceModelsStandIn = {
    versions,
    get: (name, version) => versions.get(`${name}/${version}`),
    add: (name, version, properties) =>
      store(name, version, {
        modelType: "custom_model",
        ...properties,
        provisioningState: properties.provisioningState ?? "Succeeded",
      }),
    provisionNext(n, o = {}) {
      for (let i = 0; i < n; i++) provisioning.push({ reads: o.reads ?? 1, final: o.final ?? "Failed" });
    },
  };

  // ModelContainers_Get: examples/Workspace/ModelContainer/get.json, with the read-only latestVersion/nextVersion.
  fake.route("GET", CONTAINER, (r) => {
    const name = r.params[0] as string;
    const nums = numbers(name);
    if (![...versions.keys()].some((k) => k.startsWith(`${name}/`)))
      return armError(404, "UserError", `Model container ${name} not found.`);
    const latest = nums.length ? Math.max(...nums) : undefined;
    return {
      status: 200,
      body: {
        id: `${WORKSPACE_PATH}/models/${name}`,
        name,
        type: "Microsoft.MachineLearningServices/workspaces/models",
        properties: {
          tags: {},
          isArchived: false,
          ...(latest !== undefined ? { latestVersion: String(latest) } : {}),
          nextVersion: String((latest ?? 0) + 1),
          provisioningState: "Succeeded",
        },
        systemData: systemData(),
      },
    };
  });

  // ModelVersions_Get: examples/Workspace/ModelVersion/get.json; a version still Creating moves on with each read.
  fake.route("GET", VERSION, (r) => {
    const [name = "", version = ""] = r.params;
    const v = versions.get(`${name}/${version}`);
    if (!v) return armError(404, "UserError", `Model ${name}:${version} not found.`);
    const p = pending.get(`${name}/${version}`);
    if (p) {
      if (p.reads > 0) p.reads--;
      else {
        v.properties.provisioningState = p.final;
        pending.delete(`${name}/${version}`);
      }
    }
    return { status: 200, body: v };
  });

  // ModelVersions_CreateOrUpdate: examples/Workspace/ModelVersion/createOrUpdate.json (201 when created, 200 when updated).
  fake.route("PUT", VERSION, async (r): Promise<FakeResponse> => {
    const [name = "", version = ""] = r.params;
    await api.onVersionPut?.(name, version);
    const props = (r.body as { properties?: StoredModelVersion["properties"] } | undefined)?.properties;
    if (!props) return armError(400, "UserError", "properties is required.");
    if (typeof props.modelUri !== "string" || !props.modelUri)
      return armError(400, "UserError", "modelUri is required for a model version.");
    const existing = versions.get(`${name}/${version}`);
    if (existing) {
      if (existing.properties.modelUri !== props.modelUri)
        return armError(400, "UserError", "Asset paths cannot be updated.");
      for (const k of MUTABLE)
        if (props[k] !== undefined) (existing.properties as Record<string, unknown>)[k] = props[k];
      existing.systemData = { ...existing.systemData, lastModifiedAt: new Date().toISOString() };
      return { status: 200, body: existing };
    }
    if (props.jobName !== undefined && props.jobName !== null && !aml.jobs.has(props.jobName))
      return armError(400, "UserError", `Job ${props.jobName} not found in the workspace.`);
    const problem = await unresolvable(props.modelUri);
    if (problem) return armError(400, "UserError", problem);
    const p = provisioning.shift();
    if (p) pending.set(`${name}/${version}`, p);
    const v = store(name, version, { ...props, provisioningState: p ? "Creating" : "Succeeded" });
    return { status: 201, body: v };
  });

  /** Why the service could not find the model's files at modelUri, or undefined when it can. */
  async function unresolvable(uri: string): Promise<string | undefined> {
    let datastore: string | undefined;
    let path: string | undefined;
    const job = JOB_OUTPUT.exec(uri);
    if (job) {
      const [, jobName = "", output = "", rel = ""] = job;
      const j = aml.jobs.get(jobName);
      if (!j) return `modelUri ${uri}: job ${jobName} not found.`;
      if (j.status !== "Completed")
        return `modelUri ${uri}: job ${jobName} is ${j.status}; its outputs are available once it completed.`;
      const out = (j.submitted.properties.outputs as Record<string, { uri?: string }> | undefined)?.[output];
      if (!out) return `modelUri ${uri}: job ${jobName} has no output ${output}.`;
      const at = out.uri ? DATASTORE.exec(out.uri) : null;
      if (!at) return `modelUri ${uri}: output ${output} of job ${jobName} is not on a datastore.`;
      datastore = at[1];
      path = `${(at[2] ?? "").replace(/\/+$/, "")}/${rel}`;
    } else {
      const ds = DATASTORE.exec(uri);
      if (!ds)
        return `modelUri ${uri} is not a job output or datastore path the stand-in resolves (azureml://jobs/<job>/outputs/<output>/paths/<path>).`;
      [, datastore, path] = ds;
    }
    if (datastore !== aml.datastore.name) return `modelUri ${uri}: datastore ${datastore} not found.`;
    const prefix = (path ?? "").replace(/\/+$/, "");
    for await (const b of aml.container.listBlobsFlat({ prefix }))
      if (b.name === prefix || b.name.startsWith(`${prefix}/`)) return undefined;
    return `No files found at modelUri ${uri}.`;
  }

  return api;
}
