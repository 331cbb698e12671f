import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../log";
import { validatePredictions } from "../metrics";
import { columnsModel, encodeModel, linearClassifierModel, type ModelProto, treeEnsembleRegressorModel } from "../onnx";
import { type EvaluateOptions, evaluateModels } from "./index";
import { userErrorOf as userError } from "../../test/helpers/user-error";

const dir = mkdtempSync(join(tmpdir(), "evaluate-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

// 50 rows, 3 numeric features, a binary label, a 3-class label, a categorical column, a numeric target.
const N = 50;
const X = Array.from({ length: N }, (_, i) => [Math.sin(i) * 2, Math.cos(i * 0.7) * 3, (i % 11) - 5]);
const kinds = ["L", "M", "H"];
const rows = X.map((x, i) => ({
  a: x[0]!,
  b: x[1]!,
  c: x[2]!,
  y: i % 3 === 0 ? 1 : 0,
  cls: ["cat", "dog", "emu"][i % 3]!,
  Type: kinds[i % 3]!,
  target: x[0]! * 2 + 1,
}));
const header = "a,b,c,y,cls,Type,target";
const csv = write("d.csv", `${header}\n${rows.map((r) => Object.values(r).join(",")).join("\n")}\n`);

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const f32 = Math.fround;
const dot = (w: number[], x: number[]) => w.reduce((a, wj, j) => a + wj * f32(x[j]!), 0);
const model = (m: ModelProto, name: string) => ({ name, bytes: encodeModel(m) });
const base: EvaluateOptions = { data: csv, label: "y", features: ["a", "b", "c"], batchSize: 7, keepPredictions: true };

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  const worst = expected.reduce((m, e, i) => Math.max(m, Math.abs(actual[i]! - e)), 0);
  expect(worst).toBeLessThanOrEqual(tol);
}

describe("evaluateModels, binary", () => {
  const w1 = [0.7, -0.4, 0.3];
  const w2 = [0.1, 0.2, -0.05];
  const candidate = linearClassifierModel({ coefficients: [w1], intercepts: [0.2], zipmap: true });
  const champion = linearClassifierModel({ coefficients: [w2], intercepts: [-0.1], ops: "standard" });

  it("scores both models in one pass, row-aligned across batches, equal to the plain computation", async () => {
    const events: ProgressEvent[] = [];
    const logger = { info() {}, warning() {}, debug() {}, progress: (e: ProgressEvent) => events.push(e) };
    const r = await evaluateModels([model(candidate, "candidate"), model(champion, "champion")], {
      ...base,
      sliceBy: "Type",
      threshold: 0.4,
      logger,
    });
    expect(r.task).toBe("binary");
    expect(r.rows).toBe(N);
    expect(r.classes).toEqual(["0", "1"]);
    expect(r.positiveLabel).toBe("1");
    const [cand, champ] = r.models;
    expect(cand!.output).toBe("output_probability"); // ZipMap, read through its probability tensor
    expect(cand!.fetched).toBe("probabilities");
    expect(champ!.output).toBe("probability");
    expect(Array.from(cand!.predictions!.yTrue)).toEqual(rows.map((x) => x.y));
    expectClose(
      cand!.predictions!.scores,
      X.map((x) => sigmoid(dot(w1, x) + 0.2)),
    );
    expectClose(
      champ!.predictions!.scores,
      X.map((x) => sigmoid(dot(w2, x) - 0.1)),
    );
    expect(cand!.predictions!.threshold).toBe(0.4);
    validatePredictions(cand!.predictions!);
    expect(r.slices!.keys).toEqual(rows.map((x) => x.Type));
    expect(events.at(-1)).toMatchObject({ task: "evaluate", done: N, total: N, finished: true });
    expect(events.filter((e) => !e.finished).map((e) => e.done)).toEqual([7, 14, 21, 28, 35, 42, 49, 50]);
  });

  it("reads the same predictions from Parquet as from CSV", async () => {
    const pq = write(
      "d.parquet",
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "a", data: Float64Array.from(rows, (x) => x.a), type: "DOUBLE" },
            { name: "b", data: Float64Array.from(rows, (x) => x.b), type: "DOUBLE" },
            { name: "c", data: Int32Array.from(rows, (x) => x.c), type: "INT32" },
            { name: "y", data: Int32Array.from(rows, (x) => x.y), type: "INT32" },
          ],
          rowGroupSize: 20,
        }),
      ),
    );
    const fromCsv = await evaluateModels([model(candidate, "candidate")], base);
    const fromPq = await evaluateModels([model(candidate, "candidate")], { ...base, data: pq });
    expect(Array.from(fromPq.models[0]!.predictions!.scores)).toEqual(
      Array.from(fromCsv.models[0]!.predictions!.scores),
    );
    expect(Array.from(fromPq.models[0]!.predictions!.yTrue)).toEqual(Array.from(fromCsv.models[0]!.predictions!.yTrue));
  });

  it("positive-label 0 flips the labels and takes the other probability column", async () => {
    const r = await evaluateModels([model(candidate, "candidate"), model(champion, "champion")], {
      ...base,
      positiveLabel: "0",
    });
    expect(r.classes).toEqual(["1", "0"]);
    expect(Array.from(r.models[0]!.predictions!.yTrue)).toEqual(rows.map((x) => 1 - x.y));
    expectClose(
      r.models[0]!.predictions!.scores,
      X.map((x) => 1 - sigmoid(dot(w1, x) + 0.2)),
    );
    expectClose(
      r.models[1]!.predictions!.scores,
      X.map((x) => 1 - sigmoid(dot(w2, x) - 0.1)),
    );
  });

  it("text classes: the positive class defaults to the model's last class, labels are matched as text", async () => {
    const yesNo = write(
      "yesno.csv",
      `a,b,c,answer\n${X.map((x, i) => `${x.join(",")},${i % 3 === 0 ? "yes" : "no"}`).join("\n")}\n`,
    );
    const m = linearClassifierModel({ coefficients: [w1], intercepts: [0.2], classes: ["no", "yes"], zipmap: true });
    const r = await evaluateModels([model(m, "candidate")], { ...base, data: yesNo, label: "answer" });
    expect(r.classes).toEqual(["no", "yes"]);
    expect(r.positiveLabel).toBe("yes");
    expect(Array.from(r.models[0]!.predictions!.yTrue)).toEqual(rows.map((x) => x.y));
    expectClose(
      r.models[0]!.predictions!.scores,
      X.map((x) => sigmoid(dot(w1, x) + 0.2)),
    );
    const flipped = await evaluateModels([model(m, "candidate")], {
      ...base,
      data: yesNo,
      label: "answer",
      positiveLabel: "no",
    });
    expect(Array.from(flipped.models[0]!.predictions!.yTrue)).toEqual(rows.map((x) => 1 - x.y));
    expect(
      await userError(
        evaluateModels([model(m, "candidate")], { ...base, data: yesNo, label: "answer", positiveLabel: "maybe" }),
      ),
    ).toMatch(/^positive-label: not one of the model's classes \(got "maybe"; classes: no, yes\)/);
  });

  it("parity: equal reference predictions pass; perturbed rows are reported first-offending-first", async () => {
    const p = X.map((x) => sigmoid(dot(w1, x) + 0.2));
    const ok = write("ref-ok.csv", `id,prediction\n${p.map((v, i) => `${i},${v}`).join("\n")}\n`);
    const r = await evaluateModels([model(candidate, "candidate")], { ...base, parity: { reference: ok } });
    expect(r.parity).toMatchObject({ ok: true, rows: N, mismatches: 0, columns: ["prediction"] });
    expect(r.parity!.maxAbsDiff).toBeLessThan(1e-6);

    const bad = write(
      "ref-bad.csv",
      `prediction\n${p.map((v, i) => (i === 9 || i === 33 ? v + 0.01 : v)).join("\n")}\n`,
    );
    const r2 = await evaluateModels([model(candidate, "candidate")], {
      ...base,
      parity: { reference: bad, tolerance: 1e-4 },
    });
    expect(r2.parity).toMatchObject({ ok: false, mismatches: 2, maxAbsDiffRow: expect.any(Number) });
    expect(r2.parity!.examples.map((e) => e.row)).toEqual([10, 34]);
    expect(r2.parity!.maxAbsDiff).toBeCloseTo(0.01, 5);

    const short = write("ref-short.csv", `prediction\n${p.slice(0, 40).join("\n")}\n`);
    expect(
      await userError(evaluateModels([model(candidate, "candidate")], { ...base, parity: { reference: short } })),
    ).toMatch(/parity-reference: .*has fewer rows than the data \(got 40 reference rows\)/);
    const long = write("ref-long.csv", `prediction\n${[...p, 0.5].join("\n")}\n`);
    expect(
      await userError(evaluateModels([model(candidate, "candidate")], { ...base, parity: { reference: long } })),
    ).toMatch(/has more rows than the data \(got 51 reference rows for 50 data rows\)/);
  });
});

