/**
 * The gates fail closed, through dist/ as the runner runs them: a champion reference that does not resolve
 * is an error (never "no champion"), a breaking contract rejects and promote refuses it, a consumer
 * interface file checks every candidate, an improvement by noise does not promote, and the data and model
 * mistakes a user makes end in one error naming the file, line, column and value.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FEATURES, generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { type LogisticModel, trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { rocAuc } from "../../shared/metrics";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { type RunResult, runAction } from "../harness/run-action";

let ws: string;
let holdout: string;
let reg: string;
const NUMERIC = FEATURES.slice(1);

const run = (action: string, inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runAction(action, { root: bundleRoot(), workspace: ws, inputs, env });
const compare = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  run("compare-models", { data: holdout, label: "Machine failure", ...inputs }, env);

/** One error line, no stack, nothing that says "bug". */
function oneError(r: RunResult): string {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.stdout).not.toMatch(/This is a bug|\n\s+at /);
  return r.errors[0]!;
}

/** A logistic model over the five numeric columns as one [N,5] matrix input, as sklearn-onnx exports it. */
function matrixModel(m: LogisticModel, o: { inputName?: string; zipmap?: boolean; only?: number } = {}): Uint8Array {
  const coefficients = m.coefficients.slice(1).map((c, j) => (o.only === undefined || o.only === j ? c : 0));
  return encodeModel(
    linearClassifierModel({
      coefficients: [coefficients],
      intercepts: [m.intercept],
      preprocess: [{ kind: "scaler", offset: m.offset.slice(1), scale: m.scale.slice(1) }],
      classes: [0, 1],
      metadata: { features: JSON.stringify(NUMERIC) },
      ...(o.inputName ? { inputName: o.inputName } : {}),
      ...(o.zipmap ? { zipmap: true } : {}),
    }),
  );
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), "mlops-fail-closed-"));
  holdout = join(ws, "holdout.csv");
  reg = join(ws, ".mlops/registry");
  await writeGenerated(holdout, 2000, 41);
  const train = generatedDataset(4000, 5);
  const files = join(ws, "models");
  mkdirSync(files);
  writeFileSync(join(files, "weak.onnx"), modelToOnnx(trainLogistic(train, { iterations: 2 })));
  writeFileSync(join(files, "strong.onnx"), modelToOnnx(trainGbt(train, { nEstimators: 30, maxDepth: 3 })));
  const logistic = trainLogistic(train);
  // The champion: one `input` tensor, tool wear only. The candidate: every column, exported with
  // sklearn-onnx's defaults (input float_input, ZipMap outputs output_label / output_probability).
  writeFileSync(join(files, "matrix-champion.onnx"), matrixModel(logistic, { only: 4 }));
  writeFileSync(
    join(files, "zipmap-candidate.onnx"),
    matrixModel(logistic, { inputName: "float_input", zipmap: true }),
  );
  writeFileSync(join(files, "matrix-candidate.onnx"), matrixModel(logistic));
  const r = openRegistry(reg);
  const add = async (file: string) =>
    (await r.register({ name: "bc", files: [{ path: "model.onnx", source: join(files, file) }] })).version;
  await r.setAlias("bc", "champion", await add("weak.onnx")); // v1
  await add("strong.onnx"); // v2
  await r.setAlias(
    "mx",
    "champion",
    (await r.register({ name: "mx", files: [{ path: "model.onnx", source: join(files, "matrix-champion.onnx") }] }))
      .version,
  );
  await r.register({ name: "mx", files: [{ path: "model.onnx", source: join(files, "zipmap-candidate.onnx") }] }); // mx@2
}, 120_000);

