/**
 * Through dist/: a file registry whose folders or files are symlinks leading out of it (a registry copied from
 * elsewhere, or a pull request that adds a link), and a secret written inline into train's command.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";

let work: string;
let modelFile: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "mlops-links-"));
  modelFile = join(work, "model.onnx");
  writeFileSync(modelFile, encodeModel(linearClassifierModel({ coefficients: [[1, -1]], intercepts: [0] })));
});

async function devRegistry(dir: string): Promise<void> {
  await openRegistry(dir).register({ name: "fp", files: [{ path: "model.onnx", source: modelFile }] });
}

const promote = (from: string, to: string) =>
  runAction("promote", {
    root: bundleRoot(),
    workspace: work,
    inputs: { model: "fp@1", "from-registry": from, "to-registry": to, force: "true", reason: "link test" },
  });

const train = (command: string, registry: string) =>
  runAction("train", {
    root: bundleRoot(),
    workspace: work,
    inputs: { command, "model-name": "fp", registry },
  });

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

describe("file registry: symlinks leading out of it are refused", () => {
  it("does not promote a version folder that links outside the source registry", async () => {
    const dev = join(work, "dev-a");
    await devRegistry(dev);
    const version = join(dev, "models/fp/versions/1");
    const outside = join(work, "outside-a");
    cpSync(version, outside, { recursive: true });
    rmSync(version, { recursive: true });
    symlinkSync(outside, version);
    const r = await promote(dev, join(work, "prod-a"));
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(/^registry: "models\/fp\/versions\/1" in .* is a symlink leading out of the registry/),
    ]);
    expect(files(join(work, "prod-a/models"))).toEqual([]);
  });

  it("does not promote a model file that links outside the source registry", async () => {
    const dev = join(work, "dev-b");
    await devRegistry(dev);
    const file = join(dev, "models/fp/versions/1/model.onnx");
    const outside = join(work, "outside-b.onnx");
    cpSync(file, outside);
    rmSync(file);
    symlinkSync(outside, file);
    const r = await promote(dev, join(work, "prod-b"));
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toMatch(/versions\/1\/model\.onnx" .* is a symlink leading out of the registry/);
  });

  it("writes no alias, latest or version file through models/<name> linked outside the target registry", async () => {
    const dev = join(work, "dev-c");
    await devRegistry(dev);
    const prod = join(work, "prod-c");
    const outside = join(work, "outside-c");
    mkdirSync(join(prod, "models"), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, join(prod, "models/fp"));
    const p = await promote(dev, prod);
    expect(p.exitCode).toBe(1);
    expect(p.errors[0]).toMatch(/"models\/fp" in .* is a symlink leading out of the registry/);
    const command = `cp ${modelFile} "$MLOPS_OUTPUT_DIR/model.onnx" && echo '{"roc_auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json"`;
    const t = await train(command, prod);
    expect(t.exitCode).toBe(1);
    expect(t.errors[0]).toMatch(/is a symlink leading out of the registry/);
    expect(files(outside)).toEqual([]);
  });

  it("still follows links that stay inside the registry", async () => {
    const dev = join(work, "dev-d");
    await devRegistry(dev);
    const version = join(dev, "models/fp/versions/1");
    cpSync(version, join(dev, "store-1"), { recursive: true });
    rmSync(version, { recursive: true });
    symlinkSync("../../../store-1", version);
    const r = await promote(dev, join(work, "prod-d"));
    expect(r.errors).toEqual([]);
    expect(r.outputs.version).toBe("1");
  });
});

describe("train: the lineage never stores a secret written into the command", () => {
  it("cleans the command in card.json and the summary, and masks the token in the log", async () => {
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const sas = "sv=2024&sig=AbC%2BdEf%3D";
    const registry = join(work, "reg-train");
    const command = `cp ${modelFile} "$MLOPS_OUTPUT_DIR/model.onnx" && echo '{"roc_auc": 0.9}' > "$MLOPS_OUTPUT_DIR/metrics.json" && true --token ${token} "https://acct.blob.core.windows.net/data?${sas}" HF_TOKEN=hf_secretvalue`;
    const r = await train(command, registry);
    expect(r.errors).toEqual([]);
    const card = readFileSync(join(registry, "models/fp/versions/1/card.json"), "utf8");
    const stored = JSON.parse(card).lineage.command as string;
    expect(stored).toContain("--token ***");
    expect(stored).toContain("sig=***");
    expect(stored).toContain("HF_TOKEN=***");
    for (const secret of [token, "AbC%2BdEf%3D", "hf_secretvalue"]) {
      expect(card).not.toContain(secret);
      expect(r.summary).not.toContain(secret);
      expect(
        r.stdout
          .split("\n")
          .filter((l) => !l.startsWith("::add-mask::"))
          .join("\n"),
      ).not.toContain(secret);
    }
  });
});
