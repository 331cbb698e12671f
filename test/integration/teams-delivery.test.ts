import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingLogger } from "../../shared/log";
import {
  buildApprovalCard,
  buildPayload,
  type DeliveryResult,
  deliver,
  renderApprovalMarkdown,
  validateWebhookUrl,
} from "../../shared/teams";
import { exampleApprovalInput } from "../../shared/teams/example-input";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";

let server: TeamsCaptureServer;
beforeEach(async () => {
  server = await startTeamsCapture();
});
afterEach(async () => {
  await server.close();
});

/** deliver() with a recording sleep (no real waiting) and a recording logger. */
async function send(
  payload: unknown,
  options: { retries?: number; timeoutMs?: number; random?: () => number; clock?: () => number } = {},
) {
  const slept: number[] = [];
  const logger = recordingLogger();
  const result = await deliver(payload, {
    url: server.webhookUrl,
    retries: options.retries ?? 3,
    timeoutMs: options.timeoutMs ?? 5000,
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: options.random ?? (() => 0.5),
    clock: options.clock ?? Date.now,
    logger,
  });
  return { result, slept, logger };
}

function expectNoSecret(result: DeliveryResult, lines: { message: string }[]): void {
  const everything = [JSON.stringify(result), ...lines.map((l) => l.message)].join("\n");
  for (const secret of [...server.secrets, server.webhookUrl]) expect(everything).not.toContain(secret);
}

const payload = () => buildPayload(buildApprovalCard(exampleApprovalInput())).payload;

