import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSampleRequest, resolveCodePath } from "./step-inputs";

describe("deploy-online inputs that point into the workspace", () => {
  const ws = mkdtempSync(join(tmpdir(), "deploy-inputs-"));
  writeFileSync(join(ws, "ok.json"), '{"input_data": [[1, 2]]}');
  writeFileSync(join(ws, "bad.json"), "input_data=1");

  it("reads a JSON sample request relative to the workspace", async () => {
    expect(await readSampleRequest("ok.json", ws)).toBe('{"input_data": [[1, 2]]}');
    expect(await readSampleRequest(undefined, ws)).toBeUndefined();
  });
  it("names the input when the file is missing or not JSON", async () => {
    await expect(readSampleRequest("nope.json", ws)).rejects.toThrow(
      /sample-request: cannot read the file \(got "nope.json", ENOENT\)/,
    );
    await expect(readSampleRequest("bad.json", ws)).rejects.toThrow(
      /sample-request: the file is not JSON \(got "input_data=1"\)/,
    );
  });
  it("keeps Azure ML code asset ids and resolves folders", () => {
    expect(resolveCodePath("azureml:score-code:3", ws)).toBe("azureml:score-code:3");
    expect(resolveCodePath("/subscriptions/s/resourceGroups/r/x", ws)).toBe("/subscriptions/s/resourceGroups/r/x");
    expect(resolveCodePath("deploy/src", ws)).toBe(join(ws, "deploy/src"));
    expect(resolveCodePath("", ws)).toBeUndefined();
  });
});
