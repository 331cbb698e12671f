/**
 * The one place outbound HTTP clients are built. `outboundFetch` (undici's fetch with a dispatcher that
 * routes each request by proxyFor) serves everything written with fetch: GitHub's API, Teams webhooks, OCI
 * registries, Azure Resource Manager, health checks. `outboundAgent` is the same routing for node:http(s)
 * clients: large registry uploads, and the Azure SDK (storage, identity), which takes it as its `agent`
 * option so it follows this rule instead of its own reading of the variables. Both tunnel through the
 * proxy with HTTP CONNECT, for https and http targets alike, as @actions/http-client and undici do.
 *
 * undici is the version @actions/http-client already brings into every action, so this costs no extra
 * bundle size.
 */
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { Agent as AgentBase, type AgentConnectOpts } from "agent-base";
import { HttpsProxyAgent } from "https-proxy-agent";
import { Agent, Dispatcher, ProxyAgent, fetch as undiciFetch } from "undici";
import { type ProxyEnv, proxyEnvKey, proxyFor } from "./proxy-env";

/** Routes each request to a direct agent or to the ProxyAgent of its proxy. */
class ProxyRoutingDispatcher extends Dispatcher {
  private readonly direct = new Agent();
  private readonly proxies = new Map<string, ProxyAgent>();
  constructor(private readonly env: ProxyEnv) {
    super();
  }

  private route(origin: string): Dispatcher {
    const proxy = proxyFor(new URL(origin), this.env);
    if (!proxy) return this.direct;
    let agent = this.proxies.get(proxy.href);
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy.href });
      this.proxies.set(proxy.href, agent);
    }
    return agent;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    return this.route(String(options.origin)).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.direct, ...this.proxies.values()].map((a) => a.close())).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === "function" ? null : (a ?? null);
    const callback = typeof a === "function" ? a : b;
    const done = Promise.all([this.direct, ...this.proxies.values()].map((x) => x.destroy(err))).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }
}

/** A node:http(s) agent that routes each connection the same way (agent-base delegates to the chosen agent). */
class ProxyRoutingAgent extends AgentBase {
  private readonly directHttp = new http.Agent({ keepAlive: true });
  private readonly directHttps = new https.Agent({ keepAlive: true });
  private readonly proxies = new Map<string, HttpsProxyAgent<string>>();
  constructor(private readonly env: ProxyEnv) {
    super({ keepAlive: true });
  }

  override connect(_req: http.ClientRequest, opts: AgentConnectOpts): http.Agent | Duplex {
    const target = new URL(opts.secureEndpoint ? "https://localhost" : "http://localhost");
    target.hostname = opts.host?.includes(":") ? `[${opts.host}]` : (opts.host ?? "localhost");
    if (opts.port) target.port = String(opts.port);
    const proxy = proxyFor(target, this.env);
    if (!proxy) return opts.secureEndpoint ? this.directHttps : this.directHttp;
    let agent = this.proxies.get(proxy.href);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy.href, { keepAlive: true });
      this.proxies.set(proxy.href, agent);
    }
    return agent;
  }

  override destroy(): void {
    for (const a of [this.directHttp, this.directHttps, ...this.proxies.values()]) a.destroy();
    super.destroy();
  }
}

const dispatchers = new Map<string, ProxyRoutingDispatcher>();
const agents = new Map<string, ProxyRoutingAgent>();

/** The dispatcher for the current proxy variables (one per distinct setting, so connections are reused). */
export function outboundDispatcher(env: ProxyEnv = process.env): Dispatcher {
  const key = proxyEnvKey(env);
  let d = dispatchers.get(key);
  if (!d) {
    d = new ProxyRoutingDispatcher({ ...env });
    dispatchers.set(key, d);
  }
  return d;
}

/** The node:http(s) agent for the current proxy variables. */
export function outboundAgent(env: ProxyEnv = process.env): http.Agent {
  const key = proxyEnvKey(env);
  let a = agents.get(key);
  if (!a) {
    a = new ProxyRoutingAgent({ ...env });
    agents.set(key, a);
  }
  return a;
}

/** fetch that honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (read when the request is made). */
export const outboundFetch: typeof globalThis.fetch = (input, init) =>
  undiciFetch(input as Parameters<typeof undiciFetch>[0], {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher: outboundDispatcher(),
  }) as unknown as Promise<Response>;
