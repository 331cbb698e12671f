import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isUserError } from "../../shared/errors";
import { recordingLogger } from "../../shared/log";
import { exampleApprovalInput, runNotifyTeams } from "../../shared/teams";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";

let server: TeamsCaptureServer;
let dir: string;
beforeEach(async () => {
  server = await startTeamsCapture();
  dir = await mkdtemp(join(tmpdir(), "teams-notify-"));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const noWait = async () => {};

function expectNoSecret(...texts: string[]): void {
  const all = texts.join("\n");
  for (const s of [...server.secrets, server.webhookUrl]) expect(all).not.toContain(s);
}

describe("runNotifyTeams (the notify-teams step) against a local Workflows trigger", () => {
  it("dry run without a webhook writes the card and the summary and posts nothing", async () => {
    const logger = recordingLogger();
    const r = await runNotifyTeams({ input: exampleApprovalInput(), cardPath: join(dir, "card.json"), logger });
    expect(r).toMatchObject({ delivered: false, status: "dry-run", attempts: 0, trimmed: [] });
    expect(server.requests).toHaveLength(0);
    const written = JSON.parse(await readFile(r.cardPath, "utf8"));
    expect(written.attachments[0].content.version).toBe("1.5");
    expect(r.summary).toContain("### Approve ai4i-failure v13 for production");
    expect(r.summary).toContain("Dry run (no webhook-url given)");
  });

  it("posts the same payload it writes to card-path and reports the 202", async () => {
    const logger = recordingLogger();
    const r = await runNotifyTeams({
      input: exampleApprovalInput(),
      webhookUrl: server.webhookUrl,
      allowLocal: true,
      cardPath: join(dir, "out", "card.json"),
      logger,
    });
    expect(r).toMatchObject({ delivered: true, status: 202, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.json).toEqual(JSON.parse(await readFile(r.cardPath, "utf8")));
    expect(r.summary).toContain("HTTP 202: queued");
    expectNoSecret(r.summary, JSON.stringify(r), ...logger.lines.map((l) => l.message));
  });

  it("a Teams outage warns loudly, returns delivered=false and does not throw by default", async () => {
    server.script(Array.from({ length: 5 }, () => ({ status: 503, body: "Service Unavailable" })));
    const logger = recordingLogger();
    const r = await runNotifyTeams({
      input: exampleApprovalInput(),
      webhookUrl: server.webhookUrl,
      allowLocal: true,
      cardPath: join(dir, "card.json"),
      retries: 4,
      sleep: noWait,
      logger,
    });
    expect(r).toMatchObject({ delivered: false, status: 503, attempts: 5 });
    expect(server.requests).toHaveLength(5);
    expect(logger.lines.at(-1)).toMatchObject({ level: "warning" });
    expect(logger.lines.at(-1)!.message).toMatch(/^Teams approval request NOT delivered: webhook-url: Teams failed/);
    expect(r.summary).toContain("**Warning:** the Teams message was not delivered.");
    expectNoSecret(r.summary, JSON.stringify(r), ...logger.lines.map((l) => l.message));
  });

  it("fail-on-error turns a failed delivery into a UserError without the URL", async () => {
    server.script([{ status: 404, body: `no flow at ${server.webhookUrl}` }]);
    let caught: unknown;
    try {
      await runNotifyTeams({
        input: exampleApprovalInput(),
        webhookUrl: server.webhookUrl,
        allowLocal: true,
        cardPath: join(dir, "card.json"),
        failOnError: true,
        sleep: noWait,
      });
    } catch (e) {
      caught = e;
    }
    expect(isUserError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/^webhook-url: no webhook at this URL \(got HTTP 404: no flow at \*\*\*/);
    expectNoSecret((caught as Error).message);
  });

  it("refuses a non-https webhook before building anything", async () => {
    await expect(
      runNotifyTeams({
        input: exampleApprovalInput(),
        webhookUrl: server.webhookUrl,
        cardPath: join(dir, "card.json"),
      }),
    ).rejects.toThrow(/^webhook-url: must use https/);
    expect(server.requests).toHaveLength(0);
  });
});
