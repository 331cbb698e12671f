/** notify-teams through dist/, as the runner runs it, against a local Teams webhook stand-in. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { startTeamsCapture, type TeamsCaptureServer } from "../services/teams-capture";

/** What a person can read: the log without the ::add-mask:: commands (the runner consumes those). */
const visible = (s: string) =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("::add-mask::"))
    .join("\n");

const compareOutputs = JSON.stringify({
  decision: "promote",
  reason: "roc_auc improved by 0.031 (min 0.002).",
  "candidate-version": "7",
  "champion-version": "6",
  "candidate-metrics": JSON.stringify({ roc_auc: 0.962, recall: 0.71 }),
  "champion-metrics": JSON.stringify({ roc_auc: 0.931, recall: 0.7 }),
  rules: JSON.stringify([{ metric: "roc_auc", passed: true }]),
});

describe("notify-teams (bundled)", () => {
  let teams: TeamsCaptureServer;
  beforeAll(async () => {
    teams = await startTeamsCapture();
  });
  afterAll(async () => {
    await teams.close();
  });

  it("posts the approval card with the comparison's metrics and a link to the run, never leaking the URL", async () => {
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": teams.webhookUrl, model: "failure-predictor", "compare-outputs": compareOutputs },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ delivered: "true", status: "202" });
    const posted = teams.requests.at(-1)!;
    expect(posted.headers["content-type"]).toMatch(/application\/json/);
    const body = posted.json as { type: string; attachments: { contentType: string; content: { version: string } }[] };
    expect(body.type).toBe("message");
    expect(body.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = JSON.stringify(body.attachments[0]!.content);
    for (const text of [
      "failure-predictor",
      "roc_auc",
      "0.962",
      "https://github.com/acme/plant-models/actions/runs/4242",
    ]) {
      expect(card).toContain(text);
    }
    expect(JSON.parse(readFileSync(r.outputs["card-path"]!, "utf8"))).toEqual(body);
    const printed = visible(r.stdout) + r.stderr + r.summary + JSON.stringify(r.outputs);
    for (const secret of teams.secrets) expect(printed).not.toContain(secret);
    expect(r.summary).toContain("roc_auc");
  });

  it("warns and reports delivered=false when Teams keeps failing (fail-on-error off)", async () => {
    teams.script([{ status: 503 }, { status: 503 }]);
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": teams.webhookUrl, model: "m", retries: "1", decision: "promote" },
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ delivered: "false", status: "503" });
    expect(r.warnings.join()).toMatch(/NOT delivered/);
    for (const secret of teams.secrets) expect(visible(r.stdout)).not.toContain(secret);
  });

  it("masks a signature the server echoes in another encoding, in warnings and the summary", async () => {
    const sig = "AbC+dEf/gHi=jKl+MnO/pQr=";
    const url = new URL(teams.webhookUrl);
    url.searchParams.set("sig", sig); // written percent-encoded: AbC%2BdEf%2FgHi%3D...
    // The endpoint answers with the signature decoded, and re-encoded the way another library writes it.
    teams.script([{ status: 401, body: `bad signature ${sig} (sent ${encodeURIComponent(sig)})` }]);
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": url.href, model: "m" },
    });
    expect(r.exitCode).toBe(0);
    expect(r.warnings.join()).toMatch(/NOT delivered/);
    for (const form of [sig, encodeURIComponent(sig), url.searchParams.toString().match(/sig=([^&]+)/)![1]!]) {
      expect(visible(r.stdout)).not.toContain(form);
      expect(r.summary).not.toContain(form);
      expect(r.masks).toContain(form);
    }
  });

  it("fails the step with fail-on-error", async () => {
    teams.script([{ status: 400, body: "Bad payload" }]);
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": teams.webhookUrl, model: "m", "fail-on-error": "true" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringMatching(/400/)]);
  });

  it("writes the card and the summary without posting when no webhook is given", async () => {
    const before = teams.requests.length;
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { model: "m", decision: "reject", reason: "recall fell" },
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ delivered: "false", status: "dry-run" });
    expect(teams.requests.length).toBe(before);
    expect(r.summary).toContain("recall fell");
  });

  it("rejects a webhook that is not a Teams URL without echoing it", async () => {
    const r = await runAction("notify-teams", {
      root: bundleRoot(),
      inputs: { "webhook-url": "https://evil.example.com/hook?sig=SECRETSIG", model: "m" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(/webhook-url/);
    expect(visible(r.stdout)).not.toContain("SECRETSIG");
    expect(r.masks.join()).toContain("SECRETSIG");
  });
});
