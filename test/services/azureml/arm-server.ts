/**
 * A local stand-in for Azure Resource Manager, for the part of the Azure ML REST API the actions call.
 * The Azure cloud cannot run here, so this server answers on 127.0.0.1 the way the documentation says
 * Resource Manager does; route modules (jobs, registries, online endpoints) add the resources.
 *
 * Behaviour and the documents it follows:
 * - Bearer token check: 401 `InvalidAuthenticationToken` with the ARM error body
 *   (https://learn.microsoft.com/azure/azure-resource-manager/management/common-deployment-errors).
 * - api-version required on every call: 400 `MissingApiVersionParameter` / `InvalidApiVersionParameter`.
 * - Long-running operations: 201/202 with `Azure-AsyncOperation` (and `Location`, `Retry-After`); the
 *   operation URL answers `{ "status": "InProgress" }` until it ends `Succeeded`, `Failed` (with `error`)
 *   or `Canceled` (https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 * - Throttling and failures are injected per route: 429 with `Retry-After`, 5xx, dropped connections
 *   (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * - Polling answers carry `Retry-After: 10`: mfe.json documents Retry-After on its 202 answers with
 *   `minimum: 10, maximum: 600` (seconds). Tests scale time (spec/time-scale.ts), they do not skip it.
 * - Every request is checked against the vendored Microsoft.MachineLearningServices 2024-10-01 spec (spec/):
 *   one that does not match is refused with 400 `UserError`, as the service refuses a body its model binding
 *   rejects; every answer a route gives is checked too, and one that does not match fails the request with 500
 *   and is recorded in `specLedger` (a test asserts the ledger is clean).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkRequest, checkResponse } from "./spec";

export const API_VERSION = "2024-10-01";
/** Seconds a polling client is asked to wait (the spec's minimum for Retry-After). */
export const RETRY_AFTER = "10";
export const SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
export const RESOURCE_GROUP = "test-rg";
export const WORKSPACE = "my-aml-workspace";
export const WORKSPACE_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;

