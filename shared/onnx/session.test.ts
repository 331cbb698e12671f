import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import {
  columnsModel,
  decodeModel,
  encodeModel,
  linearClassifierModel,
  openSession,
  readSignature,
  treeEnsembleClassifierModel,
  withoutNodes,
} from "./index";
import type { ModelProto, NodeProto } from "./model";
import { unreadZipMapOutputs } from "./session";

const w = [
  [0.8, -1.2, 0.3],
  [-0.5, 0.1, 0.9],
  [0.2, 0.4, -1.1],
];
const b = [0.1, -0.2, 0.3];
const N = 50;
const X = Float32Array.from({ length: N * 3 }, (_, i) => Math.sin(i * 1.7) * 3);
const feeds = () => ({ input: new ort.Tensor("float32", X, [N, 3]) });

describe("readSignature", () => {
  it("reports inputs, outputs, opsets, producer, metadata and class labels", () => {
    const bytes = encodeModel(
      linearClassifierModel({
        coefficients: w,
        intercepts: b,
        classes: ["a", "b", "c"],
        zipmap: true,
        producerName: "skl2onnx",
        producerVersion: "1.17",
        metadata: { label: "y", features: '["x0","x1","x2"]' },
      }),
    );
    const sig = readSignature(bytes);
    expect(sig.inputs).toEqual([
      { name: "input", kind: "tensor", dtype: "float", shape: ["N", 3], type: "tensor(float)[N,3]" },
    ]);
    expect(sig.outputs).toEqual([
      { name: "output_label", kind: "tensor", dtype: "string", shape: ["N"], type: "tensor(string)[N]" },
      {
        name: "output_probability",
        kind: "sequence",
        dtype: "float",
        shape: null,
        type: "seq(map(string,tensor(float)))",
      },
    ]);
    expect(sig.opsets).toEqual([
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: 3 },
    ]);
    expect(sig.producerName).toBe("skl2onnx");
    expect(sig.producerVersion).toBe("1.17");
    expect(sig.metadata).toEqual({ label: "y", features: '["x0","x1","x2"]' });
    expect(sig.classLabels).toEqual(["a", "b", "c"]);
    expect(sig.zipmaps).toEqual([{ output: "output_probability", probabilities: "probabilities" }]);
    expect(sig.producers).toEqual({ output_label: "LinearClassifier", output_probability: "ZipMap" });
  });

  it("lists per-column inputs with their dtypes", () => {
    const sig = readSignature(
      encodeModel(
        columnsModel({
          columns: [
            { name: "Torque [Nm]", type: "float" },
            { name: "Tool wear [min]", type: "int64" },
            { name: "Type", type: "string", categories: ["L", "M", "H"] },
          ],
          head: { kind: "linear-standard", coefficients: [[1, 1, 1, 1, 1]], intercepts: [0] },
        }),
      ),
    );
    expect(sig.inputs.map((i) => `${i.name}:${i.type}`)).toEqual([
      "Torque [Nm]:tensor(float)[N,1]",
      "Tool wear [min]:tensor(int64)[N,1]",
      "Type:tensor(string)[N,1]",
    ]);
    expect(sig.classLabels).toBeUndefined();
  });

  it("a corrupt or truncated model is a UserError", () => {
    const bytes = encodeModel(linearClassifierModel({ coefficients: w, intercepts: b }));
    for (const bad of [bytes.subarray(0, bytes.length / 2), new TextEncoder().encode("PAR1 not onnx at all")]) {
      let err: unknown;
      try {
        readSignature(bad, "champion.onnx");
      } catch (e) {
        err = e;
      }
      expect(isUserError(err), String(err)).toBe(true);
      expect((err as Error).message).toContain("champion.onnx: not an ONNX model");
    }
  });
});