describe("a champion that does not resolve is an error, never a first release", () => {
  it.each([
    [
      "a typo in the alias",
      (): string => `${reg}#bc@champoin`,
      /^champion: alias "champoin" of model "bc" is not set in .* \(aliases: champion -> 1; latest version: 2\)\. .*If this is the model's first release, set champion: none\.$/,
    ],
    [
      "a typo in the model name",
      (): string => `${reg}#bcc@champion`,
      /^champion: no model named "bcc" in .* \(models: bc, mx\)\..*set champion: none\.$/,
    ],
    [
      "a registry path that does not exist",
      (): string => `${ws}/no-such-registry#bc@champion`,
      /^champion: no model named "bc" in .*no-such-registry \(models: none; the registry folder does not exist\)/,
    ],
  ])("%s", async (_what, champion, message) => {
    const r = await compare({ candidate: join(ws, "models/strong.onnx"), champion: champion() });
    expect(oneError(r)).toMatch(message);
    expect(r.outputs.decision).toBeUndefined();
  });

  it("the default champion (model-name@champion) too", async () => {
    const r = await compare({ candidate: join(ws, "models/strong.onnx"), "model-name": "bcc" });
    expect(oneError(r)).toMatch(
      /^champion: no model named "bcc" .*\(the default champion, from model-name\)\. If this is the model's first release, set champion: none\.$/,
    );
  });

  it("an Azure registry that refuses the sign-in or cannot be reached is an error saying which", async () => {
    const signIn = await compare(
      {
        candidate: join(ws, "models/strong.onnx"),
        champion: "https://127.0.0.1:9/devstoreaccount1/models#bc@champion",
      },
      { AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential" },
    );
    expect(oneError(signIn)).toMatch(
      /^registry .*: no Azure credential could sign in to read .* \(got (CredentialUnavailable|AggregateAuthentication)Error: .*\)\. In a workflow run azure\/login/,
    );
    const unreachable = await compare(
      { candidate: join(ws, "models/strong.onnx"), champion: "azblob://devstoreaccount1/models#bc@champion" },
      {
        AZURE_STORAGE_CONNECTION_STRING:
          "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;",
      },
    );
    expect(oneError(unreachable)).toMatch(/^registry .*: storage endpoint unreachable/);
  });

  it("champion: none says in so many words that this is the first release", async () => {
    const r = await compare({
      candidate: join(ws, "models/strong.onnx"),
      champion: "none",
      thresholds: "roc_auc >= 0.8",
    });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ decision: "promote", "champion-version": "", contract: "unchecked" });
    expect(r.summary).toContain("No champion (champion: none, a first release)");
  });
});

