import { describe, expect, it } from "vitest";
import { parseWebhookHosts, redactUrl, scrubSecret, validateWebhookUrl } from "./webhook-url";
import { userErrorOf as messageOf } from "../../test/helpers/user-error";

const SIG = "Zm9vYmFyc2VjcmV0c2lnbmF0dXJlMTIzNDU2Nzg5MA";
const WORKFLOWS = `https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;

describe("validateWebhookUrl", () => {
  it("accepts Workflows and legacy connector URLs", () => {
    expect(validateWebhookUrl(WORKFLOWS).kind).toBe("workflows");
    expect(
      validateWebhookUrl(
        "https://default1234.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x",
      ).kind,
    ).toBe("workflows");
    expect(
      validateWebhookUrl("https://prod-01.api.powerautomate.com/workflows/abc/triggers/manual/paths/invoke").kind,
    ).toBe("workflows");
    expect(validateWebhookUrl("https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d").kind).toBe(
      "connector",
    );
  });

  it("redacts to scheme and host", () => {
    expect(validateWebhookUrl(WORKFLOWS).redacted).toBe("https://prod-12.westeurope.logic.azure.com/***");
    expect(redactUrl("not a url")).toBe("***");
  });

  it("rejects http, foreign hosts, missing paths and garbage without echoing the secret", () => {
    const cases = [
      WORKFLOWS.replace("https:", "http:"),
      WORKFLOWS.replace("logic.azure.com", "logic.azure.com.evil.example"),
      "https://contoso.webhook.office.com/",
      `not a url ${SIG}`,
      `https://user:${SIG}@contoso.webhook.office.com/webhookb2/x`,
      "",
    ];
    const messages = cases.map((c) => messageOf(() => validateWebhookUrl(c)));
    expect(messages[0]).toMatch(
      /^webhook-url: must use https \(got http:\/\/prod-12\.westeurope\.logic\.azure\.com:443\/\*\*\*\)/,
    );
    expect(messages[1]).toMatch(/^webhook-url: not a Teams webhook host/);
    expect(messages[2]).toMatch(/^webhook-url: has no path/);
    expect(messages[3]).toMatch(/^webhook-url: not a URL \(got a \d+-character value\)/);
    expect(messages[4]).toMatch(/^webhook-url: must not carry credentials/);
    expect(messages[5]).toMatch(/^webhook-url: is empty/);
    for (const m of messages) {
      expect(m).not.toContain(SIG);
      expect(m).not.toContain("0123456789abcdef0123456789abcdef");
    }
  });

  it("accepts a local capture server only when asked", () => {
    const local = "http://127.0.0.1:8123/workflows/x/triggers/manual/paths/invoke?sig=abc";
    expect(() => validateWebhookUrl(local)).toThrow(/must use https/);
    expect(validateWebhookUrl(local, { allowLocal: true }).kind).toBe("local");
  });
});

describe("scrubSecret", () => {
  it("removes the URL, its signature and its workflow id from a text", () => {
    const text = `failed for ${WORKFLOWS}: sig ${SIG} on workflow 0123456789abcdef0123456789abcdef`;
    const out = scrubSecret(text, WORKFLOWS);
    expect(out).not.toContain(SIG);
    expect(out).not.toContain("0123456789abcdef0123456789abcdef");
    expect(out).toContain("failed for ***");
  });
});

describe("sovereign clouds", () => {
  const GOV = `https://prod-29.usgovtexas.logic.azure.us:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${SIG}`;
  const CHINA = GOV.replace("usgovtexas.logic.azure.us", "chinaeast2.logic.azure.cn");

  it("accepts Azure US Government's Workflows triggers as they are", () => {
    expect(validateWebhookUrl(GOV)).toMatchObject({
      kind: "workflows",
      redacted: "https://prod-29.usgovtexas.logic.azure.us/***",
    });
  });

  it("accepts another cloud's host only when webhook-hosts names it", () => {
    expect(messageOf(() => validateWebhookUrl(CHINA))).toMatch(
      /^webhook-url: not a Teams webhook host \(got prod-29\.chinaeast2\.logic\.azure\.cn;.*add it to webhook-hosts\.$/,
    );
    for (const entry of ["logic.azure.cn", ".logic.azure.cn", "*.logic.azure.cn", "LOGIC.AZURE.CN"])
      expect(validateWebhookUrl(CHINA, { extraHosts: parseWebhookHosts([entry]) }).kind).toBe("workflows");
    // A listed host still needs https, and a look-alike is not the host.
    const hosts = parseWebhookHosts(["logic.azure.cn"]);
    expect(messageOf(() => validateWebhookUrl(CHINA.replace("https:", "http:"), { extraHosts: hosts }))).toMatch(
      /must use https/,
    );
    expect(
      messageOf(() =>
        validateWebhookUrl(CHINA.replace("logic.azure.cn", "logic.azure.cn.evil.example"), { extraHosts: hosts }),
      ),
    ).toMatch(/not a Teams webhook host/);
    expect(messageOf(() => validateWebhookUrl(GOV.replace("logic.azure.us", "logic.azure.us.evil.example")))).toMatch(
      /not a Teams webhook host/,
    );
  });

  it("refuses a webhook-hosts entry that is not a host name", () => {
    for (const bad of ["https://x.cn/", "*", ".", "logic azure cn", "cn", "a..b"])
      expect(messageOf(() => parseWebhookHosts([bad]))).toMatch(/^webhook-hosts: not a host name \(got /);
  });
});
