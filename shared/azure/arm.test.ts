/**
 * ArmClient against the local Resource Manager stand-in (test/services/azureml/arm-server.ts), whose
 * answers follow https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
 * (201/202 + Azure-AsyncOperation / Location + Retry-After; operation status InProgress → Succeeded |
 * Failed | Canceled) and the ARM error body `{ "error": { "code", "message" } }`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_VERSION,
  armError,
  type FakeArm,
  fakeCredential,
  startFakeArm,
} from "../../test/services/azureml/arm-server";
import { isUserError } from "../errors";
import { recordingLogger } from "../log";
import { ArmClient, ArmError } from "./arm";

let fake: FakeArm;
const noSleep = { sleep: async () => {}, pollIntervalMs: 1, baseDelayMs: 1 };
const slept: number[] = [];

/** The error a call ends with (fails the test when it succeeds). */
async function failure(p: Promise<unknown>): Promise<ArmError> {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e as ArmError,
  );
}

function client(extra: Partial<ConstructorParameters<typeof ArmClient>[0]> = {}) {
  return new ArmClient({
    credential: fakeCredential(fake.token),
    endpoint: fake.url,
    apiVersion: API_VERSION,
    service: "Azure ML",
    ...noSleep,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
    ...extra,
  });
}

beforeAll(async () => {
  fake = await startFakeArm({ spec: false });
  const things = new Map<string, { name: string; properties: Record<string, unknown> }>();
  fake.route("GET", /^\/things\/([^/]+)$/, (r) => {
    const t = things.get(r.params[0] ?? "");
    return t ? { status: 200, body: t } : armError(404, "ResourceNotFound", "The resource was not found.");
  });
  // Like a documented Azure ML PUT: 201 with Azure-AsyncOperation; the resource reads Creating until the operation ends.
  fake.route("PUT", /^\/things\/([^/]+)$/, (r) => {
    const name = r.params[0] ?? "";
    const failing = name.startsWith("bad");
    const thing = {
      name,
      properties: { ...(r.body as { properties?: object }).properties, provisioningState: "Creating" },
    };
    things.set(name, thing);
    const { headers } = fake.operation({
      polls: 2,
      final: failing ? "Failed" : "Succeeded",
      error: failing ? { code: "BadArgument", message: "instance type Standard_X is not supported" } : undefined,
      onDone: () => {
        thing.properties.provisioningState = failing ? "Failed" : "Succeeded";
      },
    });
    return { status: 201, headers, body: thing };
  });
  // DELETE answers 202 + Location only (no Azure-AsyncOperation): poll Location until 200/204.
  fake.route("DELETE", /^\/things\/([^/]+)$/, (r) => {
    const { headers } = fake.operation({ polls: 1, onDone: () => things.delete(r.params[0] ?? "") });
    return { status: 202, headers: { location: headers.location ?? "", "retry-after": "0" } };
  });
  // A PUT that reports progress only through provisioningState.
  let polls = 0;
  fake.route("PUT", /^\/states\/x$/, () => {
    polls = 0;
    return { status: 201, body: { name: "x", properties: { provisioningState: "Updating" } } };
  });
  fake.route("GET", /^\/states\/x$/, () => {
    polls++;
    return {
      status: 200,
      body: { name: "x", properties: { provisioningState: polls < 3 ? "Updating" : "Succeeded" } },
    };
  });
});
afterAll(() => fake?.close());