describe("the contract is a gate", () => {
  const mx = { candidate: "mx@2", registry: "" };
  beforeAll(() => {
    mx.registry = reg;
  });

  it("rejects a candidate whose input is renamed and whose outputs became a ZipMap", async () => {
    const r = await compare({ ...mx, "fail-on-reject": "false" });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ decision: "reject", contract: "breaking", "is-better": "true" });
    expect(r.outputs.reason).toMatch(
      /^Reject: contract rule failed: breaking against the champion: input "input" .* is gone; .*output "probabilities" .* is gone/,
    );
    const rules = JSON.parse(r.outputs.rules!) as { rule: string; passed: boolean }[];
    expect(rules.find((x) => x.rule === "contract")).toMatchObject({ passed: false });
    expect(r.summary).toMatch(/\| ✘ \| contract \(contract\) \| breaking against the champion/);
    expect(r.summary).toContain("<summary>The candidate's inputs and outputs, as an interface file</summary>");
    const failed = await compare(mx);
    expect(oneError(failed)).toMatch(
      /^compare-models: the candidate was rejected: Reject: contract rule failed: .*Set fail-on-reject: false to report without failing\.$/,
    );
  });

  it("passes it only when allow-breaking-contract says so, and the decision carries it to promote", async () => {
    const r = await compare({ ...mx, "allow-breaking-contract": "true" });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ decision: "promote-breaking", contract: "breaking" });
    expect(r.summary).toMatch(/^## ⚠️ compare-models: PROMOTE-BREAKING/);
    expect(r.outputs.reason).toMatch(/allowed by allow-breaking-contract: true\.$/);

    const prod = join(ws, "prod-registry");
    const refused = await run("promote", {
      model: "mx@2",
      "from-registry": reg,
      "to-registry": prod,
      "require-decision": r.outputs.decision!,
    });
    expect(oneError(refused)).toMatch(
      /^require-decision: the comparison found a breaking contract \(got "promote-breaking".*set allow-breaking-contract: true only when those applications change with it\.$/,
    );
    expect(await openRegistry(prod).getAlias("mx", "champion")).toBeUndefined();
    const allowed = await run("promote", {
      model: "mx@2",
      "from-registry": reg,
      "to-registry": prod,
      "require-decision": r.outputs.decision!,
      "allow-breaking-contract": "true",
    });
    expect(allowed.errors).toEqual([]);
    expect(allowed.outputs.promoted).toBe("true");
    expect(JSON.parse(allowed.outputs["audit-event"]!).reason).toMatch(/^breaking contract allowed/);
  });

  it("checks every candidate, the first one too, against the consumer interface file", async () => {
    const iface = join(ws, "interface.yml");
    writeFileSync(
      iface,
      `# What the plant applications send and read\ninputs:\n  - { name: input, dtype: float, shape: [null, 5] }\noutputs:\n  - { name: probabilities, dtype: float, shape: [null, 2] }\n`,
    );
    const fits = await compare({
      candidate: join(ws, "models/matrix-candidate.onnx"),
      champion: "none",
      interface: iface,
    });
    expect(fits.errors).toEqual([]);
    expect(fits.outputs).toMatchObject({ decision: "promote", contract: "compatible" });
    expect(fits.summary).toMatch(/\| ✔ \| contract \(contract\) \| inputs and outputs match .*interface\.yml/);
    const zipmap = await compare({
      candidate: join(ws, "models/zipmap-candidate.onnx"),
      champion: "none",
      interface: iface,
      "fail-on-reject": "false",
    });
    expect(zipmap.outputs).toMatchObject({ decision: "reject", contract: "breaking" });
    expect(zipmap.outputs.reason).toMatch(
      /interface\.yml: input "input" \(float \[\?,5\]\) that the interface declares is missing/,
    );
    const missing = await compare({
      candidate: join(ws, "models/matrix-candidate.onnx"),
      champion: "none",
      interface: join(ws, "interfce.yml"),
    });
    expect(oneError(missing)).toMatch(
      /^interface: cannot use ".*interfce\.yml" \(got ENOENT: it does not exist\)\. Set interface: to a YAML file/,
    );
  });
});

describe("defaults that mean something: significance is on", () => {
  let noise: string;
  let champion: string;
  let candidate: string;
  beforeAll(() => {
    // x1 carries the signal with many ties; x2 is noise. The candidate breaks x1's ties by x2 (1e-4, far below
    // x1's steps, above float32's resolution):
    // its ROC AUC differs from the champion's by chance only. The sign is chosen so that it is "better".
    let s = 12345;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 1500; i++) {
      const x1 = Math.floor(rand() * 10);
      const x2 = rand();
      rows.push([x1, x2, rand() < 0.05 + x1 * 0.06 ? 1 : 0]);
    }
    noise = join(ws, "noise.csv");
    writeFileSync(noise, `x1,x2,y\n${rows.map((r) => r.join(",")).join("\n")}\n`);
    const y = Float64Array.from(rows, (r) => r[2]);
    const auc = (e: number) =>
      rocAuc(
        y,
        Float64Array.from(rows, (r) => r[0] + e * r[1]),
      )!;
    const e = auc(1e-4) > auc(0) ? 1e-4 : -1e-4;
    const model = (e2: number) =>
      encodeModel(
        linearClassifierModel({
          coefficients: [[0.4, e2]],
          intercepts: [-2],
          classes: [0, 1],
          metadata: { features: '["x1","x2"]' },
        }),
      );
    champion = join(ws, "noise-champion.onnx");
    candidate = join(ws, "noise-candidate.onnx");
    writeFileSync(champion, model(0));
    writeFileSync(candidate, model(e));
  });

  it("an improvement by noise alone promotes with significance off, and not by default", async () => {
    const off = await compare({ candidate, champion, data: noise, label: "y", significance: "off" });
    expect(off.errors).toEqual([]);
    expect(off.outputs).toMatchObject({ decision: "promote", "is-better": "true" });
    const delta = JSON.parse(off.outputs.deltas!).roc_auc as number;
    expect(delta).toBeGreaterThan(0);
    expect(delta).toBeLessThan(0.005); // a fraction of a percent, from breaking ties at random
    expect(off.summary).toContain("significance off (an improvement of any size counts, noise included)");

    const byDefault = await compare({ candidate, champion, data: noise, label: "y", "fail-on-reject": "false" });
    expect(byDefault.outputs).toMatchObject({ decision: "reject", "is-better": "false" });
    expect(byDefault.outputs.reason).toMatch(
      /^Reject: significance rule failed: roc_auc is not better with 95 % confidence/,
    );
    expect(byDefault.summary).toContain(
      "Decided by roc_auc (higher is better): min-improvement 0, significance on (95 % confidence, paired bootstrap, 1000 resamples, seed 42).",
    );
  });

  it("an A/A comparison (the champion against itself) rejects", async () => {
    const r = await compare({ candidate: champion, champion, data: noise, label: "y", "fail-on-reject": "false" });
    expect(r.outputs).toMatchObject({ decision: "reject", "is-better": "false" });
    const rules = JSON.parse(r.outputs.rules!) as { rule: string; passed: boolean }[];
    expect(rules.filter((x) => !x.passed).map((x) => x.rule)).toEqual(["improvement", "significance"]);
  });
});

