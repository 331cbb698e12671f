import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { recordingLogger } from "../log";
import { parseChallenge } from "./auth";
import { sha256Digest } from "./digest";
import { OCI_MANIFEST } from "./media-types";
import { RegistryClient } from "./registry-client";

describe("parseChallenge", () => {
  it("reads Docker Hub's Bearer challenge and Basic realms", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/node:pull",
      },
    });
    expect(parseChallenge('Basic realm="test"')).toEqual({ scheme: "basic", params: { realm: "test" } });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

/** A local HTTP server whose answers each test scripts: status codes in order, or a hang. */
describe("RegistryClient retries and errors (local HTTP server)", () => {
  let server: http.Server;
  let host: string;
  let script: (string | number)[] = [];
  let hits = 0;
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      const next = script.shift() ?? 200;
      if (next === "hang") return; // never answers; the client's timeout must fire
      res.statusCode = next as number;
      res.setHeader("content-type", OCI_MANIFEST);
      res.end(next === 200 ? manifest : `{"errors":[{"code":"X","message":"status ${next}"}]}`);
      void req;
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const client = (extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) => {
    const delays: number[] = [];
    const logger = recordingLogger();
    const c = new RegistryClient({
      registry: host,
      retryDelayMs: 10,
      sleep: async (ms) => {
        delays.push(ms);
      },
      logger,
      ...extra,
    });
    return { c, delays, logger };
  };

  it("retries 5xx and 429 with doubling back-off, then succeeds", async () => {
    script = [503, 429, 200];
    hits = 0;
    const { c, delays, logger } = client();
    const m = await c.getManifest("edge/model", "1");
    expect(m?.digest).toBe(sha256Digest(manifest));
    expect(hits).toBe(3);
    expect(delays).toEqual([10, 20]);
    expect(c.stats.retries).toBe(2);
    expect(logger.lines.filter((l) => l.level === "warning")).toHaveLength(2);
  });

  it("gives up after the attempts with a user error naming the registry and status", async () => {
    script = [502, 502, 502];
    const { c } = client({ attempts: 3 });
    const err = await c.getManifest("edge/model", "1").catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /^registry: 127\.0\.0\.1:\d+ failed GET manifest edge\/model:1 \(got HTTP 502/,
    );
  });

  it("times out a hanging request and retries it", async () => {
    script = ["hang", 200];
    const { c } = client({ timeoutMs: 200 });
    expect((await c.getManifest("edge/model", "1"))?.mediaType).toBe(OCI_MANIFEST);
  });

  it("an unreachable registry is a user error after the attempts", async () => {
    const dead = new RegistryClient({ registry: "127.0.0.1:1", attempts: 2, retryDelayMs: 1 });
    await expect(dead.hasBlob("a/b", `sha256:${"0".repeat(64)}`)).rejects.toThrow(
      /^registry: 127\.0\.0\.1:1 is unreachable \(got .* after 2 attempts\)/,
    );
  });

  it("404 is undefined, 403 a permission error, content that does not match its digest a user error naming it", async () => {
    script = [404, 403];
    const { c } = client();
    expect(await c.getManifest("edge/model", "missing")).toBeUndefined();
    await expect(c.getManifest("edge/model", "1")).rejects.toThrow(/^auth: registry .* denied GET manifest .*HTTP 403/);
    script = [200];
    const wrong = `sha256:${"1".repeat(64)}`;
    const err = await c.getManifest("edge/model", wrong).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`manifest ${wrong} does not match its digest \\(got sha256:`));
    script = [200];
    const blob = await c.getBlob("edge/model", wrong).catch((e: unknown) => e);
    expect(isUserError(blob)).toBe(true);
    expect((blob as Error).message).toMatch(new RegExp(`blob ${wrong} does not match its digest`));
    // A digest that is not sha256:<64 hex> never reaches a URL.
    const odd = await c.getBlob("edge/model", "sha256:../../v2/_catalog").catch((e: unknown) => e);
    expect((odd as Error).message).toMatch(/digest is not sha256:<64 hex>/);
  });
});
