/**
 * The Azure ML routes of the local Resource Manager stand-in that train (compute: azureml) calls, and
 * a local "compute" that really runs command jobs. Every route follows a documented example of
 * azure-rest-api-specs, specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/
 * (cited next to it); what the cloud does beyond the examples (the status sequence of a job, where the
 * outputs land) follows https://learn.microsoft.com/azure/machine-learning/how-to-read-write-data-v2
 * and https://learn.microsoft.com/rest/api/azureml/jobs.
 *
 * The compute: a created command job moves NotStarted → Queued → Running on the next polls; entering
 * Running it downloads the code version's files from Azurite into a temp dir, substitutes
 * `${{inputs.<x>}}` and `${{outputs.<o>}}` in the command, sets environmentVariables, runs `sh -c` with a
 * time bound, and uploads each output folder to the output's `uri` on Azurite; the next poll then says
 * Completed (exit 0) or Failed.
 *
 * Where a job's diagnostics are, as Azure ML keeps them and its own SDK reads them (azure-ai-ml,
 * azure/ai/ml/operations/_job_ops_helper.py stream_logs_until_completion, and _job_operations.py
 * _get_named_output_uri): the job's `default` output is its artifact-store folder,
 * `azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.<job>/`, holding
 * `user_logs/std_log.txt` (the command's stdout and stderr); the error is in the run history's RunDetails
 * (`GET <history>/history/v1.0/<workspace id>/runs/<job>/details` → `error.error.{code,message}`), the
 * history host coming from the workspace's discoveryUrl. JobBase has no error property, and
 * services.*.errorMessage is only "Any error in the service" (mfe.json): the stand-in leaves it empty.
 * A PUT of an existing job is Jobs_CreateOrUpdate's update: only the fields mfe.json marks updatable
 * (description, tags, properties, isArchived, notificationSetting) may change; the rest is refused. Cancel kills the
 * command: CancelRequested, then Canceled. Pipeline jobs run their component steps one after the other
 * the same way: each node's component (registered with addComponent, or through ComponentVersions_CreateOrUpdate
 * as the action does for inline steps, its componentSpec's command, code and environment) runs with the
 * node's inputs; `${{parent.inputs.x}}`, `${{parent.outputs.x}}` and `${{parent.jobs.<step>.outputs.<o>}}`
 * are resolved, an unbound step output lands under `azureml/<job>/<step>/<output>/` on the datastore, and
 * an input that is a datastore URI is downloaded first (what ro_mount gives the command), so data really
 * flows from one step to the next.
 *
 * What the stand-in checks that the examples do not show (so a test fails where Azure ML would refuse):
 * a job or component must name environments, code and components that exist in the workspace; a
 * componentSpec's command may only use `${{inputs.x}}` / `${{outputs.o}}` it declares.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { downloadPrefix, parseDatastoreUri, uploadDirectory } from "../../../shared/azureml/datastore";
import type { Azurite } from "../azurite";
import { DEV_ACCOUNT, DEV_KEY } from "../azurite";
import { armError, type FakeArm, type FakeResponse, WORKSPACE_PATH } from "./arm-server";
import { environmentId, installEnvironments } from "./environments";

const WS = WORKSPACE_PATH.replace(/[/.]/g, (c) => `\\${c}`);
const re = (tail: string) => new RegExp(`^${WS}${tail}$`, "i");

export interface StandInJob {
  name: string;
  /** The body as submitted (PUT). */
  submitted: { properties: Record<string, unknown> };
  status: string;
  /** Each status the job went through. */
  history: string[];
  /** The run history's error of a failed job (RunDetails.error.error). */
  error?: { code: string; message: string };
  /** The command lines as they ran (after substitution), one per step. */
  ran: {
    command: string;
    cwd: string;
    env: Record<string, string>;
    /** The environment id the command "ran in" (the local compute runs it here, whatever the image). */
    environment?: string;
    /** The pipeline step, for pipeline jobs. */
    step?: string;
    exitCode: number | null;
    stdout: string;
    stderr: string;
  }[];
  process?: ChildProcess;
  done?: Promise<void>;
  finished?: "Completed" | "Failed";
}

