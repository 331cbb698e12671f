import { describe, expect, it } from "vitest";
import { bypassesProxy, proxyFor, redactProxy } from "./proxy-env";

const P = "http://proxy.corp:3128/";

describe("proxyFor", () => {
  it("takes HTTPS_PROXY for https targets and HTTP_PROXY for http ones", () => {
    const env = { HTTPS_PROXY: "http://secure.corp:8443", HTTP_PROXY: "http://plain.corp:8080" };
    expect(proxyFor("https://api.github.com/repos", env)?.host).toBe("secure.corp:8443");
    expect(proxyFor("http://registry.local:5000/v2/", env)?.host).toBe("plain.corp:8080");
    expect(proxyFor("https://api.github.com", { HTTP_PROXY: P })).toBeUndefined();
    expect(proxyFor("https://api.github.com", {})).toBeUndefined();
  });

  it("prefers the lower-case variable, and an empty one counts as unset", () => {
    expect(proxyFor("https://x.test", { https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:2" })?.host).toBe(
      "lower:1",
    );
    expect(proxyFor("https://x.test", { https_proxy: " ", HTTPS_PROXY: "http://upper:2" })?.host).toBe("upper:2");
  });

  it("reads host:port without a scheme as an http proxy, with its credentials", () => {
    const p = proxyFor("https://x.test", { HTTPS_PROXY: "alice:s%3Acret@proxy.corp:3128" })!;
    expect(p.href).toBe("http://alice:s%3Acret@proxy.corp:3128/");
    expect(redactProxy(p)).toBe("http://***@proxy.corp:3128");
  });

  it("refuses a proxy URL it cannot use, naming the variable and never its credentials", () => {
    expect(() => proxyFor("https://x.test", { HTTPS_PROXY: "socks5://u:secret@proxy:1080" })).toThrow(
      /^HTTPS_PROXY: only http:\/\/ and https:\/\/ proxies are supported \(got socks5:\/\/proxy:1080\)/,
    );
    expect(() => proxyFor("http://x.test", { http_proxy: "http://[bad" })).toThrow(/^http_proxy: not a proxy URL/);
    expect(() => proxyFor("http://x.test", { http_proxy: "http://[bad" })).not.toThrow(/bad/);
  });

  it("sends hosts NO_PROXY names directly", () => {
    const env = { HTTPS_PROXY: P, HTTP_PROXY: P, NO_PROXY: "localhost,127.0.0.1, .internal corp.example:8443" };
    expect(proxyFor("https://127.0.0.1:9000", env)).toBeUndefined();
    expect(proxyFor("http://localhost:8080", env)).toBeUndefined();
    expect(proxyFor("https://models.internal/v2", env)).toBeUndefined();
    expect(proxyFor("https://corp.example:8443", env)).toBeUndefined();
    expect(proxyFor("https://corp.example", env)?.href).toBe(P);
    expect(proxyFor("https://api.github.com", env)?.href).toBe(P);
    expect(proxyFor("https://x.test", { HTTPS_PROXY: P, no_proxy: "*" })).toBeUndefined();
  });
});

describe("bypassesProxy", () => {
  const url = (s: string) => new URL(s);
  it.each([
    ["https://blob.core.windows.net", "core.windows.net", true],
    ["https://acct.blob.core.windows.net", "core.windows.net", true],
    ["https://acct.blob.core.windows.net", ".core.windows.net", true],
    ["https://acct.blob.core.windows.net", "*.core.windows.net", true],
    ["https://notcore.windows.net", "core.windows.net", false],
    ["https://core.windows.net.evil.test", "core.windows.net", false],
    ["https://registry.local:5000", "registry.local:5000", true],
    ["https://registry.local:5001", "registry.local:5000", false],
    ["https://registry.local", "registry.local:443", true],
    ["http://[::1]:8080", "::1", true],
    ["http://[::1]:8080", "[::1]:8080", true],
    ["https://API.GitHub.com", "api.github.com", true],
    ["https://api.github.com", "", false],
    ["https://api.github.com", " , ,", false],
  ])("%s with NO_PROXY=%j: %s", (target, noProxy, expected) => {
    expect(bypassesProxy(url(target), noProxy)).toBe(expected);
  });
});