describe("ArmClient", () => {
  it("sends the token and api-version, and returns undefined for a missing resource", async () => {
    const arm = client();
    expect(await arm.getIfExists("/things/nope")).toBeUndefined();
    const last = fake.requests.at(-1);
    expect(last?.query["api-version"]).toBe(API_VERSION);
    expect(last?.status).toBe(404);
  });

  it("follows Azure-AsyncOperation to Succeeded and returns the resource as GET shows it", async () => {
    const statuses: string[] = [];
    const arm = client();
    const before = fake.requests.length;
    const r = await arm.lro<{ properties: { provisioningState: string; size: number } }>("PUT", "/things/a", {
      body: { properties: { size: 3 } },
      onStatus: (s) => statuses.push(s),
    });
    expect(r.properties).toEqual({ size: 3, provisioningState: "Succeeded" });
    expect(statuses).toEqual(["InProgress", "InProgress", "Succeeded"]);
    const seen = fake.requests.slice(before).map((q) => `${q.method} ${q.path.replace(/[0-9a-f-]{36}/, "<id>")}`);
    expect(seen).toEqual([
      "PUT /things/a",
      "GET /operations/<id>",
      "GET /operations/<id>",
      "GET /operations/<id>",
      "GET /things/a",
    ]);
    // The operation URL is used as given: no api-version added to it.
    expect(fake.requests.slice(before)[1]?.query["api-version"]).toBeUndefined();
  });

  it("turns an operation that ends Failed into an error with the service's code and message", async () => {
    const err = await failure(client().lro("PUT", "/things/bad-one", { body: { properties: {} } }));
    expect(err).toBeInstanceOf(ArmError);
    expect((err as ArmError).message).toMatch(/PUT \/things\/bad-one ended Failed/);
    expect((err as ArmError).message).toMatch(/BadArgument: instance type Standard_X is not supported/);
    expect(isUserError(err)).toBe(true);
  });

  it("follows Location when there is no Azure-AsyncOperation (202 → 202 → 200)", async () => {
    const arm = client();
    await arm.lro("PUT", "/things/to-delete", { body: { properties: {} } });
    await arm.lro("DELETE", "/things/to-delete");
    expect(await arm.getIfExists("/things/to-delete")).toBeUndefined();
  });

  it("polls provisioningState when the PUT gives no operation header", async () => {
    const r = await client().lro<{ properties: { provisioningState: string } }>("PUT", "/states/x", { body: {} });
    expect(r.properties.provisioningState).toBe("Succeeded");
  });

  it("retries 429 after the Retry-After delay, and 5xx and dropped connections with backoff", async () => {
    const log = recordingLogger();
    fake.fault({
      method: "GET",
      path: /^\/things\/a$/,
      status: 429,
      headers: { "retry-after": "7" },
      body: { error: { code: "TooManyRequests", message: "slow down" } },
    });
    fake.fault({ method: "GET", path: /^\/things\/a$/, status: 503, times: 2 });
    fake.fault({ method: "GET", path: /^\/things\/a$/, status: 0, drop: true });
    slept.length = 0;
    const r = await client({ logger: log }).get<{ name: string }>("/things/a");
    expect(r.name).toBe("a");
    expect(slept[0]).toBe(7000);
    expect(slept).toHaveLength(4);
    expect(log.lines.filter((l) => l.level === "warning").map((l) => l.message)).toEqual([
      expect.stringMatching(/HTTP 429 TooManyRequests; retrying in 7\.0 s \(Retry-After\)/),
      expect.stringMatching(/HTTP 503; retrying/),
      expect.stringMatching(/HTTP 503; retrying/),
      expect.stringMatching(/GET \/things\/a: .*; retrying/),
    ]);
  });

  it("gives up after the retries with the last status and a hint", async () => {
    fake.fault({
      method: "GET",
      path: /^\/things\/a$/,
      status: 500,
      times: 3,
      body: { error: { code: "InternalServerError", message: "boom" } },
    });
    const err = await failure(client({ retries: 2 }).get("/things/a"));
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/got HTTP 500 InternalServerError: boom after 3 attempts/);
    expect(err.message).toMatch(/run again later \(request id [0-9a-f-]{36}\)/);
  });

  it("a refused token: one refresh, then an error that says to sign in with azure/login", async () => {
    let calls = 0;
    const arm = client({
      credential: {
        async getToken() {
          calls++;
          return { token: "not-the-token", expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      },
    });
    const err = await failure(arm.get("/things/a"));
    expect(calls).toBe(2);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/InvalidAuthenticationToken/);
    expect(err.message).toMatch(/azure\/login/);
    expect(err.message).not.toContain("not-the-token");
  });

  it("403 names the role to grant; 400 passes the service's message", async () => {
    fake.fault({
      path: /^\/things\/a$/,
      status: 403,
      body: {
        error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action." },
      },
    });
    const forbidden = await failure(client().get("/things/a"));
    expect(forbidden.message).toMatch(/AuthorizationFailed.*AzureML Data Scientist/);
    const bad = await failure(client({ apiVersion: "2019-01-01" }).get("/things/a"));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/InvalidApiVersionParameter: The api-version '2019-01-01' is invalid/);
  });

  it("a credential that cannot sign in fails before any request, saying how to sign in", async () => {
    const before = fake.requests.length;
    const err = await failure(
      client({
        credential: {
          async getToken() {
            throw new Error("AzureCliCredential: Please run 'az login' to set up an account.");
          },
        },
      }).get("/things/a"),
    );
    expect(err.message).toMatch(/could not get an Azure token .*az login.*azure\/login with OIDC/);
    expect(fake.requests.length).toBe(before);
  });

  it("stops polling at the deadline, and when the signal aborts", async () => {
    fake.route("PUT", /^\/slow$/, () => {
      const { headers } = fake.operation({ polls: 1000 });
      return { status: 201, headers, body: {} };
    });
    const timeout = await failure(client({ pollIntervalMs: 1 }).lro("PUT", "/slow", { body: {}, timeoutMs: 30 }));
    // The fake sleeps instantly, so the deadline is reached by polling; a real client waits Retry-After.
    expect(timeout.message).toMatch(
      /^Azure ML: PUT \/slow did not finish in time \(got status InProgress after \d+\.\d s\)\. The operation may still complete in Azure: check it in the Azure portal, or raise the step's timeout\.$/,
    );

    const controller = new AbortController();
    const arm = new ArmClient({
      credential: fakeCredential(fake.token),
      endpoint: fake.url,
      apiVersion: API_VERSION,
      pollIntervalMs: 10_000,
      signal: controller.signal,
    });
    const pending = arm.lro("PUT", "/slow", { body: {} });
    setTimeout(() => controller.abort(new Error("cancelled by test")), 50);
    await expect(pending).rejects.toThrow("cancelled by test");
  });

  it("refuses to send a token over plain http to another machine, or to another origin", () => {
    expect(() => client({ endpoint: "http://management.example.com" })).toThrow(/must be https/);
    expect(() => client().url("https://evil.example.com/x")).toThrow(/refusing to send the token/);
  });
});