export interface ComponentSpec {
  command: string;
  /** codeId of a code version registered through the routes. */
  code?: string;
  environment?: string;
  /** The componentSpec and isAnonymous of a version created through ComponentVersions_CreateOrUpdate. */
  componentSpec?: Record<string, unknown>;
  isAnonymous?: boolean;
}

export interface AzureMLJobsStandIn {
  datastore: { name: string; container: string };
  container: ContainerClient;
  jobs: Map<string, StandInJob>;
  codes: Map<string, { properties: { codeUri: string } }>;
  /** Components by ARM id (register with addComponent). */
  components: Map<string, ComponentSpec>;
  /** Environment versions of the workspace (seeded and created through EnvironmentVersions_CreateOrUpdate), by ARM id. */
  environmentVersions: Map<string, Record<string, unknown>>;
  cancels: string[];
  /** Called when a job PUT has created the job, before the answer is sent (e.g. to cancel the workflow then). */
  onSubmit?: (name: string) => void;
  addComponent(name: string, version: string, spec: ComponentSpec): string;
  /** Wait until every running command ended (tests call it before closing). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface StandInOptions {
  datastore?: string;
  container?: string;
  /** Environments known by name → versions, for `@latest` (default sklearn-env: 1, 2, 3). */
  environments?: Record<string, string[]>;
  /** Kill a job's command after this long (default 60 s). */
  runTimeoutMs?: number;
  /** Base environment of the commands (default: PATH and HOME of this process). */
  env?: Record<string, string>;
}

/** The artifact store: its datastore and container (a workspace's is workspaceartifactstore on container `azureml`). */
export const ARTIFACT_STORE = { name: "workspaceartifactstore", container: "azureml" };
const UPDATABLE = new Set(["description", "tags", "properties", "isArchived", "notificationSetting"]);

function studioEndpoint(name: string): string {
  return `https://ml.azure.com/runs/${name}?wsid=${WORKSPACE_PATH}`;
}

