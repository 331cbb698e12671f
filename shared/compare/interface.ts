/**
 * The consumer interface: the inputs and outputs the applications that call the model rely on (the
 * plants' clients of the edge server), declared by those applications' owners in a small YAML file.
 * Every candidate is checked against it, the first one too, so the contract does not depend on which
 * model happens to be the champion.
 *
 *   # interface.yml
 *   inputs:
 *     - { name: Type, dtype: string, shape: [null, 1] }
 *     - { name: "Air temperature [K]", dtype: float, shape: [null, 1] }
 *   outputs:
 *     - { name: probabilities, dtype: float, shape: [null, 2] }
 *
 * `dtype` is the ONNX element type (float, double, int64, string, ...) or, for a value that is not a
 * tensor, its type as the model card records it (ZipMap: `seq(map(int64,tensor(float)))`). `shape` is
 * optional; a dimension is a fixed size, or null (or a name such as N) for any size.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { shown, UserError } from "../errors";
import type { ModelSignature, ValueSignature } from "../onnx";
import { readUserText } from "../user-files";

const Dim = z.union([z.number().int().min(0), z.string().min(1), z.null()]);
const Tensor = z.strictObject({
  name: z.string().min(1),
  dtype: z.string().min(1),
  shape: z.array(Dim).optional(),
});
const InterfaceSchema = z.strictObject({
  inputs: z.array(Tensor).min(1),
  outputs: z.array(Tensor).min(1),
});

export type DeclaredValue = z.infer<typeof Tensor>;

export interface ConsumerInterface {
  /** The file it was read from, as given. */
  file: string;
  inputs: DeclaredValue[];
  outputs: DeclaredValue[];
}

const WHAT =
  "a YAML file listing the inputs and outputs the applications use, e.g. inputs: [{name: x, dtype: float, shape: [null, 8]}]";

/** Read and check an interface file; every problem is a UserError naming the input and where in the file. */
export async function loadInterface(path: string): Promise<ConsumerInterface> {
  const text = await readUserText(path, "interface", WHAT);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new UserError(
      `interface: ${path} is not YAML (got ${(e as Error).message.split("\n")[0]}). Set interface: to ${WHAT}.`,
    );
  }
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    // A misspelt key first: it is why the expected one is missing.
    const unknown = Object.keys(data).filter((k) => k !== "inputs" && k !== "outputs");
    if (unknown.length > 0)
      throw new UserError(
        `interface: ${path}: unknown key ${shown(unknown[0])} (got keys ${shown(Object.keys(data).join(", "))}). Use inputs: and outputs:.`,
      );
  }
  const r = InterfaceSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.join(".") : "the top level";
    const got = valueAt(data, issue.path);
    const problem = got === undefined ? "missing" : issue.message;
    throw new UserError(
      `interface: ${path}: ${at}: ${problem} (got ${got === undefined ? "nothing" : shown(got)}). Write ${WHAT}.`,
    );
  }
  for (const side of ["inputs", "outputs"] as const) {
    const seen = new Set<string>();
    for (const v of r.data[side]) {
      if (seen.has(v.name))
        throw new UserError(
          `interface: ${path}: ${side} lists ${shown(v.name)} twice (got a duplicate name). List each ${side.slice(0, -1)} once.`,
        );
      seen.add(v.name);
    }
  }
  return { file: path, ...r.data };
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** The type a declaration is matched with: the element type of a tensor, the full type of anything else. */
export const declaredType = (v: ValueSignature): string => (v.kind === "tensor" ? v.dtype : v.type);

const dims = (shape: readonly (number | string | null)[] | null | undefined) =>
  shape ? `[${shape.map((d) => d ?? "?").join(",")}]` : "(no shape)";

/** Fixed sizes must be equal; a named or null dimension on either side matches any size. */
function shapeFits(declared: DeclaredValue["shape"], actual: ValueSignature["shape"]): boolean {
  if (!declared || !actual) return true;
  if (declared.length !== actual.length) return false;
  return declared.every((d, i) => {
    const a = actual[i];
    return typeof d !== "number" || typeof a !== "number" || d === a;
  });
}

/** How a model differs from the interface: one line per difference, empty when it fits. */
export function checkInterface(signature: ModelSignature, iface: ConsumerInterface): string[] {
  const out: string[] = [];
  const side = (kind: "input" | "output", declared: DeclaredValue[], actual: ValueSignature[]) => {
    const byName = new Map(actual.map((v) => [v.name, v]));
    for (const d of declared) {
      const v = byName.get(d.name);
      if (!v) {
        out.push(
          `${kind} "${d.name}" (${d.dtype}${d.shape ? ` ${dims(d.shape)}` : ""}) that the interface declares is missing`,
        );
        continue;
      }
      if (declaredType(v) !== d.dtype)
        out.push(`${kind} "${d.name}" is ${declaredType(v)}, the interface declares ${d.dtype}`);
      else if (!shapeFits(d.shape, v.shape))
        out.push(`${kind} "${d.name}" has shape ${dims(v.shape)}, the interface declares ${dims(d.shape)}`);
    }
    if (kind === "input") {
      // The applications send only what the interface lists: an extra input would never be fed.
      const known = new Set(declared.map((d) => d.name));
      for (const v of actual) if (!known.has(v.name)) out.push(`input "${v.name}" (${v.type}) is not in the interface`);
    }
  };
  side("input", iface.inputs, signature.inputs);
  side("output", iface.outputs, signature.outputs);
  return out;
}

/** A model's signature written as an interface file, to start one from the current model. */
export function interfaceYaml(signature: ModelSignature): string {
  const line = (v: ValueSignature) =>
    `  - { name: ${JSON.stringify(v.name)}, dtype: ${JSON.stringify(declaredType(v))}${v.shape ? `, shape: [${v.shape.map((d) => (typeof d === "number" ? d : "null")).join(", ")}]` : ""} }`;
  return ["inputs:", ...signature.inputs.map(line), "outputs:", ...signature.outputs.map(line), ""].join("\n");
}
