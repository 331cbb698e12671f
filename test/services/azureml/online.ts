/**
 * Managed online endpoints on the local Resource Manager stand-in (startFakeArm), plus a data-plane scoring
 * server on its own 127.0.0.1 port. Each route follows the documented example of azure-rest-api-specs,
 * specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/
 * (cited as examples/... next to it), and the traffic rules of
 * https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints:
 * - the traffic percentages add up to 100 (or 0), and only name deployments of the endpoint;
 * - a deployment that still has traffic cannot be deleted;
 * - the `azureml-model-deployment` header sends a request to that deployment whatever its traffic.
 *
 * - a deployment of a model that is neither MLflow nor Triton needs an environment and either a scoring script
 *   (codeConfiguration) or an environment that is a custom container (inferenceConfig); only MLflow and Triton
 *   models deploy without them ("no-code deployment":
 *   https://learn.microsoft.com/azure/machine-learning/how-to-deploy-online-endpoints#understand-the-scoring-script,
 *   https://learn.microsoft.com/azure/machine-learning/how-to-deploy-custom-container). A model the tests do not
 *   declare (fake.state.modelTypes) counts as custom_model, what promote publishes;
 * - the model is optional: OnlineDeployment.model is not in `required` and is x-nullable (spec/mfe.json,
 *   definitions/OnlineDeployment), and the CLI's schema says "This field is optional for custom container
 *   deployment scenarios" (model in https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online).
 *   Without a model nothing is mounted ("If the model field is specified, it's mounted on this path", model_mount_path
 *   on the same page), so a deployment without one needs an environment with a scoring script or a custom
 *   container: the no-code path is for MLflow and Triton models only;
 * - a custom container gets the model (when there is one) mounted and AZUREML_MODEL_DIR pointing at it, is probed on its
 *   readiness route before the deployment succeeds, and receives the scoring requests on its scoring route
 *   (how-to-deploy-custom-container: "Azure Machine Learning ... routes scoring requests to scoring_route").
 *
 * Tests switch behaviours: provisioning that ends Failed, and per-deployment scoring (healthy, always 500,
 * 500 after N requests, slow). A healthy deployment answers through a real inference server (shared/serve,
 * an ONNX logistic regression, Open Inference Protocol v2 JSON) when one is given: `<httpUrl>/v2/models/<model>/infer`,
 * or, for a custom container, `<container>/<scoringRoute.path>` where the container is the one `runContainer`
 * started (or the given server).
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  armError,
  type FakeArm,
  type FakeRequest,
  type FakeResponse,
  RESOURCE_GROUP,
  RETRY_AFTER,
  SUBSCRIPTION,
  WORKSPACE,
} from "./arm-server";
import { installEnvironments } from "./environments";

const PROVIDER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices`;
const WS = `${PROVIDER}/workspaces/${WORKSPACE}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const EP = `^${esc(WS)}/onlineEndpoints/([^/]+)`;

export type Behaviour =
  | { kind: "healthy" }
  | { kind: "error"; status?: number }
  | { kind: "error-after"; requests: number; status?: number }
  | { kind: "slow"; ms: number };

export interface EndpointState {
  name: string;
  location: string;
  kind?: string;
  tags: Record<string, string>;
  identity?: unknown;
  properties: Record<string, unknown> & {
    authMode: string;
    traffic: Record<string, number>;
    provisioningState: string;
  };
  keys: { primaryKey: string; secondaryKey: string };
  /** The data-plane token handed out by POST .../token (authMode AMLToken). */
  token: string;
}

export interface DeploymentState {
  name: string;
  endpoint: string;
  body: Record<string, unknown> & { properties: Record<string, unknown>; tags?: Record<string, string> };
  provisioningState: string;
  /** Requests the scoring server sent to it. */
  served: number;
}