describe("openSession", () => {
  it("reads ZipMap probabilities from the exposed tensor, equal to the plain model's", async () => {
    const plain = await openSession(encodeModel(linearClassifierModel({ coefficients: w, intercepts: b })));
    const zipped = await openSession(
      encodeModel(linearClassifierModel({ coefficients: w, intercepts: b, zipmap: true })),
    );
    try {
      // onnxruntime-node itself refuses the sequence<map> output:
      await expect(zipped.session.run(feeds(), ["output_probability"])).rejects.toThrow(/Non tensor type/);
      const source = zipped.tensorFor("output_probability");
      expect(source).not.toBe("output_probability");
      const z = await zipped.run(feeds(), [source]);
      const p = await plain.run(feeds(), [plain.tensorFor("probabilities")]);
      expect(z[source]!.dims).toEqual([N, 3]);
      expect(Array.from(z[source]!.data as Float32Array)).toEqual(Array.from(p.probabilities!.data as Float32Array));
    } finally {
      await plain.release();
      await zipped.release();
    }
  });

  it("skipZipMap: leaves out the ZipMap node and its output, same probabilities, every other field kept", async () => {
    const model = linearClassifierModel({
      coefficients: w,
      intercepts: b,
      zipmap: true,
      metadata: { features: '["a","b","c"]' },
    });
    const bytes = encodeModel(model);
    const full = await openSession(bytes);
    const skipped = await openSession(bytes, { skipZipMap: true });
    try {
      expect(full.session.outputNames).toContain("output_probability");
      expect(skipped.session.outputNames).not.toContain("output_probability");
      expect(skipped.session.outputNames).toContain("output_label");
      // the signature is the model's as given
      expect(skipped.signature).toEqual(full.signature);
      const src = skipped.tensorFor("output_probability");
      const z = await skipped.run(feeds(), [src, "output_label"]);
      const f = await full.run(feeds(), [src, "output_label"]);
      expect(Array.from(z[src]!.data as Float32Array)).toEqual(Array.from(f[src]!.data as Float32Array));
      expect(Array.from(z.output_label!.data as BigInt64Array)).toEqual(
        Array.from(f.output_label!.data as BigInt64Array),
      );
    } finally {
      await full.release();
      await skipped.release();
    }
    // The byte-level edit keeps everything else: decoded, it is the model minus the node and the output.
    const edited = decodeModel(withoutNodes(bytes, (n) => n.opType === "ZipMap", new Set(["output_probability"])));
    const expected = decodeModel(bytes);
    expected.graph!.node = expected.graph!.node!.filter((n) => n.opType !== "ZipMap");
    expected.graph!.output = expected.graph!.output!.filter((o) => o.name !== "output_probability");
    expect(edited).toEqual(expected);
  });

  describe("skipZipMap keeps a ZipMap whose output another node reads", () => {
    const zipped = () => linearClassifierModel({ coefficients: w, intercepts: b, zipmap: true });
    const reader: NodeProto = { opType: "Identity", name: "reader", input: ["output_probability"], output: ["copy"] };
    const unread = (m: ModelProto) => unreadZipMapOutputs(m, readSignature(encodeModel(m)));

    it("read by nobody: skipped (the control)", () => {
      expect(unread(zipped())).toEqual(new Set(["output_probability"]));
    });

    it("read by a node of the main graph: kept, so onnxruntime still sees that node's ZipMap input", async () => {
      const model = zipped();
      model.graph!.node!.push(reader);
      expect(unread(model)).toEqual(new Set());
      // onnxruntime refuses any operator on sequence<map>, but the message shows the node still has the
      // ZipMap's output as its input (left out, the input would be undefined instead).
      await expect(openSession(encodeModel(model), { skipZipMap: true })).rejects.toThrow(
        /Type 'seq\(map\(int64,tensor\(float\)\)\)' of input parameter \(output_probability\)/,
      );
    });

    it("read inside an If branch or a Loop body: kept", () => {
      const branch = { name: "branch", node: [reader], output: [{ name: "copy" }] };
      for (const attribute of [
        [
          { name: "then_branch", type: 5, g: branch },
          { name: "else_branch", type: 5, g: { name: "other", node: [] } },
        ],
        [{ name: "body", type: 5, g: branch }],
      ]) {
        const model = zipped();
        model.graph!.node!.push({
          opType: attribute.length === 2 ? "If" : "Loop",
          input: ["c"],
          output: ["r"],
          attribute,
        });
        expect(unread(model)).toEqual(new Set());
      }
    });
  });

  it("binary tree ensemble with ZipMap: P(1) column equals the plain model", async () => {
    const spec = {
      nFeatures: 3,
      classes: [0, 1],
      postTransform: "LOGISTIC" as const,
      trees: [{ feature: 1, threshold: 0, left: { value: -0.7 }, right: { value: 0.9 } }],
    };
    const plain = await openSession(encodeModel(treeEnsembleClassifierModel(spec)));
    const zipped = await openSession(encodeModel(treeEnsembleClassifierModel({ ...spec, zipmap: true })));
    try {
      const src = zipped.tensorFor("output_probability");
      const z = (await zipped.run(feeds(), [src]))[src]!.data as Float32Array;
      const p = (await plain.run(feeds(), ["probabilities"])).probabilities!.data as Float32Array;
      expect(Array.from(z)).toEqual(Array.from(p));
      expect(new Set(z).size).toBe(4); // both leaves reached (2 leaves x 2 columns): not a vacuous comparison
    } finally {
      await plain.release();
      await zipped.release();
    }
  });

  it("a model onnxruntime rejects (unknown operator) is a UserError", async () => {
    const model = linearClassifierModel({ coefficients: w, intercepts: b, ops: "standard" });
    model.graph!.node![0]!.opType = "NoSuchOp";
    await expect(openSession(encodeModel(model), { what: "candidate" })).rejects.toSatisfy(
      (e: unknown) => isUserError(e) && /^candidate: onnxruntime .*cannot load the model/.test((e as Error).message),
    );
  });
});
