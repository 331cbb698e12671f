/**
 * A small Azure Resource Manager client: bearer token from a TokenCredential, retries on throttling
 * and server errors (honouring Retry-After), long-running operations (Azure-AsyncOperation, then
 * Location, then provisioningState), and errors that say what to fix.
 *
 * Protocol: https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
 * and the ARM RPC (common error shape `{ "error": { "code", "message", "details" } }`,
 * `x-ms-request-id` / `x-ms-correlation-request-id` headers).
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { shown, UserError } from "../errors";
import { networkErrorCode, parseRetryAfter, realSleep } from "../http";
import { type Logger, silentLogger } from "../log";
import { outboundFetch } from "../net";

export const PUBLIC_ARM_ENDPOINT = "https://management.azure.com";
/**
 * Azure ML's regional data-plane hosts (run history), which take the same Resource Manager token: the public
 * cloud's <region>.api.azureml.ms and the sovereign clouds' <region>.api.ml.azure.us / .api.ml.azure.cn.
 */
const AZUREML_DATA_PLANE = /^[a-z0-9-]+\.api\.(azureml\.ms|ml\.azure\.us|ml\.azure\.cn)$/i;

export interface ArmClientOptions {
  credential: TokenCredential;
  /** Resource Manager endpoint (sovereign clouds have their own). Default https://management.azure.com. */
  endpoint?: string;
  /** Token scope. Default `<endpoint origin>/.default`. */
  scope?: string;
  apiVersion: string;
  logger?: Logger;
  /** Retries after the first attempt on network errors, 408, 429 and 5xx. Default 5. */
  retries?: number;
  /** Per-attempt limit (connection, request and body). Default 60 s. */
  timeoutMs?: number;
  /** First backoff delay, doubled per retry with jitter. Default 1 s. */
  baseDelayMs?: number;
  /** Ceiling for a backoff or an honoured Retry-After. Default 60 s. */
  maxDelayMs?: number;
  /** Delay between polls of a long-running operation when the service gives no Retry-After. Default 5 s. */
  pollIntervalMs?: number;
  /** Stops waits and requests (the workflow was cancelled). */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof globalThis.fetch;
  random?: () => number;
  /** What the errors call the service, e.g. "Azure ML". */
  service?: string;
}

export interface ArmResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Extra query parameters; api-version is added unless `apiVersion: null`. */
  query?: Record<string, string | undefined>;
  apiVersion?: string | null;
  headers?: Record<string, string>;
  /** Statuses that are not errors besides 2xx (e.g. 404 for "get if exists"). */
  allow?: number[];
  signal?: AbortSignal;
}

export interface LroOptions extends RequestOptions {
  /** Give up polling after this long (the operation keeps running in Azure). Default 30 min. */
  timeoutMs?: number;
  /** Called with each polled status, e.g. to stream it to the log. */
  onStatus?: (status: string) => void;
}

/** An error answer from Resource Manager, with what the user can do about it. */
export class ArmError extends UserError {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly status: number,
    readonly armCode: string | undefined,
    readonly requestId: string | undefined,
    cause?: unknown,
  ) {
    super(message, { code: armCode ?? `http-${status}`, cause });
  }
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "cancelled"]);

export class ArmClient {
  readonly endpoint: string;
  readonly apiVersion: string;
  private readonly scope: string;
  private readonly logger: Logger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly random: () => number;
  private readonly service: string;
  private token?: AccessToken;

