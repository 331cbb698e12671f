import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tool } from "./tools";
import { freePort, onFreePort } from "./tools";

export { freePort };

/**
 * A real OCI distribution registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with
 * filesystem storage in a temp dir, behind a small recording proxy on another port. The proxy records every
 * request (to count blob uploads), can inject failures, and can play a Bearer token service
 * (WWW-Authenticate challenge, /token, and ACR's /oauth2/exchange + /oauth2/token) in front of the registry.
 */

export function registryAvailability() {
  return tool("docker-registry", "apt-get install -y docker-registry");
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface BearerGate {
  username: string;
  password: string;
  /** The AAD access token a fake Entra ID credential hands out; /oauth2/exchange accepts only this one. */
  aadToken: string;
}

export interface RegistryService {
  /** `127.0.0.1:<port>` of the proxy: what clients use. */
  host: string;
  /** `127.0.0.1:<port>` of docker-registry itself (skips the proxy). */
  directHost: string;
  requests: RecordedRequest[];
  /** Return a status to answer instead of forwarding (e.g. 503), or undefined to forward. */
  inject: ((req: { method: string; path: string }) => number | undefined) | undefined;
  /** Stops the proxy and the registry (SIGTERM, SIGKILL after 3 s) and removes the storage. */
  stop(): Promise<void>;
}

export async function startRegistry(
  options: { htpasswd?: { username: string; password: string }; bearer?: BearerGate } = {},
): Promise<RegistryService> {
  const dir = mkdtempSync(join(tmpdir(), "oci-registry-"));
  const auth: string[] = [];
  if (options.htpasswd) {
    const hash = execFileSync("htpasswd", ["-nbB", options.htpasswd.username, options.htpasswd.password], {
      encoding: "utf8",
    });
    writeFileSync(join(dir, "htpasswd"), hash.trim() + "\n");
    auth.push("auth:", "  htpasswd:", "    realm: test", `    path: ${join(dir, "htpasswd")}`);
  }
  let started: { child: ChildProcess; directHost: string };
  try {
    started = await onFreePort(
      async (port) => {
        const lines = [
          "version: 0.1",
          "log:",
          "  level: error",
          "  accesslog:",
          "    disabled: true",
          "storage:",
          "  filesystem:",
          `    rootdirectory: ${join(dir, "data")}`,
          "  delete:",
          "    enabled: true",
          "http:",
          `  addr: 127.0.0.1:${port}`,
          `  secret: ${randomBytes(16).toString("hex")}`,
          ...auth,
        ];
        writeFileSync(join(dir, "config.yml"), lines.join("\n") + "\n");
        const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr?.on("data", (d) => {
          stderr = (stderr + d).slice(-4000);
        });
        const directHost = `127.0.0.1:${port}`;
        try {
          await waitReady(directHost, child, () => stderr);
        } catch (e) {
          await stopChild(child);
          throw e;
        }
        return { child, directHost };
      },
      (e) => /address already in use/.test(String(e)),
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { child, directHost } = started;
  // The proxy listens once the registry holds its port: listening on port 0 before could be handed that port.
  const proxy = await startProxy(directHost, options.bearer);
  return {
    host: proxy.host,
    directHost,
    requests: proxy.requests,
    get inject() {
      return proxy.state.inject;
    },
    set inject(fn) {
      proxy.state.inject = fn;
    },
    stop: async () => {
      await new Promise<void>((r) => proxy.server.close(() => r()));
      proxy.server.closeAllConnections();
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    try {
      const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not become ready on ${host} within 15 s: ${stderr()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

async function startProxy(upstream: string, bearer: BearerGate | undefined) {
  const requests: RecordedRequest[] = [];
  const state: { inject: RegistryService["inject"] } = { inject: undefined };
  const accessTokens = new Map<string, string[]>();
  const refreshTokens = new Set<string>();
  let host = "";
  const issue = (scopes: string[]) => {
    const token = randomBytes(12).toString("hex");
    accessTokens.set(token, scopes);
    return token;
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = req.method ?? "GET";
      const record = (status: number) => requests.push({ method, path: url.pathname + url.search, status });
      const body = Buffer.concat(chunks);
      const reply = (status: number, payload: unknown) => {
        record(status);
        json(res, status, payload);
      };
      if (bearer && url.pathname === "/token") {
        // Docker token spec: GET with Basic credentials, or POST grant_type=refresh_token.
        if (method === "GET") {
          const expected = `Basic ${Buffer.from(`${bearer.username}:${bearer.password}`).toString("base64")}`;
          if (req.headers.authorization !== expected) return reply(401, { details: "bad creds" });
          return reply(200, { token: issue(url.searchParams.getAll("scope")) });
        }
        const form = new URLSearchParams(body.toString());
        if (form.get("grant_type") !== "refresh_token" || !refreshTokens.has(form.get("refresh_token") ?? "")) {
          return reply(401, { details: "bad refresh token" });
        }
        return reply(200, { access_token: issue(form.getAll("scope").flatMap((s) => s.split(" "))) });
      }
      if (bearer && url.pathname === "/oauth2/exchange" && method === "POST") {
        const form = new URLSearchParams(body.toString());
        if (form.get("grant_type") !== "access_token" || form.get("access_token") !== bearer.aadToken) {
          return reply(401, { details: "bad aad token" });
        }
        const rt = randomBytes(12).toString("hex");
        refreshTokens.add(rt);
        return reply(200, { refresh_token: rt });
      }
      if (bearer && url.pathname.startsWith("/v2/")) {
        const repo = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(url.pathname)?.[1];
        const need = repo ? `repository:${repo}:${method === "GET" || method === "HEAD" ? "pull" : "push"}` : undefined;
        const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
        const granted = accessTokens.get(token);
        const ok =
          granted !== undefined &&
          (need === undefined ||
            granted.some((s) => {
              const [t, name, actions] = s.split(":");
              return (
                `${t}:${name}` === need.split(":").slice(0, 2).join(":") &&
                (actions ?? "").split(",").includes(need.split(":")[2] ?? "")
              );
            }));
        if (!ok) {
          record(401);
          res.writeHead(401, {
            "www-authenticate": `Bearer realm="http://${host}/token",service="test-registry"${repo ? `,scope="repository:${repo}:pull,push"` : ""}`,
            "content-type": "application/json",
          });
          return res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }));
        }
      }
      const injected = state.inject?.({ method, path: url.pathname + url.search });
      if (injected !== undefined) {
        record(injected);
        res.writeHead(injected, { "content-type": "application/json" });
        return res.end(JSON.stringify({ errors: [{ code: "INJECTED", message: "injected by test" }] }));
      }
      const headers = { ...req.headers };
      if (bearer) delete headers.authorization;
      const up = http.request(
        { host: "127.0.0.1", port: Number(upstream.split(":")[1]), method, path: req.url, headers },
        (ur) => {
          record(ur.statusCode ?? 0);
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      up.on("error", (e) => {
        record(502);
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { server, requests, state, host };
}

/** Blob uploads that completed (the final PUT of an upload session answered 201). */
export function completedBlobUploads(requests: RecordedRequest[]): number {
  return requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/") && r.status === 201).length;
}
