/**
 * Which proxy, if any, a request goes through: the rule curl made common and GitHub's own actions follow
 * (@actions/http-client, undici's EnvHttpProxyAgent). `https_proxy`/`HTTPS_PROXY` for https targets,
 * `http_proxy`/`HTTP_PROXY` for http ones (the lower-case name wins when both are set, as in both
 * libraries), and `no_proxy`/`NO_PROXY` lists the hosts reached directly.
 *
 * NO_PROXY entries, separated by commas or spaces: `*` (everything), a host name or IP (`example.com`
 * also matches its subdomains; a leading `.` or `*.` is the same), optionally with a port
 * (`registry.local:5000` matches that port only). Loopback is not special: like undici and the Azure SDK,
 * and unlike @actions/http-client, a request to 127.0.0.1 uses the proxy unless NO_PROXY names it, so a
 * runner sets `NO_PROXY=localhost,127.0.0.1` as usual.
 */
import { UserError } from "../errors";

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The value of the lower-case variable, else the upper-case one; empty counts as unset. */
function variable(env: ProxyEnv, name: string): { name: string; value: string } | undefined {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) {
    const v = env[n]?.trim();
    if (v) return { name: n, value: v };
  }
  return undefined;
}

/** The proxy URL from a variable's value: `host:port` alone means http://host:port (curl and @actions/http-client). */
export function parseProxyUrl(name: string, value: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (e) {
    throw new UserError(
      `${name}: not a proxy URL (got a value of ${value.length} characters). Set it to http://<host>:<port>, with user:password@ before the host if the proxy asks for them.`,
      { cause: e },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UserError(
      `${name}: only http:// and https:// proxies are supported (got ${url.protocol}//${url.host}). Use the proxy's HTTP CONNECT address.`,
    );
  if (!url.hostname)
    throw new UserError(
      `${name}: the proxy URL names no host (got ${url.protocol}//). Set it to http://<host>:<port>.`,
    );
  return url;
}

/** The host without IPv6 brackets, lower-cased. */
const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();

const defaultPort = (url: URL) => url.port || (url.protocol === "https:" || url.protocol === "wss:" ? "443" : "80");

/** Whether NO_PROXY sends a request to `url` directly. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = bare(url.hostname);
  const port = defaultPort(url);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    let entryPort: string | undefined;
    const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (m) {
      entry = m[1]!;
      entryPort = m[2];
    }
    entry = bare(entry).replace(/^\*?\./, "");
    if (!entry || (entryPort && entryPort !== port)) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy a request to `target` goes through, or undefined to connect directly. */
export function proxyFor(target: URL | string, env: ProxyEnv = process.env): URL | undefined {
  const url = typeof target === "string" ? new URL(target) : target;
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const proxy = variable(env, secure ? "https_proxy" : "http_proxy");
  if (!proxy) return undefined;
  const noProxy = variable(env, "no_proxy");
  if (noProxy && bypassesProxy(url, noProxy.value)) return undefined;
  return parseProxyUrl(proxy.name, proxy.value);
}

/** The proxy variables that matter, as one key: clients built for one environment are reused for it. */
export function proxyEnvKey(env: ProxyEnv = process.env): string {
  return ["https_proxy", "http_proxy", "no_proxy"]
    .map((n) => `${variable(env, n)?.name ?? ""}=${variable(env, n)?.value ?? ""}`)
    .join("\n");
}

/** A proxy URL safe to print: without its user name and password. */
export function redactProxy(url: URL): string {
  return `${url.protocol}//${url.username || url.password ? "***@" : ""}${url.host}`;
}
