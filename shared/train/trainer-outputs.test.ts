import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../onnx";
import { readMetricsOutput, readModelOutput, stampOf } from "./trainer-outputs";
import { userErrorOf as userError } from "../../test/helpers/user-error";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "train-out-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const onnx = () =>
  encodeModel(linearClassifierModel({ coefficients: [[0.5, -1, 2]], intercepts: [0.1], classes: [0, 1] }));

describe("readModelOutput", () => {
  it("returns the signature of a valid ONNX model", async () => {
    const path = join(dir, "model.onnx");
    await writeFile(path, onnx());
    const m = await readModelOutput(path);
    expect(m.signature.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([["input", "float", ["N", 3]]]);
    expect(m.signature.outputs.map((o) => o.name)).toEqual(["label", "probabilities"]);
    expect(m.signature.opsets.map((o) => o.domain)).toContain("ai.onnx.ml");
  });

  it("says where the model was expected when the trainer wrote none", async () => {
    const msg = await userError(readModelOutput(join(dir, "absent.onnx")));
    expect(msg).toMatch(/^model-path: the trainer finished but wrote no file there \(got ".*absent\.onnx"\)/);
    expect(msg).toContain("MLOPS_OUTPUT_DIR/model.onnx");
  });

  it("rejects a directory and a file that is not ONNX", async () => {
    await mkdir(join(dir, "model-dir"), { recursive: true });
    expect(await userError(readModelOutput(join(dir, "model-dir")))).toMatch(/^model-path: not a file/);
    const pickle = join(dir, "model.pkl.onnx");
    await writeFile(pickle, Buffer.from("\x80\x04\x95 not an onnx model, a python pickle", "latin1"));
    expect(await userError(readModelOutput(pickle))).toMatch(/not an ONNX model/);
    const empty = join(dir, "empty.onnx");
    await writeFile(empty, "");
    expect(await userError(readModelOutput(empty))).toMatch(/not an ONNX model/);
  });

  it("rejects a model file left over from an earlier run", async () => {
    const path = join(dir, "stale.onnx");
    await writeFile(path, onnx());
    const t = new Date("2024-01-01T00:00:00Z");
    await utimes(path, t, t);
    const before = await stampOf(path);
    expect(await userError(readModelOutput(path, before))).toMatch(
      /^model-path: the file was not rewritten by this run/,
    );
    await writeFile(path, onnx());
    await expect(readModelOutput(path, before)).resolves.toMatchObject({ path });
  });
});

describe("readMetricsOutput", () => {
  const metrics = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it("accepts a flat map of finite numbers (BOM allowed)", async () => {
    const path = await metrics("ok.json", '\uFEFF{"accuracy": 0.97, "f1": 0.5, "rows": 2000, "loss": -1e-3}');
    expect(await readMetricsOutput(path)).toEqual({ accuracy: 0.97, f1: 0.5, rows: 2000, loss: -0.001 });
  });

  it("names the metric that is NaN or Infinity (as Python's json.dump writes them)", async () => {
    const nan = await metrics("nan.json", '{"accuracy": 0.9, "auc": NaN}');
    expect(await userError(readMetricsOutput(nan))).toMatch(
      /^metrics-path: metric "auc" is NaN \(got "\\"auc\\": NaN"/,
    );
    const inf = await metrics("inf.json", '{"loss": -Infinity}');
    expect(await userError(readMetricsOutput(inf))).toMatch(/^metrics-path: metric "loss" is -Infinity/);
  });

  it("rejects nested objects, strings, booleans and nulls with the key", async () => {
    const nested = await metrics("nested.json", '{"accuracy": 0.9, "test": {"f1": 0.5}}');
    expect(await userError(readMetricsOutput(nested))).toMatch(
      /^metrics-path: metric "test" is nested, not a number \(got {"f1":0.5}/,
    );
    const str = await metrics("str.json", '{"accuracy": "0.9"}');
    expect(await userError(readMetricsOutput(str))).toMatch(/metric "accuracy" is not a finite number \(got "0.9" in/);
    const nul = await metrics("null.json", '{"accuracy": null}');
    expect(await userError(readMetricsOutput(nul))).toMatch(/metric "accuracy" is not a finite number/);
  });

  it("rejects files that are not a JSON object, empty maps and missing files", async () => {
    expect(await userError(readMetricsOutput(await metrics("arr.json", "[0.9]")))).toMatch(/not a JSON object/);
    expect(await userError(readMetricsOutput(await metrics("bad.json", "accuracy=0.9")))).toMatch(
      /^metrics-path: not JSON/,
    );
    expect(await userError(readMetricsOutput(await metrics("empty.json", "{}")))).toMatch(/no metrics/);
    expect(await userError(readMetricsOutput(join(dir, "none.json")))).toMatch(/wrote no file there/);
  });
});