export interface FakeRequest {
  method: string;
  /** Path without the query string, decoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** Regex groups of the matched route. */
  params: string[];
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface Fault {
  method?: string;
  path: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the socket without an answer instead; "after": let the route do its work first (the answer is lost). */
  drop?: boolean | "after";
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** The operation of the vendored spec the request matched (undefined: not an ARM operation, e.g. polling). */
  operation?: string;
}

export interface LongRunningOperation {
  id: string;
  /** Polls left that answer InProgress. */
  pending: number;
  status: "InProgress" | "Succeeded" | "Failed" | "Canceled";
  final: "Succeeded" | "Failed" | "Canceled";
  error?: { code: string; message: string };
  /** Run when the operation reaches its final state (e.g. mark the resource Succeeded). */
  onDone?: () => void;
  /** Body of the Location URL once the operation succeeded (POST actions that return a result). */
  result?: unknown;
}

export interface FakeArm {
  /** http://127.0.0.1:<port>: the azure-endpoint input. */
  url: string;
  /** The only bearer token the server accepts. */
  token: string;
  requests: RecordedRequest[];
  route(method: string, path: RegExp, handler: Handler): void;
  fault(f: Fault): void;
  /**
   * Start a long-running operation; returns the headers of the initial 201/202 answer
   * (Azure-AsyncOperation, Location, Retry-After: 10).
   */
  operation(o: {
    polls?: number;
    final?: LongRunningOperation["final"];
    error?: LongRunningOperation["error"];
    onDone?: () => void;
    result?: unknown;
  }): {
    op: LongRunningOperation;
    headers: Record<string, string>;
  };
  /** Requests matching method and path (regex over the decoded path). */
  calls(method: string, path: RegExp): RecordedRequest[];
  /**
   * What the route modules share: environment versions by ARM id (their properties), and the modelType of
   * each model version a deployment may name (by the id a deployment carries).
   */
  state: { environments: Map<string, Record<string, unknown>>; modelTypes: Map<string, string>; location: string };
  close(): Promise<void>;
}

export function armError(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}

export async function startFakeArm(
  opts: {
    token?: string;
    /** Check requests and answers against the Azure ML spec (default true; off for tests of the generic ARM protocol). */ spec?: boolean;
  } = {},
): Promise<FakeArm> {
  const token = opts.token ?? `fake-arm-token-${randomUUID()}`;
  // The generic protocol tests (spec: false) poll without a wait; Azure ML's operations ask for 10 s.
  const retryAfter = opts.spec === false ? "0" : RETRY_AFTER;
  const routes: { method: string; path: RegExp; handler: Handler }[] = [];
  const faults: (Fault & { left: number })[] = [];
  const operations = new Map<string, LongRunningOperation>();
  const requests: RecordedRequest[] = [];
  let base = "";

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      send(res, { status: 500, body: { error: { code: "InternalServerError", message: String(e) } } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", base);
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? "GET";
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const record: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), body, status: 0 };
    requests.push(record);
    const reply = (r: FakeResponse) => {
      record.status = r.status;
      send(res, r);
    };

    if (path === "/discovery")
      // The workspace's discovery document (Workspace.properties.discoveryUrl, no token): regional service hosts.
      return reply({ status: 200, body: { api: base, history: base, experimentation: base, modelmanagement: base } });
    if (req.headers.authorization !== `Bearer ${token}`)
      return reply(
        armError(
          401,
          "InvalidAuthenticationToken",
          req.headers.authorization
            ? "The access token is invalid."
            : "The request does not have an authorization header.",
        ),
      );
    // Operation polling and the workspace's data plane (discovery, run history) are not Resource Manager operations.
    const polling =
      path.startsWith("/operations/") ||
      path.startsWith("/results/") ||
      path.startsWith("/history/") ||
      path === "/discovery";
    const checked = polling || opts.spec === false ? undefined : checkRequest(method, path, url.searchParams, body);
    if (checked) {
      record.operation = checked.operation?.id;
      if (checked.problems.length)
        return reply(
          armError(
            400,
            "UserError",
            `The request does not match ${checked.operation?.id ?? "any operation"} of the 2024-10-01 API: ${checked.problems.join("; ")}`,
          ),
        );
    }
    const replyChecked = (r: FakeResponse) => {
      if (checked?.operation) {
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        const problems = checkResponse(checked.operation, method, path, r.status, headers, r.body);
        if (problems.length)
          return reply(
            armError(
              500,
              "StandInSpecMismatch",
              `The stand-in's answer does not match ${checked.operation.id}: ${problems.join("; ")}`,
            ),
          );
      }
      reply(r);
    };
    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === method) && f.path.test(path));
    if (fault) {
      fault.left--;
      if (fault.drop === "after") {
        const route = routes.find((r) => r.method === method && r.path.test(path));
        const m = route?.path.exec(path);
        if (route && m)
          await route.handler({
            method,
            path,
            query: url.searchParams,
            headers: req.headers,
            body,
            params: m.slice(1),
          });
        record.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault.drop) {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      return replyChecked({ status: fault.status, headers: fault.headers, body: fault.body });
    }
    if (path.startsWith("/operations/") || path.startsWith("/results/")) {
      const [, kind, id] = path.split("/");
      const op = operations.get(id ?? "");
      if (!op) return reply(armError(404, "NotFound", "no such operation"));
      if (op.pending > 0) {
        op.pending--;
        return kind === "operations"
          ? reply({ status: 200, headers: { "retry-after": retryAfter }, body: { id: op.id, status: "InProgress" } })
          : reply({ status: 202, headers: { "retry-after": retryAfter } });
      }
      if (op.status === "InProgress") {
        op.status = op.final;
        op.onDone?.();
      }
      if (kind === "operations")
        return reply({
          status: 200,
          body: { id: op.id, status: op.status, ...(op.error && op.status === "Failed" ? { error: op.error } : {}) },
        });
      return op.status === "Succeeded"
        ? reply({ status: 200, body: op.result })
        : reply(armError(400, op.error?.code ?? "OperationFailed", op.error?.message ?? op.status));
    }
    const version = url.searchParams.get("api-version");
    if (path.startsWith("/history/")) {
      // The run history is a data-plane service without api-version.
      for (const r of routes) {
        const m = r.method === method ? r.path.exec(path) : null;
        if (m)
          return reply(
            await r.handler({ method, path, query: url.searchParams, headers: req.headers, body, params: m.slice(1) }),
          );
      }
      return reply(armError(404, "NotFound", `No run history route for ${path}.`));
    }
    if (!version)
      return reply(
        armError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        ),
      );
    if (version !== API_VERSION)
      return reply(
        armError(
          400,
          "InvalidApiVersionParameter",
          `The api-version '${version}' is invalid. The supported versions are '${API_VERSION}'.`,
        ),
      );
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.path.exec(path);
      if (!m) continue;
      return replyChecked(
        await r.handler({ method, path, query: url.searchParams, headers: req.headers, body, params: m.slice(1) }),
      );
    }
    return replyChecked(
      armError(404, "ResourceNotFound", `No route for ${method} ${path} in the local Azure ML stand-in.`),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: FakeArm["state"] = { environments: new Map(), modelTypes: new Map(), location: "westeurope" };
  // Workspaces_Get (examples/Workspace/get.json): the workspace's region, and its discoveryUrl (the regional
  // service hosts, among them the run history: azure-ai-ml reads it from `discovery_url`).
  routes.push({
    method: "GET",
    path: new RegExp(`^${WORKSPACE_PATH.replace(/[/.]/g, (c) => `\\${c}`)}$`),
    handler: () => ({
      status: 200,
      body: {
        id: WORKSPACE_PATH,
        name: WORKSPACE,
        type: "Microsoft.MachineLearningServices/workspaces",
        location: state.location,
        properties: { provisioningState: "Succeeded", discoveryUrl: `${base}/discovery` },
      },
    }),
  });

  return {
    url: base,
    token,
    requests,
    route(method, path, handler) {
      routes.push({ method, path, handler });
    },
    fault(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    operation(o) {
      const id = randomUUID();
      const op: LongRunningOperation = {
        id,
        pending: o.polls ?? 1,
        status: "InProgress",
        final: o.final ?? "Succeeded",
        error: o.error,
        onDone: o.onDone,
        result: o.result,
      };
      operations.set(id, op);
      return {
        op,
        headers: {
          "azure-asyncoperation": `${base}/operations/${id}`,
          location: `${base}/results/${id}`,
          "retry-after": retryAfter,
        },
      };
    },
    calls(method, path) {
      return requests.filter((r) => r.method === method && path.test(r.path));
    },
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, r: FakeResponse): void {
  const headers: Record<string, string> = {
    "x-ms-request-id": randomUUID(),
    "x-ms-correlation-request-id": randomUUID(),
    ...(r.headers ?? {}),
  };
  if (r.body === undefined) {
    res.writeHead(r.status, headers);
    res.end();
    return;
  }
  const text = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
  res.writeHead(r.status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

/** A TokenCredential that returns the stand-in's token (the in-process tests' azure/login). */
export function fakeCredential(token: string) {
  return {
    async getToken() {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
