/** Scratch model folders for registry tests, and the error a call rejects with. */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";

/**
 * A temporary folder for one test file, removed after its tests: `modelDir` writes a model folder (a random
 * model.onnx of `bytes` bytes, plus `files`, path to text) and returns it with the model's sha256; `path` names a
 * fresh place in the folder.
 */
export function scratchModels(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let counter = 0;
  return {
    work,
    path: (name: string) => join(work, `${name}-${++counter}`),
    modelDir(bytes: number, files: Record<string, string> = {}): { dir: string; sha: string } {
      const dir = join(work, `model-${++counter}`);
      const data = randomBytes(bytes);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "model.onnx"), data);
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return { dir, sha: createHash("sha256").update(data).digest("hex") };
    },
  };
}

/** The error a promise rejects with; a promise that resolves fails the test. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to fail");
}
