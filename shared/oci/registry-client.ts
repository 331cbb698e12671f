import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { ANONYMOUS, basicHeader, type Credentials, exchangeAadToken, parseChallenge } from "./auth";
import { checkDigest, readVerifiedBlob, sha256Digest } from "./digest";
import { MANIFEST_ACCEPT } from "./media-types";
import { nodeHttpFetch } from "./node-http-fetch";
import { outboundFetch } from "../net";

export interface RegistryClientOptions {
  /** Host[:port], e.g. `myacr.azurecr.io` or `127.0.0.1:5000`. */
  registry: string;
  credentials?: Credentials;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
  logger?: Logger;
  /** Plain HTTP. Default: true for localhost/127.0.0.1/[::1], false otherwise. */
  insecure?: boolean;
  /** Attempts on 5xx, 429, network errors and timeouts (default 4). */
  attempts?: number;
  /** First back-off delay; doubles per attempt (default 500 ms). */
  retryDelayMs?: number;
  /**
   * Per-request timeout (default 120 s), extended by the bytes to send or receive at 256 KB/s, so a big layer
   * over a slow plant link is not cut off while a stalled small request still fails fast.
   */
  timeoutMs?: number;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

interface RequestOptions {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Token scopes needed, e.g. `repository:edge/model:pull,push`. */
  scopes: string[];
  /** Absolute URL instead of baseUrl + path (upload locations). */
  url?: string;
  /** Size of the expected response body, to extend the timeout for downloads. */
  expectBytes?: number;
}

/** Slowest transfer rate a request is allowed before its timeout fires, in bytes per millisecond. */
const MIN_RATE = 256;

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

const DEFAULT_CHUNK = 32 * 1024 * 1024;
/** Bodies from this size go through node:http when no fetch was injected (see node-http-fetch.ts). */
const UPLOAD_FETCH_MIN = 1024 * 1024;

/** A client for one OCI distribution registry (v2 API): auth challenges, retries, blobs and manifests. */
export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  /** Counters for logs and tests. */
  readonly stats = { requests: 0, retries: 0, blobUploads: 0, bytesUploaded: 0, mounts: 0 };
  private readonly credentials: Credentials;
  private readonly doFetch: typeof fetch;
  private readonly uploadFetch: typeof nodeHttpFetch | undefined;
  private readonly logger: Logger;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly tokens = new Map<string, string>();
  private basic: string | undefined;
  private refreshToken: Promise<string> | undefined;
  private readonly pendingTokens = new Map<string, Promise<string>>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(options.registry);
    this.baseUrl = `${(options.insecure ?? local) ? "http" : "https"}://${options.registry}`;
    this.credentials = options.credentials ?? ANONYMOUS;
    this.doFetch = options.fetch ?? outboundFetch;
    this.uploadFetch = options.fetch ? undefined : nodeHttpFetch;
    this.logger = options.logger ?? silentLogger;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** GET a manifest or index; undefined when the registry answers 404. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    if (reference.startsWith("sha256:")) checkDigest(reference, `${this.registry}/${repository}`);
    const res = await this.request("GET", `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [`repository:${repository}:pull`],
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    await this.expect(res, [200], `GET manifest ${repository}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new UserError(
        `${this.registry}/${repository}: manifest ${reference} does not match its digest (got ${digest}). The registry sent altered content; check the registry or its proxy.`,
      );
    }
    const mediaType =
      (JSON.parse(bytes.toString("utf8")) as { mediaType?: string }).mediaType ??
      res.headers.get("content-type")?.split(";")[0] ??
      "";
    return { bytes, mediaType, digest };
  }

  /** The digest a tag or digest resolves to, or undefined (HEAD). */
  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    const res = await this.request("HEAD", `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [`repository:${repository}:pull`],
    });
    if (res.status === 404) return undefined;
    await this.expect(res, [200], `HEAD manifest ${repository}:${reference}`);
    return res.headers.get("docker-content-digest") ?? undefined;
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.request("PUT", `/v2/${repository}/manifests/${reference}`, {
      headers: { "content-type": mediaType },
      body: bytes,
      scopes: [`repository:${repository}:pull,push`],
    });
    await this.expect(res, [200, 201], `PUT manifest ${repository}:${reference}`);
    await res.body?.cancel();
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${repository}/blobs/${digest}`, {
      scopes: [`repository:${repository}:pull,push`],
    });
    if (res.status === 404) return false;
    await this.expect(res, [200], `HEAD blob ${repository}@${digest}`);
    return true;
  }

  /** Downloads a blob and checks its digest; `size` (from the descriptor) lengthens the timeout. */
  async getBlob(repository: string, digest: string, size?: number): Promise<Buffer> {
    checkDigest(digest, `${this.registry}/${repository}`);
    const res = await this.request("GET", `/v2/${repository}/blobs/${digest}`, {
      scopes: [`repository:${repository}:pull`],
      expectBytes: size,
    });
    await this.expect(res, [200], `GET blob ${repository}@${digest}`);
    if (!res.body) return readVerifiedBlob([], digest, `${this.registry}/${repository}`, size);
    return readVerifiedBlob(
      res.body as AsyncIterable<Uint8Array>,
      digest,
      `${this.registry}/${repository}`,
      size,
    ).catch(async (e: unknown) => {
      await res.body?.cancel().catch(() => {});
      throw e;
    });
  }

  /**
   * Cross-repository mount (`POST …/blobs/uploads/?mount=&from=`). True when mounted; otherwise the
   * registry may have opened an upload session, whose location is returned for reuse.
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<true | { location?: string }> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.request("POST", `/v2/${repository}/blobs/uploads/?${q}`, {
      scopes: [`repository:${repository}:pull,push`, `repository:${from}:pull`],
    });
    await res.body?.cancel();
    if (res.status === 201) {
      this.stats.mounts++;
      return true;
    }
    if (res.status === 202) {
      const location = res.headers.get("location");
      return location ? { location: new URL(location, this.baseUrl).toString() } : {};
    }
    return {};
  }

  /**
   * Uploads a blob: monolithic PUT when it fits in `chunkSize`, else PATCH chunks then PUT. A failed session
   * is restarted from scratch (retries inside each request cover transient 5xx).
   */
  async uploadBlob(
    repository: string,
    digest: string,
    data: Buffer,
    options: { chunkSize?: number; location?: string } = {},
  ): Promise<void> {
    const scopes = [`repository:${repository}:pull,push`];
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    let location = options.location;
    if (!location) {
      const res = await this.request("POST", `/v2/${repository}/blobs/uploads/`, { scopes });
      await this.expect(res, [202], `POST upload ${repository}`);
      await res.body?.cancel();
      const loc = res.headers.get("location");
      if (!loc) throw new Error(`${this.registry}: upload session without Location`);
      location = new URL(loc, this.baseUrl).toString();
    }
    const task = `push ${digest.slice(7, 19)}`;
    let offset = 0;
    if (data.length > chunkSize) {
      while (offset < data.length) {
        const end = Math.min(offset + chunkSize, data.length);
        const res = await this.request("PATCH", "", {
          url: location,
          scopes,
          body: data.subarray(offset, end),
          headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${end - 1}` },
        });
        await this.expect(res, [202], `PATCH upload ${repository}`);
        await res.body?.cancel();
        const loc = res.headers.get("location");
        if (loc) location = new URL(loc, this.baseUrl).toString();
        offset = end;
        this.logger.progress({ task, done: offset, total: data.length, unit: "bytes" });
      }
    }
    const url = new URL(location);
    url.searchParams.set("digest", digest);
    const body = offset === 0 ? data : Buffer.alloc(0);
    const res = await this.request("PUT", "", {
      url: url.toString(),
      scopes,
      body,
      headers: { "content-type": "application/octet-stream" },
    });
    await this.expect(res, [201], `PUT upload ${repository}@${digest}`);
    await res.body?.cancel();
    this.stats.blobUploads++;
    this.stats.bytesUploaded += data.length;
    this.logger.progress({ task, done: data.length, total: data.length, unit: "bytes", finished: true });
  }

  /** One request with auth (Basic, Bearer challenge, ACR exchange) and retries on 5xx/429/network errors. */
  async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = options.url ?? `${this.baseUrl}${path}`;
    const scopeKey = [...options.scopes].sort().join(" ");
    const sent = this.authorization(scopeKey);
    let res = await this.send(method, url, options, sent);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    await res.body?.cancel();
    if (this.credentials.kind === "anonymous" && challenge?.scheme !== "bearer") {
      throw this.authError(401, method, url, "requires credentials");
    }
    if (challenge?.scheme === "basic") {
      if (this.credentials.kind !== "basic") throw this.authError(401, method, url, "only accepts username/password");
      this.basic = basicHeader(this.credentials.username, this.credentials.password);
    } else if (challenge?.scheme === "bearer" && challenge.params.realm) {
      // Parallel uploads hit the same challenge: share one token request per scope set.
      let pending = this.pendingTokens.get(scopeKey);
      if (!pending || this.tokens.get(scopeKey) === sent) {
        const scopes = new Set(options.scopes);
        if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) scopes.add(s);
        const { realm, service } = challenge.params;
        pending = this.fetchToken(realm, service, [...scopes]).then((t) => `Bearer ${t}`);
        this.pendingTokens.set(scopeKey, pending);
        pending.catch(() => this.pendingTokens.delete(scopeKey));
      }
      this.tokens.set(scopeKey, await pending);
    } else {
      throw new Error(`${this.registry}: unsupported auth challenge ${shown(res.headers.get("www-authenticate"))}`);
    }
    res = await this.send(method, url, options, this.authorization(scopeKey));
    if (res.status === 401) {
      await res.body?.cancel();
      throw this.authError(401, method, url, "rejected the credentials");
    }
    return res;
  }

  private authorization(scopeKey: string): string | undefined {
    return this.tokens.get(scopeKey) ?? this.basic;
  }

  private authError(status: number, method: string, url: string, what: string): UserError {
    const path = new URL(url).pathname;
    return new UserError(
      `auth: registry ${this.registry} ${what} (got HTTP ${status} for ${method} ${path}). ` +
        "Check the username/password or token for this registry, or its Azure role assignment (AcrPush).",
      { code: "unauthorized" },
    );
  }

  private async fetchToken(realm: string, service: string | undefined, scopes: string[]): Promise<string> {
    const creds = this.credentials;
    let res: Response;
    if (creds.kind === "azure" || creds.kind === "refresh-token") {
      if (!this.refreshToken) {
        this.refreshToken =
          creds.kind === "refresh-token"
            ? Promise.resolve(creds.refreshToken)
            : exchangeAadToken(this.doFetch, this.baseUrl, this.registry, creds);
        this.refreshToken.catch(() => {
          this.refreshToken = undefined;
        });
      }
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: await this.refreshToken });
      if (service) form.set("service", service);
      for (const s of scopes) form.append("scope", s);
      form.set("client_id", "mlops-actions");
      res = await this.send(
        "POST",
        realm,
        {
          scopes,
          body: form.toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
        undefined,
      );
    } else {
      const u = new URL(realm);
      if (service) u.searchParams.set("service", service);
      for (const s of scopes) u.searchParams.append("scope", s);
      const auth = creds.kind === "basic" ? basicHeader(creds.username, creds.password) : undefined;
      res = await this.send("GET", u.toString(), { scopes }, auth);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.authError(res.status, "GET", realm, "token service rejected the credentials");
    }
    await this.expect(res, [200], "token");
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`${this.registry}: token endpoint answered without a token`);
    return token;
  }

  private async send(
    method: string,
    url: string,
    options: RequestOptions,
    authorization: string | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (authorization) headers.authorization = authorization;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      this.stats.requests++;
      try {
        const bytes = (options.body?.length ?? 0) + (options.expectBytes ?? 0);
        const signal = AbortSignal.timeout(this.timeoutMs + Math.ceil(bytes / MIN_RATE));
        const body = options.body;
        const res =
          this.uploadFetch && typeof body === "object" && body.length >= UPLOAD_FETCH_MIN
            ? await this.uploadFetch(url, { method, headers, body, signal })
            : await this.doFetch(url, { method, headers, body, redirect: "follow", signal });
        if ((res.status < 500 && res.status !== 429) || attempt === this.attempts) return res;
        await res.body?.cancel();
        lastError = new Error(`HTTP ${res.status}`);
      } catch (e) {
        lastError = e;
        if (attempt === this.attempts) break;
      }
      this.stats.retries++;
      const delay = this.retryDelayMs * 2 ** (attempt - 1);
      this.logger.warning(
        `${method} ${new URL(url).pathname} on ${this.registry} failed (${(lastError as Error).message}); retry ${attempt}/${this.attempts - 1} in ${delay} ms`,
      );
      await this.sleep(delay);
    }
    throw new UserError(
      `registry: ${this.registry} is unreachable (got ${shown((lastError as Error)?.message ?? String(lastError), 160)} after ${this.attempts} attempts). Check the address, the network and the registry's status.`,
      { cause: lastError },
    );
  }

  private async expect(res: Response, ok: number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = (await res.text().catch(() => "")).slice(0, 300);
    if (res.status === 403) {
      throw new UserError(
        `auth: registry ${this.registry} denied ${what} (got HTTP 403 ${shown(text, 160)}). Give the identity push/pull rights on the repository.`,
        { code: "forbidden" },
      );
    }
    if (res.status >= 500) {
      throw new UserError(
        `registry: ${this.registry} failed ${what} (got HTTP ${res.status} ${shown(text, 160)}). Retry later or check the registry's health.`,
      );
    }
    throw new Error(`${this.registry}: ${what} answered HTTP ${res.status}: ${text}`);
  }
}
