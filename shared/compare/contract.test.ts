import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelSignature, ValueSignature } from "../onnx";
import { compareContracts } from "./contract";
import { type ConsumerInterface, checkInterface, interfaceYaml, loadInterface } from "./interface";

const t = (name: string, dtype: ValueSignature["dtype"], shape: (number | string | null)[]): ValueSignature => ({
  name,
  kind: "tensor",
  dtype,
  shape,
  type: `tensor(${dtype})[${shape.join(",")}]`,
});
const sig = (inputs: ValueSignature[], outputs: ValueSignature[]) => ({ inputs, outputs }) as unknown as ModelSignature;

describe("compareContracts", () => {
  const champion = sig(
    [t("input", "float", ["N", 5])],
    [t("label", "int64", ["N"]), t("probabilities", "float", ["N", 2])],
  );

  it("is compatible when names, types and fixed dims match (batch dims may differ in name)", () => {
    const candidate = sig(
      [t("input", "float", [null, 5])],
      [t("label", "int64", ["batch"]), t("probabilities", "float", ["N", 2]), t("extra", "float", ["N"])],
    );
    expect(compareContracts(candidate, champion)).toEqual({
      contract: "compatible",
      differences: [],
      checkedAgainst: ["champion"],
    });
  });

  it("lists every breaking difference", () => {
    const candidate = sig(
      [t("input", "double", ["N", 5]), t("plant", "string", ["N", 1])],
      [t("probabilities", "float", ["N", 3])],
    );
    const r = compareContracts(candidate, champion);
    expect(r.contract).toBe("breaking");
    expect(r.differences).toEqual([
      'input "input" type tensor(float)[N,5] -> tensor(double)[N,5]',
      'input "plant" (tensor(string)[N,1]) is new',
      'output "label" (tensor(int64)[N]) is gone',
      'output "probabilities" shape [N,2] -> [N,3]',
    ]);
  });

  it("says unchecked, not compatible, when there is neither a champion nor an interface", () => {
    expect(compareContracts(champion, undefined).contract).toBe("unchecked");
  });

  const iface: ConsumerInterface = {
    file: "interface.yml",
    inputs: [{ name: "input", dtype: "float", shape: [null, 5] }],
    outputs: [{ name: "probabilities", dtype: "float", shape: ["N", 2] }],
  };

  it("checks a first model against the consumer interface", () => {
    expect(compareContracts(champion, undefined, iface)).toMatchObject({
      contract: "compatible",
      checkedAgainst: ["interface"],
    });
    const zipmap = sig(
      [t("float_input", "float", ["N", 5])],
      [
        t("output_label", "int64", ["N"]),
        {
          ...t("output_probability", "float", []),
          kind: "sequence",
          shape: null,
          type: "seq(map(int64,tensor(float)))",
        },
      ],
    );
    expect(compareContracts(zipmap, undefined, iface).differences).toEqual([
      'interface.yml: input "input" (float [?,5]) that the interface declares is missing',
      'interface.yml: input "float_input" (tensor(float)[N,5]) is not in the interface',
      'interface.yml: output "probabilities" (float [N,2]) that the interface declares is missing',
    ]);
  });

  it("reads dtypes, shapes and non-tensor types from the interface file", () => {
    const wide = sig([t("input", "float", ["N", 6])], [t("probabilities", "double", ["N", 2])]);
    expect(checkInterface(wide, iface)).toEqual([
      'input "input" has shape [N,6], the interface declares [?,5]',
      'output "probabilities" is double, the interface declares float',
    ]);
    expect(interfaceYaml(champion)).toBe(
      'inputs:\n  - { name: "input", dtype: "float", shape: [null, 5] }\noutputs:\n  - { name: "label", dtype: "int64", shape: [null] }\n  - { name: "probabilities", dtype: "float", shape: [null, 2] }\n',
    );
  });
});

describe("loadInterface", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlops-interface-"));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("reads the YAML a plant application's owner writes", async () => {
    const path = file(
      "ok.yml",
      "inputs:\n  - {name: x, dtype: float, shape: [null, 3]}\noutputs:\n  - {name: y, dtype: float}\n",
    );
    expect(await loadInterface(path)).toEqual({
      file: path,
      inputs: [{ name: "x", dtype: "float", shape: [null, 3] }],
      outputs: [{ name: "y", dtype: "float" }],
    });
  });

  it.each([
    ["empty.yml", "", /^interface: the file is empty/],
    ["bad.yml", "inputs: [", /^interface: .*bad\.yml is not YAML/],
    [
      "typo.yml",
      "inputs: [{name: x, dtype: float}]\noutput: []\n",
      /^interface: .*typo\.yml: unknown key "output" \(got keys "inputs, output"\)/,
    ],
    [
      "shape.yml",
      "inputs: [{name: x, dtype: float, shape: [-1]}]\noutputs: [{name: y, dtype: float}]\n",
      /inputs\.0\.shape\.0: .*\(got -1\)/,
    ],
    [
      "twice.yml",
      "inputs: [{name: x, dtype: float}, {name: x, dtype: float}]\noutputs: [{name: y, dtype: float}]\n",
      /inputs lists "x" twice/,
    ],
  ])("refuses %s with one message naming the input and the place", async (name, text, message) => {
    await expect(loadInterface(file(name, text))).rejects.toThrow(message);
  });

  it("refuses a directory and a missing file", async () => {
    await expect(loadInterface(dir)).rejects.toThrow(/^interface: is a directory/);
    await expect(loadInterface(join(dir, "nope.yml"))).rejects.toThrow(/^interface: cannot use .*nope\.yml.*ENOENT/);
  });
});