describe("teams delivery to a local Workflows trigger", () => {
  it("posts the envelope as JSON once and reports 202 as delivered", async () => {
    const { result, slept, logger } = await send(payload());
    expect(result).toEqual({ delivered: true, status: 202, attempts: 1, waitedMs: [] });
    expect(slept).toEqual([]);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toMatch(/^application\/json/);
    expect(new URL(server.webhookUrl).pathname + new URL(server.webhookUrl).search).toBe(req.url);
    const body = req.json as {
      type: string;
      attachments: {
        contentType: string;
        contentUrl: null;
        content: { type: string; version: string; actions: { type: string; url: string }[] };
      }[];
    };
    expect(body.type).toBe("message");
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.attachments[0]!.content.type).toBe("AdaptiveCard");
    expect(body.attachments[0]!.content.version).toBe("1.5");
    expect(body.attachments[0]!.content.actions[0]).toMatchObject({
      type: "Action.OpenUrl",
      url: "https://github.com/contoso/predictive-maintenance/actions/runs/987654321",
    });
    expect(req.body).toContain("Approve ai4i-failure v13 for production");
    expect(logger.lines.some((l) => l.message.includes("accepted the message (HTTP 202"))).toBe(true);
    expectNoSecret(result, logger.lines);
  });

  it("waits what Retry-After says after a 429, then succeeds", async () => {
    server.script([{ status: 429, headers: { "retry-after": "7" }, body: '{"error":"throttled"}' }]);
    const { result, slept, logger } = await send(payload());
    expect(result.delivered).toBe(true);
    expect(result.attempts).toBe(2);
    expect(slept).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
    expect(logger.lines.some((l) => l.level === "warning" && l.message.includes("(Retry-After)"))).toBe(true);
    expectNoSecret(result, logger.lines);
  });

  it("reads an HTTP-date Retry-After against the injected clock and caps it", async () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    server.script([
      { status: 503, headers: { "retry-after": "Thu, 01 Jan 2026 00:00:04 GMT" } },
      { status: 429, headers: { "retry-after": "3600" } },
    ]);
    const { result, slept } = await send(payload(), { clock: () => now });
    expect(result).toMatchObject({ delivered: true, status: 202, attempts: 3 });
    expect(slept).toEqual([4000, 30_000]);
  });

  it("retries 503 twice with growing jittered backoff, then gets 200", async () => {
    server.script([{ status: 503 }, { status: 503 }, { status: 200, body: "1" }]);
    const randoms = [0, 0.999];
    const { result, slept } = await send(payload(), { random: () => randoms.shift() ?? 0.5 });
    expect(result).toEqual({ delivered: true, status: 200, attempts: 3, waitedMs: slept });
    expect(slept).toHaveLength(2);
    // Equal jitter: attempt n waits in [base*2^n / 2, base*2^n].
    expect(slept[0]).toBeGreaterThanOrEqual(500);
    expect(slept[0]).toBeLessThanOrEqual(1000);
    expect(slept[1]).toBeGreaterThanOrEqual(1000);
    expect(slept[1]).toBeLessThanOrEqual(2000);
    expect(slept[1]!).toBeGreaterThan(slept[0]!);
    expect(server.requests).toHaveLength(3);
  });

  it("gives up after the retries on a hanging socket, with status 0", async () => {
    server.script([{ hang: true }, { hang: true }]);
    const { result, slept, logger } = await send(payload(), { retries: 1, timeoutMs: 250 });
    expect(result.delivered).toBe(false);
    expect(result.status).toBe(0);
    expect(result.attempts).toBe(2);
    expect(slept).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(result.error).toMatch(/^webhook-url: Teams did not answer \(no answer within 250 ms after 2 attempts\)/);
    expectNoSecret(result, logger.lines);
  });

  it("does not retry a 400 and explains it", async () => {
    server.script([{ status: 400, body: `{"error":"Bad card for ${server.webhookUrl}"}` }]);
    const { result, slept, logger } = await send(payload());
    expect(result).toMatchObject({ delivered: false, status: 400, attempts: 1 });
    expect(slept).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(result.error).toMatch(
      /^notify-teams: Teams rejected the card \(got HTTP 400: \{"error":"Bad card for \*\*\*"\} after 1 attempt\)/,
    );
    expectNoSecret(result, logger.lines);
  });

  it("does not retry a wrong signature (401) or a deleted flow (404)", async () => {
    const wrongSig = server.webhookUrl.replace(/sig=[^&]+/, "sig=wrong");
    const r401 = await deliver(payload(), { url: wrongSig, sleep: async () => {}, retries: 3 });
    expect(r401).toMatchObject({ delivered: false, status: 401, attempts: 1 });
    expect(r401.error).toMatch(/^webhook-url: the webhook refused the request/);
    const gone = server.webhookUrl.replace("/workflows/", "/workflows/0");
    const r404 = await deliver(payload(), { url: gone, sleep: async () => {}, retries: 3 });
    expect(r404).toMatchObject({ delivered: false, status: 404, attempts: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it("never retries faster than Teams' 4 requests per second, even without Retry-After", async () => {
    server.script([{ status: 429 }, { status: 429 }, { status: 429 }, { status: 429 }]);
    const { result, slept } = await send(payload(), { retries: 4, random: () => 0 });
    expect(result).toMatchObject({ delivered: true, attempts: 5 });
    expect(slept).toEqual([500, 1000, 2000, 4000]);
    for (const ms of slept) expect(ms).toBeGreaterThanOrEqual(250);
  });

  it("does not follow a redirect (the card would go elsewhere)", async () => {
    server.script([{ status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" } }]);
    const { result, slept } = await send(payload());
    expect(result).toMatchObject({ delivered: false, status: 302, attempts: 1 });
    expect(slept).toEqual([]);
    expect(result.error).toMatch(/^webhook-url: the webhook answered with a redirect \(got HTTP 302 after 1 attempt\)/);
    expect(server.requests).toHaveLength(1);
  });

  it("retries 408 and a connection reset", async () => {
    server.script([{ status: 408 }, { reset: true }]);
    const { result, slept } = await send(payload());
    expect(result).toMatchObject({ delivered: true, status: 202, attempts: 3 });
    expect(slept).toHaveLength(2);
  });

  it("reads a legacy connector's 200 with an error in the body as that error", async () => {
    server.script([
      {
        status: 200,
        body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId ...",
      },
      { status: 200, body: "1" },
    ]);
    const { result, slept } = await send(payload());
    expect(result).toMatchObject({ delivered: true, status: 200, attempts: 2 });
    expect(slept).toHaveLength(1);
  });

  it("reports a refused connection without the URL", async () => {
    const url = server.webhookUrl;
    await server.close();
    const logger = recordingLogger();
    const result = await deliver(payload(), { url, retries: 2, sleep: async () => {}, logger });
    expect(result).toMatchObject({ delivered: false, status: 0, attempts: 3 });
    expect(result.error).toMatch(/network error \(ECONNREFUSED\)/);
    expectNoSecret(result, logger.lines);
    server = await startTeamsCapture();
  });

  it("an oversized card gets 413 untrimmed, and arrives once trimmed under the limit", async () => {
    const facts = Array.from({ length: 600 }, (_, i) => ({ title: `feature_${i}`, value: `importance ${i / 600}` }));
    const card = buildApprovalCard(exampleApprovalInput({ facts }));
    const untrimmed = {
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
    };
    const raw = await send(untrimmed);
    expect(raw.result).toMatchObject({ delivered: false, status: 413, attempts: 1 });
    expect(raw.result.error).toMatch(/^notify-teams: the message is too large for Teams/);

    const built = buildPayload(card);
    expect(built.trimmed[0]).toMatch(/extra facts$/);
    const ok = await send(built.payload);
    expect(ok.result).toMatchObject({ delivered: true, status: 202 });
    expect(server.requests.at(-1)!.body).toContain("Trimmed to fit the Teams message size limit");
  });

  it("the URL never shows in validation, summaries or any failure path", async () => {
    const scenarios: Parameters<TeamsCaptureServer["script"]>[0][] = [
      [{ status: 500, body: server.webhookUrl }],
      [{ status: 403, body: `denied ${server.secrets.join(" ")}` }],
      [{ status: 429 }],
      [{ hang: true }],
    ];
    const local = validateWebhookUrl(server.webhookUrl, { allowLocal: true });
    expect(local.redacted).not.toContain(server.secrets[0]!);
    for (const replies of scenarios) {
      server.script([...replies, ...replies]);
      const { result, logger } = await send(payload(), { retries: 1, timeoutMs: 200 });
      expect(result.delivered).toBe(false);
      expectNoSecret(result, logger.lines);
    }
    const md = renderApprovalMarkdown(exampleApprovalInput());
    for (const secret of server.secrets) expect(md).not.toContain(secret);
  });
});
