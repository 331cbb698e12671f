import { readFile } from "node:fs/promises";
import { shown, UserError } from "../errors";

/**
 * Loads the model with ONNX Runtime (the same engine, and the same session setup, the edge server uses) so a
 * model that cannot load fails the packaging step instead of crash-looping at the plant. Returns the model's
 * declared input and output names. ONNX Runtime is imported on first use, so packaging steps that never check
 * a model do not load it.
 */
export async function checkModelLoads(modelPath: string): Promise<{ inputs: string[]; outputs: string[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelPath);
  } catch (e) {
    throw new UserError(
      `model: cannot read ${shown(modelPath)} (${shown((e as Error).message, 200)}). Pass the champion's model.onnx as exported by train.`,
      { cause: e },
    );
  }
  const { openSession } = await import("../onnx");
  const model = await openSession(bytes, { what: `model (${modelPath})` });
  const io = {
    inputs: model.signature.inputs.map((i) => i.name),
    outputs: model.signature.outputs.map((o) => o.name),
  };
  await model.release();
  return io;
}
