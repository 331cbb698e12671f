/**
 * The outbound clients against a real forward proxy on 127.0.0.1 (test/services/connect-proxy.ts) and a
 * plain HTTP server standing for any service: what tunnels through the proxy, what NO_PROXY sends around
 * it, and the proxy's Basic credentials.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectProxy, startConnectProxy } from "../../test/services/connect-proxy";
import { outboundAgent, outboundFetch } from "./outbound";

let service: Server;
let target: string;
let proxy: ConnectProxy;
let authProxy: ConnectProxy;
const saved = { ...process.env };

beforeAll(async () => {
  service = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`hello ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => service.listen(0, "127.0.0.1", r));
  target = `127.0.0.1:${(service.address() as AddressInfo).port}`;
  proxy = await startConnectProxy();
  authProxy = await startConnectProxy({ credentials: { user: "alice", password: "s:cret" } });
});

afterEach(() => {
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"])
    delete process.env[k];
  Object.assign(process.env, saved);
  proxy.reset();
  authProxy.reset();
});

afterAll(async () => {
  await proxy?.close();
  await authProxy?.close();
  service?.closeAllConnections();
  await new Promise<void>((r) => service.close(() => r()));
});

/** node:http GET through an agent. */
function get(url: string, agent: ReturnType<typeof outboundAgent>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("outboundFetch", () => {
  it("tunnels through HTTP_PROXY with CONNECT, also for a plain-http target", async () => {
    process.env.HTTP_PROXY = proxy.url;
    const res = await outboundFetch(`http://${target}/v2/`);
    expect(await res.text()).toBe("hello GET /v2/");
    expect(proxy.tunnels.get(target)).toBe(1);
    expect(proxy.forwarded.size).toBe(0);
  });

  it("goes direct for a host NO_PROXY names, and without any proxy variable", async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = "localhost,127.0.0.1";
    expect((await outboundFetch(`http://${target}/a`)).status).toBe(200);
    delete process.env.HTTP_PROXY;
    delete process.env.NO_PROXY;
    expect((await outboundFetch(`http://${target}/b`)).status).toBe(200);
    expect(proxy.total()).toBe(0);
  });

  it("sends the proxy's credentials from the URL, and fails when the proxy refuses them", async () => {
    process.env.HTTP_PROXY = authProxy.url;
    expect(await (await outboundFetch(`http://${target}/x`)).text()).toBe("hello GET /x");
    expect(authProxy.tunnels.get(target)).toBe(1);
    process.env.HTTP_PROXY = authProxy.url.replace("s%3Acret", "wrong");
    await expect(outboundFetch(`http://${target}/y`)).rejects.toThrow();
    expect(authProxy.refused).toEqual([{ target, status: 407 }]);
  });
});

describe("outboundAgent (node:http and the Azure SDK)", () => {
  it("tunnels through the proxy and goes direct for NO_PROXY hosts", async () => {
    process.env.HTTP_PROXY = proxy.url;
    expect(await get(`http://${target}/blob`, outboundAgent())).toEqual({ status: 200, body: "hello GET /blob" });
    expect(proxy.tunnels.get(target)).toBe(1);
    process.env.NO_PROXY = "127.0.0.1";
    expect((await get(`http://${target}/blob`, outboundAgent())).status).toBe(200);
    expect(proxy.total()).toBe(1);
  });
});