  constructor(private readonly opts: ArmClientOptions) {
    const endpoint = (opts.endpoint || PUBLIC_ARM_ENDPOINT).replace(/\/+$/, "");
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch (e) {
      throw new UserError(
        `azure-endpoint: not a URL (got ${shown(endpoint)}). Use https://management.azure.com or your cloud's Resource Manager endpoint.`,
        { cause: e },
      );
    }
    // Tokens go over TLS only; plain http is accepted for a service on this machine (emulators, tests).
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname)))
      throw new UserError(
        `azure-endpoint: must be https (got ${shown(endpoint)}). Bearer tokens are only sent over TLS, or over http to 127.0.0.1/localhost.`,
      );
    this.endpoint = endpoint;
    this.apiVersion = opts.apiVersion;
    this.scope = opts.scope ?? `${url.origin}/.default`;
    this.logger = opts.logger ?? silentLogger;
    this.sleep = opts.sleep ?? realSleep;
    this.fetchImpl = opts.fetch ?? outboundFetch;
    this.random = opts.random ?? Math.random;
    this.service = opts.service ?? "Azure Resource Manager";
  }

  /** An absolute URL for a path under the endpoint; absolute URLs must stay on the endpoint's origin. */
  url(pathOrUrl: string, query: Record<string, string | undefined> = {}, apiVersion?: string | null): URL {
    const url = /^https?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(this.endpoint + pathOrUrl);
    if (
      url.origin !== new URL(this.endpoint).origin &&
      !(url.protocol === "https:" && AZUREML_DATA_PLANE.test(url.hostname))
    )
      throw new Error(`${this.service}: refusing to send the token to ${url.origin} (not ${this.endpoint})`);
    if (apiVersion !== null && !url.searchParams.has("api-version"))
      url.searchParams.set("api-version", apiVersion ?? this.apiVersion);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  private async bearer(signal?: AbortSignal): Promise<string> {
    const fresh = this.token && this.token.expiresOnTimestamp - Date.now() > 120_000;
    if (!fresh) {
      let token: AccessToken | null;
      try {
        token = await this.opts.credential.getToken(this.scope, { abortSignal: signal });
      } catch (e) {
        const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
        throw new UserError(
          `${this.service}: could not get an Azure token for ${this.scope} (got ${shown(why, 300)}). Sign in first: in a workflow run azure/login with OIDC (permissions: id-token: write) before this step; on a laptop run az login.`,
          { cause: e, code: "auth" },
        );
      }
      if (!token)
        throw new UserError(
          `${this.service}: the Azure credential returned no token for ${this.scope} (got null). Run azure/login (OIDC) before this step, or az login locally.`,
          { code: "auth" },
        );
      this.token = token;
    }
    return (this.token as AccessToken).token;
  }

  /** One call with retries; throws ArmError for an error answer that retries did not cure. */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<ArmResponse<T>> {
    const url = this.url(path, o.query, o.apiVersion);
    const retries = this.opts.retries ?? 5;
    const base = this.opts.baseDelayMs ?? 1000;
    const max = this.opts.maxDelayMs ?? 60_000;
    const signal = anySignal(o.signal, this.opts.signal);
    const where = `${method} ${describePath(url)}`;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 60_000);
      let res: Response;
      let text: string;
      try {
        const headers: Record<string, string> = {
          authorization: `Bearer ${await this.bearer(signal)}`,
          accept: "application/json",
          "user-agent": "mlops-actions",
          ...(o.body === undefined ? {} : { "content-type": "application/json" }),
          ...o.headers,
        };
        res = await this.fetchImpl(url, {
          method,
          headers,
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
          signal: anySignal(signal, timeout),
          redirect: "manual",
        });
        text = await res.text();
      } catch (e) {
        if (e instanceof UserError) throw e;
        if (signal?.aborted) throw signal.reason ?? e;
        const code = timeout.aborted ? `no answer within ${this.opts.timeoutMs ?? 60_000} ms` : networkErrorCode(e);
        if (attempt >= retries)
          throw new ArmError(
            `${this.service}: ${where} failed after ${attempt + 1} attempts (got ${code}). Check that the runner can reach ${new URL(this.endpoint).host}.`,
            0,
            undefined,
            undefined,
            e,
          );
        const wait = this.backoff(base, max, attempt);
        this.logger.warning(`${this.service}: ${where}: ${code}; retrying in ${(wait / 1000).toFixed(1)} s`);
        await this.sleep(wait, signal);
        continue;
      }
      const status = res.status;
      const body = parseBody(text);
      if ((status >= 200 && status < 300) || o.allow?.includes(status))
        return { status, headers: res.headers, body: body as T };
      if (status === 401 && !refreshed) {
        // An expired or revoked token: get a new one once.
        refreshed = true;
        this.token = undefined;
        continue;
      }
      const retryable = status === 408 || status === 429 || status >= 500;
      if (!retryable || attempt >= retries) throw this.error(where, status, body, res.headers, attempt + 1);
      const after = parseRetryAfter(res.headers.get("retry-after"), Date.now());
      const wait = after !== undefined ? Math.min(max, after) : this.backoff(base, max, attempt);
      this.logger.warning(
        `${this.service}: ${where}: HTTP ${status}${armCode(body) ? ` ${armCode(body)}` : ""}; retrying in ${(wait / 1000).toFixed(1)} s${after !== undefined ? " (Retry-After)" : ""}`,
      );
      await this.sleep(wait, signal);
    }
  }

  /** GET that returns undefined on 404. */
  async getIfExists<T>(path: string, o: RequestOptions = {}): Promise<T | undefined> {
    const r = await this.request<T>("GET", path, { ...o, allow: [404] });
    return r.status === 404 ? undefined : r.body;
  }

  async get<T>(path: string, o: RequestOptions = {}): Promise<T> {
    return (await this.request<T>("GET", path, o)).body;
  }

  /**
   * A call that may be long-running (PUT create, DELETE, POST actions). Follows Azure-AsyncOperation,
   * else Location, else the resource's provisioningState, until a terminal state. Returns the final
   * resource (GET of `path` after a PUT/PATCH; the Location result or the initial body otherwise).
   */
  async lro<T = unknown>(method: string, path: string, o: LroOptions = {}): Promise<T> {
    const first = await this.request<T>(method, path, o);
    const signal = anySignal(o.signal, this.opts.signal);
    const started = Date.now();
    const deadline = started + (o.timeoutMs ?? 30 * 60_000);
    let last = "";
    const asyncOp = first.headers.get("azure-asyncoperation");
    const location = first.headers.get("location");
    const isWrite = method === "PUT" || method === "PATCH";
    const what = `${method} ${describePath(this.url(path, o.query, o.apiVersion))}`;
    let delay = this.pollDelay(first.headers);

    if (asyncOp) {
      for (;;) {
        await this.wait(delay, deadline, what, signal, last, started);
        const r = await this.request<AsyncOperation>("GET", asyncOp, { apiVersion: null, signal });
        const status = String(r.body?.status ?? "");
        last = status;
        o.onStatus?.(status);
        if (TERMINAL.has(status.toLowerCase())) {
          if (status.toLowerCase() !== "succeeded") throw this.operationFailed(what, status, r.body?.error);
          break;
        }
        delay = this.pollDelay(r.headers);
      }
      if (isWrite) return this.get<T>(path, { query: o.query, apiVersion: o.apiVersion, signal });
      if (location) return (await this.request<T>("GET", location, { apiVersion: null, signal, allow: [204] })).body;
      return first.body;
    }
    if (location && (first.status === 202 || first.status === 201)) {
      for (;;) {
        await this.wait(delay, deadline, what, signal, last, started);
        const r = await this.request<T>("GET", location, { apiVersion: null, signal, allow: [202] });
        if (r.status !== 202) {
          o.onStatus?.("Succeeded");
          return isWrite ? this.get<T>(path, { query: o.query, apiVersion: o.apiVersion, signal }) : r.body;
        }
        last = "InProgress";
        o.onStatus?.(last);
        delay = this.pollDelay(r.headers);
      }
    }
    if (isWrite && (first.status === 201 || first.status === 200)) {
      let body = first.body as { properties?: { provisioningState?: string } } | undefined;
      for (;;) {
        const state = body?.properties?.provisioningState;
        if (!state || TERMINAL.has(state.toLowerCase())) {
          if (state && state.toLowerCase() !== "succeeded") throw this.operationFailed(what, state, undefined);
          return body as T;
        }
        o.onStatus?.(state);
        await this.wait(delay, deadline, what, signal, state, started);
        const r = await this.request<typeof body>("GET", path, { query: o.query, apiVersion: o.apiVersion, signal });
        body = r.body;
        delay = this.pollDelay(r.headers);
      }
    }
    return first.body;
  }

  private pollDelay(headers: Headers): number {
    const after = parseRetryAfter(headers.get("retry-after"), Date.now());
    return Math.min(this.opts.maxDelayMs ?? 60_000, after ?? this.opts.pollIntervalMs ?? 5_000);
  }

  private async wait(
    ms: number,
    deadline: number,
    what: string,
    signal: AbortSignal | undefined,
    status: string,
    started: number,
  ): Promise<void> {
    if (Date.now() + ms > deadline) {
      const took = (Date.now() - started) / 1000;
      throw new UserError(
        `${this.service}: ${what} did not finish in time (got status ${status || "unknown"} after ${took < 60 ? `${took.toFixed(1)} s` : `${(took / 60).toFixed(1)} min`}). The operation may still complete in Azure: check it in the Azure portal, or raise the step's timeout.`,
        { code: "timeout" },
      );
    }
    await this.sleep(ms, signal);
  }

  private backoff(base: number, max: number, attempt: number): number {
    const b = Math.min(max, base * 2 ** attempt);
    return Math.round(b / 2 + this.random() * (b / 2));
  }

  private operationFailed(what: string, status: string, error: ArmErrorBody["error"] | undefined): ArmError {
    const detail = error ? `${error.code ?? "error"}: ${flatten(error)}` : "no error detail";
    return new ArmError(
      `${this.service}: ${what} ended ${status} (got ${shown(detail, 400)}). Fix what the message names and run again.`,
      200,
      error?.code,
      undefined,
    );
  }

  private error(where: string, status: number, body: unknown, headers: Headers, attempts: number): ArmError {
    const err = (body as ArmErrorBody | undefined)?.error;
    const code = err?.code;
    const message = err ? flatten(err) : typeof body === "string" ? body.slice(0, 300) : "";
    const requestId = headers.get("x-ms-correlation-request-id") ?? headers.get("x-ms-request-id") ?? undefined;
    const got = `got HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}${attempts > 1 ? ` after ${attempts} attempts` : ""}`;
    const ref = requestId ? ` (request id ${requestId})` : "";
    let fix: string;
    if (status === 401)
      fix = `The token was refused: run azure/login for the right tenant before this step (OIDC federated credential on the app registration), or az login locally${ref}.`;
    else if (status === 403)
      fix = `The signed-in identity lacks a role: grant it "AzureML Data Scientist" (jobs, models, endpoints) or Contributor on the workspace or registry${ref}.`;
    else if (status === 404)
      fix = `Check subscription-id, resource-group and the workspace or registry name; the identity must also be able to see them${ref}.`;
    else if (status === 409) fix = `Another operation holds the resource; wait for it and run again${ref}.`;
    else if (status === 429) fix = `Azure throttled the requests; run again later${ref}.`;
    else if (status >= 500) fix = `Azure failed to handle the request; run again later${ref}.`;
    else fix = `Fix the request as the message says${ref}.`;
    return new ArmError(
      `${this.service}: ${where} failed (${shown(got, 500).slice(1, -1)}). ${fix}`,
      status,
      code,
      requestId,
    );
  }
}

interface ArmErrorBody {
  error?: { code?: string; message?: string; details?: { code?: string; message?: string }[] };
}

interface AsyncOperation {
  status?: string;
  error?: ArmErrorBody["error"];
}

function flatten(err: NonNullable<ArmErrorBody["error"]>): string {
  const parts = [err.message ?? ""];
  for (const d of err.details ?? []) if (d.message && d.message !== err.message) parts.push(d.message);
  return parts.filter(Boolean).join(" ").replace(/\s+/g, " ").trim();
}

function armCode(body: unknown): string | undefined {
  return (body as ArmErrorBody | undefined)?.error?.code;
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The path without the subscription GUID's neighbours cut: short enough for a log line. */
function describePath(url: URL): string {
  return url.pathname.replace(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\//i, ".../");
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const real = signals.filter((s): s is AbortSignal => s !== undefined);
  if (real.length <= 1) return real[0];
  return AbortSignal.any(real);
}