export interface OnlineStandIn {
  location: string;
  endpoints: Map<string, EndpointState>;
  /** Key: `<endpoint>/<deployment>`. */
  deployments: Map<string, DeploymentState>;
  /** Every traffic map an endpoint PUT carried, in order (per endpoint). */
  trafficPuts: { endpoint: string; traffic: Record<string, number> }[];
  /** http://127.0.0.1:<port>: the scoring server's base. */
  scoringBase: string;
  /** How the scoring server answers for a deployment (default healthy). */
  behave(deployment: string, b: Behaviour): void;
  /** The next PUT of this deployment ends Failed with this error (as the service reports a failed provisioning). */
  failProvisioning(deployment: string, error: { code: string; message: string }): void;
  /** Lines getLogs returns for a deployment. */
  logs: Map<string, string>;
  /** Called after each traffic change took effect. */
  onTraffic?: (endpoint: string, traffic: Record<string, number>) => void;
  /** Called when an endpoint PUT is accepted, before its answer is sent and while its operation runs. */
  onEndpointPut?: (endpoint: string, traffic: Record<string, number>) => void;
  /** Add an endpoint and deployments directly (a state the tests start from). */
  seed(
    endpoint: string,
    deployments: { name: string; model: string; tags?: Record<string, string>; traffic: number }[],
    authMode?: "Key" | "AMLToken" | "AADToken",
  ): void;
  /** Every data-plane request: which deployment answered and with what status. */
  scored: { endpoint: string; deployment?: string; status: number; header?: string }[];
  close(): Promise<void>;
}

export interface OnlineOptions {
  location?: string;
  /** A real OIP v2 server (shared/serve) that healthy deployments forward their requests to. */
  inference?: { url: string; model: string };
  /** Page size of the deployment list (nextLink paging). Default 50. */
  pageSize?: number;
  /**
   * Runs a custom container deployment (the environment's image) with the model mounted: `env` holds
   * AZUREML_MODEL_DIR and the deployment's environment variables. Without it the `inference` server plays the
   * container. The container is stopped when the deployment is replaced or the stand-in closes.
   */
  runContainer?: (c: {
    deployment: string;
    image: string;
    /** The deployment's model; undefined when it names none (the container brings its own). */
    model: string | undefined;
    env: Record<string, string>;
  }) => Promise<{ url: string; close(): Promise<void> }>;
}

/** The model mount of a custom container: /var/azureml-app/azureml-models/<name>/<version> (how-to-deploy-custom-container). */
export function modelMountPath(model: string): string {
  const m = /models\/([^/]+)\/versions\/([^/]+)$/.exec(model);
  return `/var/azureml-app/azureml-models/${m?.[1] ?? "model"}/${m?.[2] ?? "1"}`;
}

