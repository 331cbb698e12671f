/**
 * A forward proxy on 127.0.0.1 as a corporate network has one: HTTP CONNECT tunnels (RFC 9110 §9.3.6) and
 * absolute-form requests for plain http (RFC 9112 §3.2.2), optionally asking for Basic credentials
 * (407 with Proxy-Authenticate, RFC 9110 §11.7.1). It counts what it carried per target `host:port`, so a
 * test can tell which client went through it. It only ever connects to 127.0.0.1: a target that is not
 * loopback must be one of `hosts` (a name the test gives to a local service), anything else is refused
 * with 502, so nothing leaves the machine.
 */
import { createServer, type IncomingMessage, request as httpRequest } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";

export interface ConnectProxy {
  /** http://127.0.0.1:<port> (with user:password@ when credentials are required). */
  url: string;
  /** CONNECT tunnels opened, per target host:port. */
  tunnels: Map<string, number>;
  /** Absolute-form requests forwarded, per target host:port. */
  forwarded: Map<string, number>;
  /** Requests refused (407 or 502), with the reason. */
  refused: { target: string; status: number }[];
  /** Tunnels plus forwarded requests for a target (host:port). */
  count(target: string): number;
  /** Every tunnel and forwarded request. */
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** Host names (beside 127.0.0.1 and localhost) this proxy resolves to 127.0.0.1. */
  hosts?: string[];
  /** Require these Basic credentials (Proxy-Authorization). */
  credentials?: { user: string; password: string };
}

function splitTarget(target: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, "").toLowerCase(), port: Number(m[2]) };
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels = new Map<string, number>();
  const forwarded = new Map<string, number>();
  const refused: ConnectProxy["refused"] = [];
  const local = new Set(["127.0.0.1", "localhost", "::1", ...(options.hosts ?? []).map((h) => h.toLowerCase())]);
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString("base64")}`
    : undefined;
  const sockets = new Set<Socket>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  /** The status to refuse with, or undefined when the request may pass. */
  const check = (req: IncomingMessage, target: string): number | undefined => {
    if (expected && req.headers["proxy-authorization"] !== expected) return 407;
    const t = splitTarget(target);
    if (!t || !local.has(t.host)) return 502;
    return undefined;
  };

  const server = createServer((req, res) => {
    // Absolute-form: http://host:port/path.
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    const target = `${url.hostname}:${url.port || "80"}`;
    const status = url.protocol === "http:" ? check(req, target) : 400;
    if (status) {
      refused.push({ target, status });
      res.writeHead(status, status === 407 ? { "proxy-authenticate": 'Basic realm="proxy"' } : {}).end();
      return;
    }
    bump(forwarded, target);
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = httpRequest(
      { host: "127.0.0.1", port: Number(url.port || 80), method: req.method, path: url.pathname + url.search, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });

  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    const status = check(req, target);
    if (status) {
      refused.push({ target, status });
      client.end(
        `HTTP/1.1 ${status} ${status === 407 ? "Proxy Authentication Required" : "Bad Gateway"}\r\n` +
          `${status === 407 ? 'Proxy-Authenticate: Basic realm="proxy"\r\n' : ""}Content-Length: 0\r\n\r\n`,
      );
      return;
    }
    const { port } = splitTarget(target)!;
    bump(tunnels, target);
    const upstream = connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const auth = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : "";
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    tunnels,
    forwarded,
    refused,
    count: (target) => (tunnels.get(target) ?? 0) + (forwarded.get(target) ?? 0),
    total: () => [...tunnels.values(), ...forwarded.values()].reduce((a, b) => a + b, 0),
    reset() {
      tunnels.clear();
      forwarded.clear();
      refused.length = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
