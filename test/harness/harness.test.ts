import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inputEnvName, parseCommands, parseFileCommands, repoRoot } from "./run-action";
import { jobOutputValues } from "./workflow-runner";

describe("runner file formats", () => {
  it("parses name=value and heredoc outputs as the runner writes them", () => {
    const text = 'decision=promote\nmetrics<<ghadelimiter_1\n{"f1": 0.9}\nsecond line\nghadelimiter_1\nempty=\n';
    expect(parseFileCommands(text)).toEqual({ decision: "promote", metrics: '{"f1": 0.9}\nsecond line', empty: "" });
  });
  it("rejects an unterminated heredoc instead of guessing", () => {
    expect(() => parseFileCommands("x<<EOF\nvalue\n")).toThrow(/unterminated/);
  });
  it("parses workflow commands with escaped data", () => {
    expect(parseCommands("::error file=a.csv,line=3::bad%0Avalue 100%25\nplain\n::add-mask::s3cret")).toEqual([
      { command: "error", properties: { file: "a.csv", line: "3" }, message: "bad\nvalue 100%" },
      { command: "add-mask", properties: {}, message: "s3cret" },
    ]);
  });
  it("names inputs as the runner does (upper case, spaces to underscores, hyphens kept)", () => {
    expect(inputEnvName("model-name")).toBe("INPUT_MODEL-NAME");
    expect(inputEnvName("my input")).toBe("INPUT_MY_INPUT");
  });
});

describe("job outputs", () => {
  it("are skipped, as GitHub skips them, when their value contains a secret", () => {
    const values = { "model-uri": "https://a.blob.core.windows.net/c/p#fp@3", leaky: "https://a/c/p?sig=S3CRET#fp@3" };
    expect(jobOutputValues(values, ["S3CRET", ""])).toEqual({
      outputs: { "model-uri": values["model-uri"], leaky: "" },
      skipped: ["leaky"],
    });
  });
});

describe("the runner's az stand-in", () => {
  const az = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [join(repoRoot, "test/harness/bin/az.mjs"), ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const token = ["account", "get-access-token", "--output", "json", "--resource", "http://127.0.0.1:9"];

  it("hands AzureCliCredential the logged-in identity's Resource Manager token, and refuses before azure/login", () => {
    const r = az(token, {
      AZURE_LOGIN_SUBJECT: "repo:acme/plant-models:environment:staging",
      AZURE_ARM_ACCESS_TOKEN: "t0k",
    });
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as { accessToken: string; expires_on: number; tokenType: string };
    expect(json).toMatchObject({ accessToken: "t0k", tokenType: "Bearer" });
    expect(json.expires_on).toBeGreaterThan(Date.now() / 1000);
    // An identity without a role on the workspace gets a token of its own, which Resource Manager refuses.
    const other = az(token, { AZURE_LOGIN_SUBJECT: "repo:acme/plant-models:pull_request" });
    expect(JSON.parse(other.stdout).accessToken).toBe("token-of-repo:acme/plant-models:pull_request");
    const out = az(token, {});
    expect([out.status, out.stderr]).toEqual([1, "ERROR: Please run 'az login' to setup account.\n"]);
    expect(az([...token.slice(0, 4), "--bogus", "x"], { AZURE_LOGIN_SUBJECT: "s" }).stderr).toMatch(
      /unrecognized arguments/,
    );
  });
});
