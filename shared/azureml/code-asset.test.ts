import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ignoreMatcher, snapshotCode } from "./code-asset";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("code asset", () => {
  it("ignores .git, node_modules, __pycache__ and simple .amlignore/.gitignore patterns", () => {
    const skip = ignoreMatcher(["# comment", "*.log", "/build", "data/raw/", "!keep.log", "**/tmp"]);
    expect(skip("node_modules")).toBe(true);
    expect(skip("pkg/__pycache__")).toBe(true);
    expect(skip("train.log")).toBe(true);
    expect(skip("logs/a.log")).toBe(true);
    expect(skip("build")).toBe(true);
    expect(skip("src/build")).toBe(false);
    expect(skip("data/raw")).toBe(true);
    expect(skip("a/b/tmp")).toBe(true);
    expect(skip("train.py")).toBe(false);
  });
  it("hashes content and paths: same tree, same hash; one byte or one name changed, another", async () => {
    const make = async (files: Record<string, string>) => {
      const d = await mkdtemp(join(tmpdir(), "code-"));
      dirs.push(d);
      for (const [p, c] of Object.entries(files)) {
        await mkdir(join(d, p, ".."), { recursive: true });
        await writeFile(join(d, p), c);
      }
      return snapshotCode(d);
    };
    const a = await make({
      "train.py": "print(1)\n",
      "lib/x.py": "x = 1\n",
      ".gitignore": "*.tmp\n",
      "junk.tmp": "no",
      "__pycache__/c.pyc": "no",
    });
    const b = await make({
      "lib/x.py": "x = 1\n",
      "train.py": "print(1)\n",
      ".gitignore": "*.tmp\n",
      "other.tmp": "different junk",
    });
    const c = await make({ "train.py": "print(2)\n", "lib/x.py": "x = 1\n", ".gitignore": "*.tmp\n" });
    const d = await make({ "train2.py": "print(1)\n", "lib/x.py": "x = 1\n", ".gitignore": "*.tmp\n" });
    expect(a.files).toEqual([".gitignore", "lib/x.py", "train.py"]);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(d.hash).not.toBe(a.hash);
    await expect(snapshotCode(join(tmpdir(), "does-not-exist-xyz"))).rejects.toThrow(/^code: not a directory/);
  });
});