export async function installOnlineEndpoints(fake: FakeArm, opts: OnlineOptions = {}): Promise<OnlineStandIn> {
  const location = opts.location ?? "westeurope";
  const endpoints = new Map<string, EndpointState>();
  const deployments = new Map<string, DeploymentState>();
  const behaviours = new Map<string, Behaviour>();
  const failNext = new Map<string, { code: string; message: string }>();
  const counters = new Map<string, number>();
  const trafficPuts: OnlineStandIn["trafficPuts"] = [];
  const scored: OnlineStandIn["scored"] = [];
  const logs = new Map<string, string>();
  const containers = new Map<string, { url: string; scoringPath: string; close(): Promise<void> }>();
  installEnvironments(fake);
  let rr = 0;

  const scoring = await startScoring();
  const standIn: OnlineStandIn = {
    location,
    endpoints,
    deployments,
    trafficPuts,
    scoringBase: scoring.base,
    behave: (d, b) => void behaviours.set(d, b),
    failProvisioning: (d, e) => void failNext.set(d, e),
    logs,
    seed(endpoint, ds, authMode = "Key") {
      const ep = newEndpoint(endpoint, { location, properties: { authMode } });
      ep.properties.provisioningState = "Succeeded";
      for (const d of ds) {
        deployments.set(`${endpoint}/${d.name}`, {
          name: d.name,
          endpoint,
          provisioningState: "Succeeded",
          served: 0,
          body: {
            location,
            kind: "Managed",
            tags: d.tags ?? {},
            sku: { name: "Default", capacity: 1 },
            properties: { endpointComputeType: "Managed", model: d.model, instanceType: "Standard_DS3_v2" },
          },
        });
        ep.properties.traffic[d.name] = d.traffic;
      }
      endpoints.set(endpoint, ep);
    },
    scored,
    close: async () => {
      await Promise.all([...containers.values()].map((c) => c.close()));
      await scoring.close();
    },
  };

  function newEndpoint(name: string, body: Record<string, unknown>): EndpointState {
    const props = (body.properties ?? {}) as Record<string, unknown>;
    return {
      name,
      location: String(body.location),
      kind: body.kind as string | undefined,
      tags: (body.tags as Record<string, string>) ?? {},
      identity: body.identity,
      properties: {
        ...props,
        authMode: String(props.authMode),
        traffic: { ...((props.traffic as Record<string, number>) ?? {}) },
        provisioningState: "Creating",
      },
      keys: { primaryKey: `pk-${randomUUID()}`, secondaryKey: `sk-${randomUUID()}` },
      token: `amltoken-${randomUUID()}`,
    };
  }

  // examples/Workspace/OnlineEndpoint/get.json: id, name, type, location, tags, identity, properties with
  // scoringUri, swaggerUri, authMode, provisioningState, traffic.
  function endpointJson(ep: EndpointState) {
    return {
      id: `${WS}/onlineEndpoints/${ep.name}`,
      name: ep.name,
      type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      location: ep.location,
      ...(ep.kind ? { kind: ep.kind } : {}),
      tags: ep.tags,
      ...(ep.identity
        ? {
            identity: {
              ...(ep.identity as object),
              principalId: "00000000-1111-2222-3333-444444444444",
              tenantId: "00000000-1111-2222-3333-444444444444",
            },
          }
        : {}),
      properties: {
        ...ep.properties,
        scoringUri: `${scoring.base}/${ep.name}/score`,
        swaggerUri: `${scoring.base}/${ep.name}/swagger.json`,
      },
    };
  }

  // examples/OnlineDeployment/ManagedOnlineDeployment/get.json.
  function deploymentJson(d: DeploymentState) {
    return {
      id: `${WS}/onlineEndpoints/${d.endpoint}/deployments/${d.name}`,
      name: d.name,
      type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
      ...d.body,
      tags: d.body.tags ?? {},
      properties: { ...d.body.properties, provisioningState: d.provisioningState },
    };
  }

  const notFound = (what: string, name: string): FakeResponse =>
    armError(404, "ResourceNotFound", `${what} '${name}' was not found in workspace '${WORKSPACE}'.`);

  // Workspaces_Get is the base stand-in's (arm-server.ts); new endpoints take its location.
  fake.state.location = location;

  // examples/Workspace/OnlineEndpoint/get.json
  fake.route("GET", new RegExp(`${EP}$`), (req) => {
    const ep = endpoints.get(req.params[0]!);
    return ep ? { status: 200, body: endpointJson(ep) } : notFound("Online endpoint", req.params[0]!);
  });

  // examples/Workspace/OnlineEndpoint/createOrUpdate.json: 201 (create) / 200 (update) with provisioningState
  // Creating/Updating; mfe.json marks it long-running with an Azure-AsyncOperation header. The traffic map
  // is checked as the service checks it (safe-rollout page: sum 100 or 0, existing deployments only).
  fake.route("PUT", new RegExp(`${EP}$`), (req) => {
    const name = req.params[0]!;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const props = (body.properties ?? {}) as Record<string, unknown>;
    if (typeof body.location !== "string" || !body.location)
      return armError(400, "LocationRequired", "The location property is required for this definition.");
    if (!["Key", "AMLToken", "AADToken"].includes(String(props.authMode)))
      return armError(
        400,
        "UserError",
        `Invalid authMode '${String(props.authMode)}'. Allowed values are Key, AMLToken, AADToken.`,
      );
    const traffic = (props.traffic ?? {}) as Record<string, unknown>;
    const bad = validateTraffic(name, traffic);
    if (bad) return bad;
    const existing = endpoints.get(name);
    // Resource Manager's contract lets a provider refuse a write while an earlier one is still running
    // (409 Conflict); the stand-in does, so a client that writes over an unfinished operation fails here.
    if (existing && !/^(Succeeded|Failed|Canceled)$/.test(existing.properties.provisioningState))
      return armError(
        409,
        "Conflict",
        `Endpoint '${name}' is ${existing.properties.provisioningState}; wait for the operation in progress to finish.`,
      );
    const ep = newEndpoint(name, body);
    if (existing) {
      ep.keys = existing.keys;
      ep.token = existing.token;
      ep.properties.traffic = existing.properties.traffic; // applied when the operation ends
      ep.properties.provisioningState = "Updating";
    }
    endpoints.set(name, ep);
    trafficPuts.push({ endpoint: name, traffic: { ...(traffic as Record<string, number>) } });
    const { op, headers } = fake.operation({
      polls: 1,
      onDone: () => {
        ep.properties.provisioningState = "Succeeded";
        ep.properties.traffic = { ...(traffic as Record<string, number>) };
        standIn.onTraffic?.(name, { ...ep.properties.traffic });
      },
    });
    // The operation also ends on its own, as in Azure, when nobody polls it (a client that went away).
    setTimeout(() => {
      if (op.status !== "InProgress") return;
      op.pending = 0;
      op.status = op.final;
      op.onDone?.();
    }, 300).unref();
    standIn.onEndpointPut?.(name, { ...(traffic as Record<string, number>) });
    return { status: existing ? 200 : 201, headers, body: endpointJson(ep) };
  });

  function validateTraffic(endpoint: string, traffic: Record<string, unknown>): FakeResponse | undefined {
    let sum = 0;
    for (const [d, v] of Object.entries(traffic)) {
      if (!deployments.has(`${endpoint}/${d}`))
        return armError(
          400,
          "BadArgument",
          `Deployment '${d}' in the traffic map does not exist on endpoint '${endpoint}'.`,
        );
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 100)
        return armError(400, "BadArgument", `Traffic for deployment '${d}' must be an integer from 0 to 100.`);
      sum += v;
    }
    if (sum !== 0 && sum !== 100)
      return armError(400, "BadArgument", `Traffic values must add up to 100 or 0 (got ${sum}).`);
    return undefined;
  }

  // examples/Workspace/OnlineEndpoint/listKeys.json: { primaryKey, secondaryKey } (EndpointAuthKeys).
  fake.route("POST", new RegExp(`${EP}/listKeys$`), (req) => {
    const ep = endpoints.get(req.params[0]!);
    if (!ep) return notFound("Online endpoint", req.params[0]!);
    if (ep.properties.authMode !== "Key")
      return armError(400, "UserError", "Keys are only available for endpoints with authMode Key.");
    return { status: 200, body: ep.keys };
  });

  // examples/Workspace/OnlineEndpoint/getToken.json: { accessToken, tokenType, expiryTimeUtc, refreshAfterTimeUtc }
  // (EndpointAuthToken), for endpoints with authMode AMLToken.
  fake.route("POST", new RegExp(`${EP}/token$`), (req) => {
    const ep = endpoints.get(req.params[0]!);
    if (!ep) return notFound("Online endpoint", req.params[0]!);
    if (ep.properties.authMode !== "AMLToken")
      return armError(400, "UserError", "Tokens are only available for endpoints with authMode AMLToken.");
    const now = Math.floor(Date.now() / 1000);
    return {
      status: 200,
      body: { accessToken: ep.token, tokenType: "Bearer", expiryTimeUtc: now + 3600, refreshAfterTimeUtc: now + 1800 },
    };
  });

  // examples/OnlineDeployment/list.json: { value: [...], nextLink }.
  fake.route("GET", new RegExp(`${EP}/deployments$`), (req) => {
    const ep = req.params[0]!;
    if (!endpoints.has(ep)) return notFound("Online endpoint", ep);
    const all = [...deployments.values()].filter((d) => d.endpoint === ep);
    const size = opts.pageSize ?? 50;
    const skip = Number(req.query.get("$skipToken") ?? 0);
    const page = all.slice(skip, skip + size);
    const next =
      skip + size < all.length
        ? `${fake.url}${WS}/onlineEndpoints/${ep}/deployments?api-version=2024-10-01&$skipToken=${skip + size}`
        : undefined;
    return { status: 200, body: { value: page.map(deploymentJson), ...(next ? { nextLink: next } : {}) } };
  });

  // examples/OnlineDeployment/ManagedOnlineDeployment/get.json
  fake.route("GET", new RegExp(`${EP}/deployments/([^/]+)$`), (req) => {
    const d = deployments.get(`${req.params[0]}/${req.params[1]}`);
    return d ? { status: 200, body: deploymentJson(d) } : notFound("Online deployment", req.params[1]!);
  });

  // examples/OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json: the request carries location, sku,
  // properties.endpointComputeType, model, instanceType (and environmentId / codeConfiguration); 201 with
  // provisioningState Creating, long-running (Azure-AsyncOperation), ending Succeeded or Failed.
  fake.route("PUT", new RegExp(`${EP}/deployments/([^/]+)$`), (req) => {
    const [ep, name] = [req.params[0]!, req.params[1]!];
    if (!endpoints.has(ep)) return notFound("Online endpoint", ep);
    const body = (req.body ?? {}) as DeploymentState["body"];
    const p = body.properties ?? {};
    if (typeof body.location !== "string")
      return armError(400, "LocationRequired", "The location property is required for this definition.");
    if (p.endpointComputeType !== "Managed")
      return armError(400, "BadArgument", "endpointComputeType must be Managed for a managed online endpoint.");
    // OnlineDeployment.model: optional (mfe.json 2024-10-01, definitions/OnlineDeployment); checked when given.
    if (p.model !== undefined && p.model !== null && (typeof p.model !== "string" || !p.model))
      return armError(400, "BadArgument", "model must be a model asset id.");
    const model = typeof p.model === "string" ? p.model : undefined;
    if (typeof p.instanceType !== "string") return armError(400, "BadArgument", "instanceType is required.");
    const modelType = model ? (fake.state.modelTypes.get(model) ?? "custom_model") : undefined;
    let container:
      { image: string; inference: { scoringRoute?: { path: string }; readinessRoute?: { path: string } } } | undefined;
    if (modelType !== "mlflow_model" && modelType !== "triton_model") {
      if (typeof p.environmentId !== "string" || !p.environmentId)
        return armError(
          400,
          "BadArgument",
          model
            ? `Model ${model} is of type ${modelType}: only MLflow and Triton models deploy without an environment. Give environmentId with a codeConfiguration (scoring script), or a custom container environment with inferenceConfig.`
            : "A deployment without a model needs an environment: a custom container environment with inferenceConfig, or environmentId with a codeConfiguration (scoring script). Only MLflow and Triton models deploy without one.",
        );
      const env = fake.state.environments.get(p.environmentId.replace(/^azureml:/i, ""));
      if (!env && !/^azureml:\/\/registries\//i.test(p.environmentId))
        return armError(400, "BadArgument", `Environment ${p.environmentId} not found in the workspace.`);
      const inference = env?.inferenceConfig as
        { scoringRoute?: { path: string }; readinessRoute?: { path: string } } | undefined;
      if (!p.codeConfiguration && !inference)
        return armError(
          400,
          "BadArgument",
          `${model ? `Model ${model} is of type ${modelType}` : "The deployment names no model"}: a scoring script (codeConfiguration) is required unless the environment ${p.environmentId} is a custom container with inferenceConfig (liveness, readiness and scoring routes).`,
        );
      if (inference && !p.codeConfiguration) container = { image: String(env?.image), inference };
    }
    const key = `${ep}/${name}`;
    const existing = deployments.get(key);
    const d: DeploymentState = {
      name,
      endpoint: ep,
      body,
      provisioningState: existing ? "Updating" : "Creating",
      served: existing?.served ?? 0,
    };
    deployments.set(key, d);
    let fail = failNext.get(name);
    failNext.delete(name);
    const { op, headers } = fake.operation({
      polls: 2,
      final: fail ? "Failed" : "Succeeded",
      error: fail,
      onDone: () => {
        d.provisioningState = op.status === "Succeeded" ? "Succeeded" : "Failed";
      },
    });
    if (container && !fail) {
      // Start the container with the model mounted and probe its readiness route; the operation stays
      // InProgress until then, and ends Failed when the container does not become ready.
      const c = container;
      const started = (async () => {
        await containers.get(key)?.close();
        containers.delete(key);
        // The model, when there is one, is mounted and named by AZUREML_MODEL_DIR; without one nothing is mounted.
        const env = {
          ...((p.environmentVariables as Record<string, string>) ?? {}),
          ...(model ? { AZUREML_MODEL_DIR: modelMountPath(model) } : {}),
        };
        const run = opts.runContainer
          ? await opts.runContainer({ deployment: name, image: c.image, model, env })
          : opts.inference
            ? { url: opts.inference.url, close: async () => {} }
            : undefined;
        if (!run) throw new Error("no container runtime in this stand-in");
        containers.set(key, {
          url: run.url,
          scoringPath: c.inference.scoringRoute?.path ?? "/score",
          close: run.close,
        });
        const ready = await fetch(`${run.url}${c.inference.readinessRoute?.path ?? "/"}`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200)
          throw new Error(`Readiness probe failed: HTTP ${ready} on ${c.inference.readinessRoute?.path}`);
      })();
      op.pending = Number.POSITIVE_INFINITY;
      void started.then(
        () => {
          op.pending = 1;
        },
        (e: Error) => {
          fail = { code: "ResourceNotReady", message: `User container has crashed or terminated: ${e.message}` };
          logs.set(name, `${logs.get(name) ?? ""}${e.message}\n`);
          op.final = "Failed";
          op.error = fail;
          op.pending = 0;
        },
      );
    }
    return { status: existing ? 200 : 201, headers, body: deploymentJson(d) };
  });

  // examples/OnlineDeployment/ManagedOnlineDeployment/update.json: PATCH with tags (and sku); 202 + Location.
  fake.route("PATCH", new RegExp(`${EP}/deployments/([^/]+)$`), (req) => {
    const d = deployments.get(`${req.params[0]}/${req.params[1]}`);
    if (!d) return notFound("Online deployment", req.params[1]!);
    const body = (req.body ?? {}) as { tags?: Record<string, string>; sku?: unknown };
    const { op, headers } = fake.operation({ polls: 1 });
    op.onDone = () => {
      if (body.tags) d.body.tags = { ...body.tags };
      if (body.sku) d.body.sku = body.sku;
    };
    return { status: 202, headers: { location: headers.location!, "retry-after": RETRY_AFTER } };
  });

  // examples/Workspace/OnlineDeployment/delete.json: 202 + Location (200/204 when already gone). The service
  // refuses to delete a deployment that still has traffic.
  fake.route("DELETE", new RegExp(`${EP}/deployments/([^/]+)$`), (req) => {
    const [ep, name] = [req.params[0]!, req.params[1]!];
    const d = deployments.get(`${ep}/${name}`);
    if (!d) return { status: 204 };
    if ((endpoints.get(ep)?.properties.traffic[name] ?? 0) > 0)
      return armError(
        400,
        "BadArgument",
        `Deployment '${name}' has traffic and cannot be deleted. Set its traffic to 0 first.`,
      );
    d.provisioningState = "Deleting";
    const { headers } = fake.operation({
      polls: 1,
      onDone: () => {
        deployments.delete(`${ep}/${name}`);
        const t = endpoints.get(ep)?.properties.traffic;
        if (t) delete t[name]; // a deleted deployment leaves the endpoint's traffic map
      },
    });
    return { status: 202, headers: { location: headers.location!, "retry-after": RETRY_AFTER } };
  });

  // examples/OnlineDeployment/getLogs.json: body { containerType, tail } → { content }.
  fake.route("POST", new RegExp(`${EP}/deployments/([^/]+)/getLogs$`), (req: FakeRequest) => {
    const d = deployments.get(`${req.params[0]}/${req.params[1]}`);
    if (!d) return notFound("Online deployment", req.params[1]!);
    const tail = Number((req.body as { tail?: number } | undefined)?.tail ?? 0);
    const lines = (logs.get(d.name) ?? "").split("\n");
    return { status: 200, body: { content: (tail > 0 ? lines.slice(-tail) : lines).join("\n") } };
  });

  async function startScoring(): Promise<{ base: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        const m = /^\/([^/]+)\/score$/.exec(new URL(req.url ?? "/", "http://x").pathname);
        const reply = (status: number, text: string, deployment?: string) => {
          scored.push({
            endpoint: m?.[1] ?? "",
            deployment,
            status,
            header: req.headers["azureml-model-deployment"] as string | undefined,
          });
          res.writeHead(status, { "content-type": "application/json" });
          res.end(text);
        };
        const ep = m ? endpoints.get(m[1]!) : undefined;
        if (!ep || req.method !== "POST") return reply(404, JSON.stringify({ message: "Not found" }));
        const auth = req.headers.authorization;
        const allowed = ep.properties.authMode === "AMLToken" ? [ep.token] : [ep.keys.primaryKey, ep.keys.secondaryKey];
        if (!allowed.some((k) => auth === `Bearer ${k}`))
          return reply(401, JSON.stringify({ message: "Invalid authentication" }));
        const header = req.headers["azureml-model-deployment"] as string | undefined;
        let target = header;
        if (target) {
          if (!deployments.has(`${ep.name}/${target}`))
            return reply(404, JSON.stringify({ message: `Deployment ${target} not found` }));
        } else {
          // Weighted round robin over the traffic map.
          const weights = Object.entries(ep.properties.traffic).filter(([, v]) => v > 0);
          if (weights.length === 0) return reply(503, JSON.stringify({ message: "No valid deployments to route to." }));
          let slot = rr++ % 100;
          for (const [n, v] of weights) {
            if (slot < v) {
              target = n;
              break;
            }
            slot -= v;
          }
        }
        const d = deployments.get(`${ep.name}/${target}`)!;
        if (d.provisioningState !== "Succeeded" && d.provisioningState !== "Updating")
          return reply(503, JSON.stringify({ message: `Deployment ${target} is ${d.provisioningState}` }), target);
        d.served++;
        const n = (counters.get(target!) ?? 0) + 1;
        counters.set(target!, n);
        const b = behaviours.get(target!) ?? { kind: "healthy" };
        if (b.kind === "error" || (b.kind === "error-after" && n > b.requests))
          return reply(
            b.status ?? 500,
            JSON.stringify({ message: "An unexpected error occurred in scoring script." }),
            target,
          );
        if (b.kind === "slow") await new Promise((r) => setTimeout(r, b.ms));
        const container = containers.get(`${ep.name}/${target}`);
        if (container || opts.inference) {
          const url = container
            ? `${container.url}${container.scoringPath}`
            : `${opts.inference!.url}/v2/models/${encodeURIComponent(opts.inference!.model)}/infer`;
          const r = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          }).catch((e: Error) => ({ status: 502, text: async () => JSON.stringify({ message: e.message }) }));
          return reply(r.status, await r.text(), target);
        }
        return reply(200, JSON.stringify({ deployment: target, predictions: [0] }), target);
      })().catch(() => {
        res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  return standIn;
}
