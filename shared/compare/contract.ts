/**
 * The model contract: what a caller of the model relies on. A candidate whose inputs or outputs differ
 * from the champion's in name, element type or fixed dimension is a breaking change for the systems that
 * call it (the edge server's clients), even when its metrics are better; so is a candidate that does not
 * fit the consumer interface file (interface.ts), when the workflow gives one.
 */
import type { ModelSignature, ValueSignature } from "../onnx";
import { type ConsumerInterface, checkInterface } from "./interface";

export interface ContractReport {
  /** unchecked: there was nothing to compare with (no champion and no interface file). */
  contract: "compatible" | "breaking" | "unchecked";
  /** One line per difference, e.g. `input "torque" type tensor(float)[N,1] -> tensor(double)[N,1]`; interface ones start with the file. */
  differences: string[];
  /** What the candidate was checked against. */
  checkedAgainst: ("champion" | "interface")[];
  /** The interface file, when one was given. */
  interfaceFile?: string;
}

const dims = (v: ValueSignature) => (v.shape ? `[${v.shape.map((d) => d ?? "?").join(",")}]` : "(no shape)");

/** Symbolic dims (batch "N", null) match anything; fixed sizes must be equal. */
function shapeCompatible(a: ValueSignature, b: ValueSignature): boolean {
  if (!a.shape || !b.shape) return true;
  if (a.shape.length !== b.shape.length) return false;
  return a.shape.every((d, i) => {
    const e = b.shape![i];
    return typeof d !== "number" || typeof e !== "number" || d === e;
  });
}

function side(kind: "input" | "output", cand: ValueSignature[], champ: ValueSignature[], out: string[]): void {
  const byName = new Map(cand.map((v) => [v.name, v]));
  for (const c of champ) {
    const v = byName.get(c.name);
    if (!v) {
      out.push(`${kind} "${c.name}" (${c.type}) is gone`);
      continue;
    }
    if (v.kind !== c.kind || v.dtype !== c.dtype) out.push(`${kind} "${c.name}" type ${c.type} -> ${v.type}`);
    else if (!shapeCompatible(v, c)) out.push(`${kind} "${c.name}" shape ${dims(c)} -> ${dims(v)}`);
  }
  const known = new Set(champ.map((c) => c.name));
  for (const v of cand) {
    // A new input is breaking (callers do not send it); a new output is not.
    if (!known.has(v.name) && kind === "input") out.push(`input "${v.name}" (${v.type}) is new`);
  }
}

export function compareContracts(
  candidate: ModelSignature,
  champion: ModelSignature | undefined,
  iface?: ConsumerInterface,
): ContractReport {
  const differences: string[] = [];
  const checkedAgainst: ContractReport["checkedAgainst"] = [];
  if (champion) {
    checkedAgainst.push("champion");
    side("input", candidate.inputs, champion.inputs, differences);
    side("output", candidate.outputs, champion.outputs, differences);
  }
  if (iface) {
    checkedAgainst.push("interface");
    for (const d of checkInterface(candidate, iface)) differences.push(`${iface.file}: ${d}`);
  }
  const contract = checkedAgainst.length === 0 ? "unchecked" : differences.length === 0 ? "compatible" : "breaking";
  return { contract, differences, checkedAgainst, ...(iface ? { interfaceFile: iface.file } : {}) };
}