describe("user mistakes end in one error naming what is wrong", () => {
  it("a folder with one model.onnx is a model; another folder is a clear error", async () => {
    const dir = join(ws, "trainer-output");
    mkdirSync(dir);
    writeFileSync(join(dir, "model.onnx"), readFileSync(join(ws, "models/strong.onnx")));
    writeFileSync(join(dir, "metrics.json"), "{}");
    const ok = await compare({ candidate: dir, champion: `${reg}#bc@champion` });
    expect(ok.errors).toEqual([]);
    expect(ok.outputs.decision).toBe("promote");
    const empty = join(ws, "empty-folder");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "");
    expect(oneError(await compare({ candidate: empty, champion: `${reg}#bc@champion` }))).toMatch(
      /^candidate: .*empty-folder is a folder with no model\.onnx \(got no \.onnx file; it holds "notes\.txt"\)\. Give the path of an \.onnx file, a folder that holds one model\.onnx/,
    );
  });

  it("a text cell in a numeric column: file, line, column and value, wherever it is", async () => {
    const lines = readFileSync(holdout, "utf8").split("\n");
    const torque = lines[0]!.split(",").indexOf("Torque [Nm]");
    const spoil = (line: number) => {
      const out = [...lines];
      const cells = out[line - 1]!.split(",");
      cells[torque] = "n/a?";
      out[line - 1] = cells.join(",");
      return out.join("\n");
    };
    const late = join(ws, "late.csv");
    writeFileSync(late, spoil(1500));
    expect(oneError(await compare({ candidate: "bc@2", registry: reg, data: late }))).toMatch(
      /late\.csv, line 1500, column "Torque \[Nm\]": not a number in a numeric column \(got "n\/a\?"\)/,
    );
    const early = join(ws, "early.csv");
    writeFileSync(early, spoil(3));
    expect(oneError(await compare({ candidate: "bc@2", registry: reg, data: early }))).toMatch(
      /^data: column "Torque \[Nm\]" is not numeric \(got .*early\.csv, line 3: "n\/a\?"\), but candidate's input "Torque \[Nm\]" is tensor\(float\)\[N,1\]/,
    );
  });

  it("a label with one class: the scikit-learn message, naming the column and the class", async () => {
    const lines = readFileSync(holdout, "utf8").split("\n");
    const label = lines[0]!.split(",").indexOf("Machine failure");
    const one = join(ws, "one-class.csv");
    writeFileSync(
      one,
      lines
        .map((l, i) =>
          i === 0 || l === ""
            ? l
            : l
                .split(",")
                .map((c, j) => (j === label ? "0" : c))
                .join(","),
        )
        .join("\n"),
    );
    expect(oneError(await compare({ candidate: "bc@2", registry: reg, data: one }))).toMatch(
      /^label: only one class present in y_true \(column "Machine failure" holds "0" in all 2000 rows\)\. ROC AUC and the other ranking metrics are not defined in that case/,
    );
  });
});