describe("evaluateModels, multiclass and regression", () => {
  const W = [
    [0.5, -0.2, 0.1],
    [-0.3, 0.4, 0.0],
    [0.1, 0.1, -0.3],
  ];
  const b = [0.1, 0, -0.1];
  const softmax = (z: number[]) => {
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  };

  it("aligns a champion whose classes come in another order", async () => {
    const cand = linearClassifierModel({ coefficients: W, intercepts: b, classes: ["cat", "dog", "emu"] });
    const order = [2, 0, 1]; // emu, cat, dog
    const champ = linearClassifierModel({
      coefficients: order.map((k) => W[k]!),
      intercepts: order.map((k) => b[k]!),
      classes: order.map((k) => ["cat", "dog", "emu"][k]!),
      zipmap: true,
    });
    const r = await evaluateModels([model(cand, "candidate"), model(champ, "champion")], { ...base, label: "cls" });
    expect(r.task).toBe("multiclass");
    expect(r.classes).toEqual(["cat", "dog", "emu"]);
    expect(Array.from(r.models[0]!.predictions!.yTrue)).toEqual(rows.map((_, i) => i % 3));
    const ref = X.flatMap((x) => softmax(W.map((w, k) => dot(w, x) + b[k]!)));
    expectClose(r.models[0]!.predictions!.scores, ref);
    expectClose(r.models[1]!.predictions!.scores, ref);
    expect(r.models[1]!.predictions!.classes).toBe(3);
  });

  it("infers regression from a tree regressor and reads the numeric target", async () => {
    const reg = treeEnsembleRegressorModel({
      nFeatures: 3,
      trees: [{ feature: 0, threshold: 0, left: { value: -1 }, right: { value: 3 } }],
    });
    const r = await evaluateModels([model(reg, "candidate")], { ...base, label: "target" });
    expect(r.task).toBe("regression");
    expect(r.classes).toBeUndefined();
    expect(Array.from(r.models[0]!.predictions!.yTrue)).toEqual(rows.map((x) => x.target));
    expect(Array.from(r.models[0]!.predictions!.scores)).toEqual(X.map((x) => (f32(x[0]!) <= 0 ? -1 : 3)));
  });

  it("feeds a one-input-per-column model (float, int64, string) by the input names", async () => {
    const m = columnsModel({
      columns: [
        { name: "a", type: "float" },
        { name: "c", type: "int64" },
        { name: "Type", type: "string", categories: kinds },
      ],
      head: {
        kind: "linear-classifier",
        coefficients: [[0.5, 0.1, 1, -1, 0.2]],
        intercepts: [0],
        classes: [0, 1],
        postTransform: "LOGISTIC",
      },
    });
    const r = await evaluateModels([model(m, "candidate")], {
      data: csv,
      label: "y",
      batchSize: 16,
      keepPredictions: true,
    });
    expect(r.models[0]!.features).toEqual(["a", "c", "Type"]);
    const ref = rows.map((x) => {
      const onehot = kinds.map((k) => (k === x.Type ? 1 : 0));
      return sigmoid(0.5 * f32(x.a) + 0.1 * x.c + onehot[0]! - onehot[1]! + 0.2 * onehot[2]!);
    });
    expectClose(r.models[0]!.predictions!.scores, ref);
  });
});

