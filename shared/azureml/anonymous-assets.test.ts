import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sortedKeysJson, contentVersion, inlineEnvironmentBody } from "./anonymous-assets";

describe("content versions of anonymous assets", () => {
  it("do not depend on key order, and change with the content", () => {
    expect(sortedKeysJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: "x" }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"e":3,"f":2}]},"b":1}',
    );
    const v = contentVersion({ image: "i", condaFile: "c" });
    expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(contentVersion({ condaFile: "c", image: "i" })).toBe(v);
    expect(contentVersion({ image: "i", condaFile: "c2" })).not.toBe(v);
    expect(contentVersion({ image: "i" })).toBe(contentVersion({ image: "i", condaFile: undefined }));
  });
});

describe("inline environment bodies (examples/Workspace/EnvironmentVersion/createOrUpdate.json: image, condaFile)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "anon-env-"));
    await writeFile(
      join(dir, "conda.yml"),
      "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n      - scikit-learn==1.5.2\n",
    );
    await writeFile(join(dir, "list.yml"), "- a\n- b\n");
    await writeFile(join(dir, "broken.yml"), "name: [unclosed\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads the conda file's text relative to the job file", async () => {
    expect(await inlineEnvironmentBody({ image: "img:1", condaFile: "./conda.yml" }, dir, "environment")).toEqual({
      image: "img:1",
      condaFile:
        "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n      - scikit-learn==1.5.2\n",
    });
    expect(await inlineEnvironmentBody({ image: "img:1" }, dir, "environment")).toEqual({ image: "img:1" });
    expect(
      (await inlineEnvironmentBody({ image: "i", condaFile: { dependencies: ["python=3.11"] } }, dir, "environment"))
        .condaFile,
    ).toBe("dependencies:\n  - python=3.11\n");
  });
  it("refuses a missing, broken or non-map conda file with the field named", async () => {
    await expect(
      inlineEnvironmentBody({ image: "i", condaFile: "nope.yml" }, dir, "jobs.a.environment"),
    ).rejects.toThrow(
      /^job-file: jobs\.a\.environment\.conda_file: cannot read "nope\.yml" \(got ENOENT\)\. Give the path of the conda YAML relative to the job file\./,
    );
    await expect(inlineEnvironmentBody({ image: "i", condaFile: "broken.yml" }, dir, "environment")).rejects.toThrow(
      /^job-file: environment\.conda_file: "broken\.yml" is not YAML/,
    );
    await expect(inlineEnvironmentBody({ image: "i", condaFile: "list.yml" }, dir, "environment")).rejects.toThrow(
      /^job-file: environment\.conda_file: "list\.yml" is not a conda environment map \(got \["a","b"\]\)/,
    );
  });
});