export async function addAzureMLJobs(
  fake: FakeArm,
  azurite: Azurite,
  o: StandInOptions = {},
): Promise<AzureMLJobsStandIn> {
  const dsName = o.datastore ?? "workspaceblobstore";
  const containerName = o.container ?? "azureml-blobstore-0000";
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString(DEV_ACCOUNT));
  const container = service.getContainerClient(containerName);
  await container.createIfNotExists();
  const jobs = new Map<string, StandInJob>();
  const codes = new Map<string, { properties: { codeUri: string } }>();
  const components = new Map<string, ComponentSpec>();
  installEnvironments(fake, o.environments ?? { "sklearn-env": ["1", "2", "3"] });
  const cancels: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "aml-compute-"));

  // Datastore record: examples/Datastore/get.json shape (datastoreType AzureBlob, accountName,
  // containerName, endpoint, protocol, credentials), with an account key as in
  // examples/Datastore/AzureBlobWAccountKey/createOrUpdate.json; endpoint is Azurite's host:port.
  const record = {
    id: `${WORKSPACE_PATH}/datastores/${dsName}`,
    name: dsName,
    type: "Microsoft.MachineLearningServices/workspaces/datastores",
    properties: {
      datastoreType: "AzureBlob",
      isDefault: true,
      accountName: DEV_ACCOUNT,
      containerName,
      endpoint: `127.0.0.1:${azurite.port}`,
      protocol: "http",
      credentials: { credentialsType: "AccountKey" },
    },
  };
  const artifacts = service.getContainerClient(ARTIFACT_STORE.container);
  await artifacts.createIfNotExists();
  const artifactRecord = {
    ...record,
    id: `${WORKSPACE_PATH}/datastores/${ARTIFACT_STORE.name}`,
    name: ARTIFACT_STORE.name,
    properties: { ...record.properties, isDefault: false, containerName: ARTIFACT_STORE.container },
  };
  const stores = new Map([
    [dsName, record],
    [ARTIFACT_STORE.name, artifactRecord],
  ]);
  // Datastores_List: examples/Datastore/list.json ({ value: [...] }).
  fake.route("GET", re("/datastores"), () => ({ status: 200, body: { value: [...stores.values()] } }));
  // Datastores_Get: examples/Datastore/get.json.
  fake.route("GET", re("/datastores/([^/]+)"), (req) => {
    const found = stores.get(req.params[0] as string);
    return found ? { status: 200, body: found } : armError(404, "UserError", `Datastore ${req.params[0]} not found.`);
  });
  // The run history of the workspace's region (data plane, same token): the job's RunDetails.
  fake.route("GET", /^\/history\/v1\.0(\/subscriptions\/.+)\/runs\/([^/]+)\/details$/, (req) => {
    const j = jobs.get(req.params[1] as string);
    if (!j) return armError(404, "UserError", `Run ${req.params[1]} not found.`);
    return {
      status: 200,
      body: {
        runId: j.name,
        status: j.status,
        ...(j.error
          ? {
              error: {
                error: { code: j.error.code, severity: null, message: j.error.message, messageFormat: j.error.message },
              },
            }
          : {}),
        logFiles: {},
        warnings: [],
      },
    };
  });
  // Datastores_ListSecrets: examples/Datastore/listSecrets.json ({ secretsType: "AccountKey", key }).
  fake.route("POST", re("/datastores/([^/]+)/listSecrets"), () => ({
    status: 200,
    body: { secretsType: "AccountKey", key: DEV_KEY },
  }));

  // CodeVersions_Get / CodeVersions_CreateOrUpdate: examples/Workspace/CodeVersion/get.json and createOrUpdate.json.
  fake.route("GET", re("/codes/([^/]+)/versions/([^/]+)"), (req) => {
    const id = `${WORKSPACE_PATH}/codes/${req.params[0]}/versions/${req.params[1]}`;
    const c = codes.get(id);
    return c
      ? { status: 200, body: { id, name: req.params[1], properties: c.properties } }
      : armError(404, "UserError", "Not found");
  });
  fake.route("PUT", re("/codes/([^/]+)/versions/([^/]+)"), (req) => {
    const id = `${WORKSPACE_PATH}/codes/${req.params[0]}/versions/${req.params[1]}`;
    const props = (req.body as { properties?: { codeUri?: string } })?.properties;
    if (!props?.codeUri) return armError(400, "UserError", "codeUri is required.");
    const existed = codes.has(id);
    codes.set(id, { properties: { ...props, codeUri: props.codeUri } });
    return { status: existed ? 200 : 201, body: { id, name: req.params[1], properties: props } };
  });

  // ComponentVersions_List ($orderBy=createdtime desc, $top): examples/Workspace/ComponentVersion/list.json.
  fake.route("GET", re("/components/([^/]+)/versions"), (req) => {
    const name = req.params[0] as string;
    const versions = [...components.keys()]
      .filter((id) => id.includes(`/components/${name}/versions/`))
      .map((id) => id.split("/").at(-1) as string);
    if (versions.length === 0) return armError(404, "UserError", `components ${name} not found`);
    const newest = [...versions].reverse().slice(0, Number(req.query.get("$top") ?? versions.length));
    return {
      status: 200,
      body: {
        value: newest.map((v) => ({
          id: `${WORKSPACE_PATH}/components/${name}/versions/${v}`,
          name: v,
          properties: {},
        })),
      },
    };
  });

  /** `azureml:<ARM id>` or an ARM id → the ARM id. */
  const armIdOf = (ref: string) => ref.replace(/^azureml:/i, "");
  const wsEnv = new RegExp(`^${WS}/environments/([^/]+)/versions/([^/]+)$`, "i");
  /** Why an environment reference would be refused (a workspace environment that does not exist), or undefined. */
  const missingEnvironment = (ref: string | undefined): string | undefined => {
    if (!ref) return undefined;
    const m = wsEnv.exec(armIdOf(ref));
    if (!m)
      return /^azureml:\/\/registries\//i.test(ref)
        ? undefined
        : `Environment ${ref} is not an environment version id.`;
    return fake.state.environments.has(environmentId(m[1] as string, m[2] as string))
      ? undefined
      : `Environment ${m[1]}:${m[2]} not found in the workspace.`;
  };

  // ComponentVersions_Get / ComponentVersions_CreateOrUpdate: examples/Workspace/ComponentVersion/get.json and
  // createOrUpdate.json ({ properties: { componentSpec, isAnonymous, description, ... } }; 201 when created).
  // componentSpec follows the CLI v2 command component YAML schema, code and environment as azureml:<ARM id>
  // (what Get-AzMLWorkspaceComponentVersion shows of a registered component).
  fake.route("GET", re("/components/([^/]+)/versions/([^/]+)"), (req) => {
    const id = `${WORKSPACE_PATH}/components/${req.params[0]}/versions/${req.params[1]}`;
    const c = components.get(id);
    if (!c) return armError(404, "UserError", `Component ${req.params[0]}:${req.params[1]} not found.`);
    return {
      status: 200,
      body: {
        id,
        name: req.params[1],
        properties: {
          componentSpec: c.componentSpec ?? { type: "command", command: c.command },
          isAnonymous: c.isAnonymous ?? false,
        },
      },
    };
  });
  fake.route("PUT", re("/components/([^/]+)/versions/([^/]+)"), (req) => {
    const [name = "", version = ""] = req.params;
    const id = `${WORKSPACE_PATH}/components/${name}/versions/${version}`;
    const props = (req.body as { properties?: { componentSpec?: Record<string, unknown>; isAnonymous?: boolean } })
      ?.properties;
    const spec = props?.componentSpec;
    if (!spec || spec.type !== "command" || typeof spec.command !== "string")
      return armError(400, "UserError", "componentSpec must be a command component with a command.");
    if (typeof spec.environment !== "string")
      return armError(400, "UserError", "componentSpec.environment is required.");
    const envProblem = missingEnvironment(spec.environment);
    if (envProblem) return armError(400, "UserError", envProblem);
    if (spec.code !== undefined && (typeof spec.code !== "string" || !codes.has(armIdOf(spec.code))))
      return armError(400, "UserError", `Code ${String(spec.code)} not found in the workspace.`);
    for (const [, kind = "", key = ""] of spec.command.matchAll(/\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_]+)\s*\}\}/g)) {
      const declared = (spec[kind] ?? {}) as Record<string, unknown>;
      if (!(key in declared))
        return armError(
          400,
          "UserError",
          `Invalid data binding expression: ${kind}.${key} is not defined in the component.`,
        );
    }
    const existed = components.has(id);
    components.set(id, {
      command: spec.command,
      ...(typeof spec.code === "string" ? { code: armIdOf(spec.code) } : {}),
      environment: armIdOf(spec.environment),
      componentSpec: spec,
      isAnonymous: props?.isAnonymous === true,
    });
    return {
      status: existed ? 200 : 201,
      body: {
        id,
        name: version,
        type: "Microsoft.MachineLearningServices/workspaces/components/versions",
        properties: props,
      },
    };
  });

  const now = () => new Date().toISOString();
  const view = (j: StandInJob) => ({
    id: `${WORKSPACE_PATH}/jobs/${j.name}`,
    name: j.name,
    type: "Microsoft.MachineLearningServices/workspaces/jobs",
    properties: {
      ...j.submitted.properties,
      // The artifact-store folder of the job's logs, as the service adds it (examples/Job/CommandJob/get.json
      // shows outputs; azure-ai-ml reads `default` as the job's logs and outputs folder).
      outputs: {
        ...((j.submitted.properties.outputs as Record<string, unknown>) ?? {}),
        default: {
          jobOutputType: "uri_folder",
          mode: "ReadWriteMount",
          uri: `azureml://datastores/${ARTIFACT_STORE.name}/paths/ExperimentRun/dcid.${j.name}/`,
        },
      },
      status: j.status,
      // services.Studio.endpoint as in examples/Job/CommandJob/get.json.
      services: {
        Studio: { jobServiceType: "Studio", endpoint: studioEndpoint(j.name) },
        Tracking: { jobServiceType: "Tracking", endpoint: `azureml://tracking/${j.name}` },
      },
    },
    systemData: { createdAt: now(), createdBy: "mlops-actions tests", createdByType: "User" },
  });
  const setStatus = (j: StandInJob, s: string) => {
    j.status = s;
    j.history.push(s);
  };

  // Jobs_CreateOrUpdate: examples/Job/CommandJob/createOrUpdate.json and PipelineJob/createOrUpdate.json
  // (201 with the job, status NotStarted).
  fake.route("PUT", re("/jobs/([^/]+)"), (req) => {
    const name = req.params[0] as string;
    const body = req.body as { properties?: Record<string, unknown> };
    const jobType = body?.properties?.jobType;
    if (jobType !== "Command" && jobType !== "Pipeline")
      return armError(400, "UserError", `jobType ${String(jobType)} is not supported by the local compute.`);
    const existing = jobs.get(name);
    if (existing) {
      // Jobs_CreateOrUpdate on an existing job updates it: only the fields mfe.json lets change (x-ms-mutability "update").
      const fixed = (p: Record<string, unknown>) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(p)
              .filter(([k]) => !UPDATABLE.has(k))
              .sort(),
          ),
        );
      if (fixed(body.properties ?? {}) !== fixed(existing.submitted.properties))
        return armError(
          400,
          "UserError",
          `Job ${name} exists; only ${[...UPDATABLE].join(", ")} can be changed on it. Submit the new job under another name.`,
        );
      for (const k of UPDATABLE)
        if (body.properties?.[k] !== undefined) existing.submitted.properties[k] = body.properties[k];
      return { status: 200, body: view(existing) };
    }
    const envProblem = missingEnvironment(body.properties?.environmentId as string | undefined);
    if (envProblem) return armError(400, "UserError", envProblem);
    for (const [step, node] of Object.entries(
      (body.properties?.jobs ?? {}) as Record<string, { componentId?: string }>,
    ))
      if (!node.componentId || !components.has(node.componentId))
        return armError(
          400,
          "UserError",
          `jobs.${step}: component ${String(node.componentId)} not found in the workspace.`,
        );
    const j: StandInJob = {
      name,
      submitted: { properties: body.properties ?? {} },
      status: "NotStarted",
      history: ["NotStarted"],
      ran: [],
    };
    jobs.set(name, j);
    api.onSubmit?.(name);
    return { status: 201, body: view(j) };
  });
  // Jobs_Get: examples/Job/CommandJob/get.json; each poll moves the job one step on.
  fake.route("GET", re("/jobs/([^/]+)"), (req) => {
    const j = jobs.get(req.params[0] as string);
    if (!j) return armError(404, "UserError", `Job ${req.params[0]} not found.`);
    advance(j);
    return { status: 200, body: view(j) };
  });
  // Jobs_Cancel: examples/Job/cancel.json (202 with a Location header).
  fake.route("POST", re("/jobs/([^/]+)/cancel"), (req): FakeResponse => {
    const j = jobs.get(req.params[0] as string);
    cancels.push(req.params[0] as string);
    if (!j) return armError(404, "UserError", `Job ${req.params[0]} not found.`);
    if (["NotStarted", "Queued", "Running"].includes(j.status)) {
      setStatus(j, "CancelRequested");
      if (j.process && j.process.pid && j.process.exitCode === null) {
        try {
          process.kill(-j.process.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    return { status: 202, headers: { location: `${fake.url}${WORKSPACE_PATH}/jobs/${j.name}?api-version=2024-10-01` } };
  });

  function advance(j: StandInJob): void {
    switch (j.status) {
      case "NotStarted":
        setStatus(j, "Queued");
        break;
      case "Queued":
        setStatus(j, "Running");
        j.done = run(j).catch((e: unknown) => {
          j.finished = "Failed";
          j.error = { code: "SystemError", message: `local compute: ${(e as Error).message}` };
        });
        break;
      case "Running":
        if (j.finished) setStatus(j, j.finished);
        break;
      case "CancelRequested":
        setStatus(j, "Canceled");
        break;
    }
  }

  async function run(j: StandInJob): Promise<void> {
    const p = j.submitted.properties as {
      jobType: string;
      command?: string;
      codeId?: string;
      inputs?: Record<string, { jobInputType: string; value?: string; uri?: string }>;
      outputs?: Record<string, { uri?: string }>;
      environmentVariables?: Record<string, string>;
      environmentId?: string;
      jobs?: Record<
        string,
        {
          componentId: string;
          inputs?: Record<string, { value?: string; uri?: string }>;
          outputs?: Record<string, { value?: string }>;
          environment_variables?: Record<string, string>;
        }
      >;
    };
    const outputUris = Object.fromEntries(
      Object.entries(p.outputs ?? {}).map(([k, v]) => [
        k,
        v.uri ?? `azureml://datastores/${dsName}/paths/azureml/${j.name}/${k}/`,
      ]),
    );
    if (p.jobType === "Command") {
      const inputs = Object.fromEntries(Object.entries(p.inputs ?? {}).map(([k, v]) => [k, v.value ?? v.uri ?? ""]));
      const ok = await step(j, p.command ?? "", p.codeId, inputs, outputUris, p.environmentVariables ?? {}, {
        environment: p.environmentId,
      });
      j.finished = ok ? "Completed" : "Failed";
      return;
    }
    const parentInputs = Object.fromEntries(
      Object.entries(p.inputs ?? {}).map(([k, v]) => [k, v.value ?? v.uri ?? ""]),
    );
    const stepOutputs: Record<string, Record<string, string>> = {};
    const bind = (v: string) =>
      v
        .replace(/\$\{\{\s*parent\.inputs\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => parentInputs[k] ?? "")
        .replace(/\$\{\{\s*parent\.outputs\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => outputUris[k] ?? "")
        .replace(
          /\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)\s*\}\}/g,
          (_, st: string, k: string) => stepOutputs[st]?.[k] ?? "",
        );
    for (const [stepName, s] of Object.entries(p.jobs ?? {})) {
      const c = components.get(s.componentId);
      if (!c) {
        j.error = { code: "UserError", message: `jobs.${stepName}: component ${s.componentId} not found` };
        j.finished = "Failed";
        return;
      }
      const inputs = Object.fromEntries(
        Object.entries(s.inputs ?? {}).map(([k, v]) => [k, bind(v.value ?? v.uri ?? "")]),
      );
      const declared = Object.keys((c.componentSpec?.outputs ?? {}) as Record<string, unknown>);
      const outs: Record<string, string> = {};
      for (const k of new Set([...declared, ...Object.keys(s.outputs ?? {})])) {
        const v = s.outputs?.[k]?.value;
        outs[k] = v ? bind(v) : `azureml://datastores/${dsName}/paths/azureml/${j.name}/${stepName}/${k}/`;
      }
      stepOutputs[stepName] = outs;
      if (j.status !== "Running") return;
      if (
        !(await step(j, c.command, c.code, inputs, outs, s.environment_variables ?? {}, {
          environment: c.environment,
          step: stepName,
        }))
      ) {
        j.finished = "Failed";
        return;
      }
    }
    j.finished = "Completed";
  }

  /** Run one command: code from Azurite, substituted inputs/outputs, outputs uploaded back. */
  async function step(
    j: StandInJob,
    command: string,
    codeId: string | undefined,
    inputs: Record<string, string>,
    outputUris: Record<string, string>,
    envVars: Record<string, string>,
    where: { environment?: string; step?: string } = {},
  ): Promise<boolean> {
    const base = mkdtempSync(join(scratch, `${j.name}-`));
    const cwd = join(base, "code");
    await mkdir(cwd, { recursive: true });
    if (codeId) {
      const code = codes.get(codeId);
      if (!code) throw new Error(`code ${codeId} not registered`);
      const u = new URL(code.properties.codeUri);
      const [, , codeContainer, ...rest] = u.pathname.split("/");
      await downloadPrefix(service.getContainerClient(codeContainer ?? ""), rest.join("/"), cwd);
    }
    // Inputs on the datastore are downloaded and their local path substituted (what ro_mount gives the command).
    const local: Record<string, string> = { ...inputs };
    for (const [k, v] of Object.entries(inputs)) {
      const at = parseDatastoreUri(v);
      if (!at) continue;
      if (at.datastore !== dsName) throw new Error(`input ${k}: ${v} is not on ${dsName}`);
      local[k] = join(base, "inputs", k);
      await mkdir(local[k], { recursive: true });
      await downloadPrefix(container, at.path, local[k]);
    }
    const outDirs: Record<string, string> = {};
    for (const k of Object.keys(outputUris)) {
      outDirs[k] = join(base, "outputs", k);
      await mkdir(outDirs[k], { recursive: true });
    }
    const text = command
      .replace(/\$\{\{\s*inputs\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => local[k] ?? "")
      .replace(/\$\{\{\s*outputs\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => outDirs[k] ?? "");
    const env = {
      ...(o.env ?? { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? base }),
      ...envVars,
      AZUREML_RUN_ID: j.name,
    };
    const rec = { command: text, cwd, env, ...where, exitCode: null as number | null, stdout: "", stderr: "" };
    j.ran.push(rec);
    const child = spawn("sh", ["-c", text], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    j.process = child;
    child.stdout?.on("data", (d) => {
      rec.stdout += String(d);
    });
    child.stderr?.on("data", (d) => {
      rec.stderr += String(d);
    });
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), o.runTimeoutMs ?? 60_000);
    rec.exitCode = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    clearTimeout(timer);
    // The command's output lands in the artifact store as user_logs/std_log.txt (stdout and stderr).
    await artifacts
      .getBlockBlobClient(`ExperimentRun/dcid.${j.name}/user_logs/std_log.txt`)
      .upload(rec.stdout + rec.stderr, Buffer.byteLength(rec.stdout + rec.stderr));
    if (rec.exitCode !== 0) {
      // The run history's error for a failed command, as the service words it.
      j.error = {
        code: "UserError",
        message: `Execution failed. User process '${command.split(" ")[0]}' exited with status code ${rec.exitCode}. Please check log file 'user_logs/std_log.txt' for error details.`,
      };
      return false;
    }
    for (const [k, uri] of Object.entries(outputUris)) {
      const at = parseDatastoreUri(uri);
      if (!at || at.datastore !== dsName) throw new Error(`output ${k}: ${uri} is not on ${dsName}`);
      await uploadDirectory(container, outDirs[k] as string, at.path);
    }
    return true;
  }

  const api: AzureMLJobsStandIn = {
    datastore: { name: dsName, container: containerName },
    container,
    jobs,
    codes,
    components,
    environmentVersions: fake.state.environments,
    cancels,
    addComponent(name, version, spec) {
      const id = `${WORKSPACE_PATH}/components/${name}/versions/${version}`;
      components.set(id, spec);
      return id;
    },
    async settle() {
      await Promise.all([...jobs.values()].flatMap((j) => (j.done ? [j.done] : [])));
    },
    async close() {
      for (const j of jobs.values())
        if (j.process?.pid && j.process.exitCode === null)
          try {
            process.kill(-j.process.pid, "SIGKILL");
          } catch {
            /* gone */
          }
      await Promise.all([...jobs.values()].flatMap((j) => (j.done ? [j.done] : [])));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  return api;
}