describe("evaluateModels, user mistakes", () => {
  const lin = linearClassifierModel({ coefficients: [[1, 1, 1]], intercepts: [0] });

  it("name the column, row and fix", async () => {
    const two = [model(lin, "candidate")];
    expect(await userError(evaluateModels(two, { ...base, label: "target_x" }))).toMatch(
      /^label: column "target_x" not found in the data \(columns: a, b, c, y, cls, Type, target\)\. Set label: to one of them\./,
    );
    expect(await userError(evaluateModels(two, { ...base, features: ["a", "b"] }))).toMatch(
      /^candidate: input "input" takes 3 features per row \(tensor\(float\)\[N,3\]\) but 2 feature columns are selected/,
    );
    expect(await userError(evaluateModels(two, { ...base, features: ["a", "b", "Type"] }))).toMatch(
      /feature column "Type" is not numeric \(got .*d\.csv, line 2: "L" in "Type"\)/,
    );
    expect(await userError(evaluateModels(two, { ...base, features: ["a", "b", "nope"] }))).toMatch(
      /^features: "nope" not found in the data/,
    );
    expect(await userError(evaluateModels(two, { ...base, label: "cls" }))).toMatch(
      /^label: "cls" at row 1 of .*d\.csv is not one of the model's classes \(got "cat"; classes: 0, 1\)/,
    );
    const withNan = write("nan.csv", "a,b,c,y\n1,2,3,0\n4,,6,1\n");
    expect(await userError(evaluateModels(two, { ...base, data: withNan }))).toMatch(
      /nan\.csv: missing value \(empty, NA or NaN\) in feature "b" at row 2/,
    );
    // passed to a linear model, NaN comes out: the row is named where the score is folded into the metrics
    expect(await userError(evaluateModels(two, { ...base, data: withNan, nanPolicy: "pass" }))).toMatch(
      /^scores: the model output at row 2 of .*nan\.csv is not a finite number \(got NaN\)/,
    );
    const reg = treeEnsembleRegressorModel({ nFeatures: 3, trees: [{ value: 1 }] });
    expect(await userError(evaluateModels([model(lin, "candidate"), model(reg, "champion")], base))).toMatch(
      /^task: the models disagree \(got candidate: binary, champion: regression\)/,
    );
    expect(await userError(evaluateModels(two, { ...base, task: "regression" }))).toMatch(
      /^task: candidate's output "probabilities" has 2 values per row, which does not fit task regression/,
    );
    expect(
      await userError(evaluateModels([{ name: "champion", bytes: new TextEncoder().encode("nope") }], base)),
    ).toMatch(/^champion: not an ONNX model/);
  });
});
