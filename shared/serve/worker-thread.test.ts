import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { serverBundle } from "./worker-thread";

const root = mkdtempSync(join(tmpdir(), "worker-thread-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("serverBundle", () => {
  it("finds serve.js beside a chunk or one folder up", () => {
    writeFileSync(join(root, "serve.js"), "");
    expect(serverBundle(join(root, "serve-chunks", "capture-writer-X.js"))).toEqual({
      script: join(root, "serve.js"),
      eval: false,
    });
  });

  it("a missing serve.js is a user error saying to rebuild or reinstall, not a bug", () => {
    let error: unknown;
    try {
      serverBundle(join(root, "empty", "deeper", "chunk.js"));
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/serve\.js.*missing.*rebuild it \(npm run build\) or reinstall/);
  });
});
