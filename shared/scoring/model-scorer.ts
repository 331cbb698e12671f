/**
 * One score per row from an ONNX model over columns of data, read the same way everywhere: the input
 * binding of `planInputs`, the output of `chooseOutput` (probabilities before anything else, never an
 * integer label) and the tensors of `buildFeeds` (a missing value fed to an integer input is refused).
 */
import type * as ort from "onnxruntime-node";
import { type ColumnBatch, type ColumnType, declaredFeatures, type InputPlan, planInputs } from "../data";
import { UserError } from "../errors";
import { type ModelSession, openSession } from "../onnx";
import { buildFeeds, type NanPolicy } from "./feeds";
import { chooseOutput, type OutputChoice } from "./outputs";

export interface ModelScorer {
  /** The data columns the model declares it reads, in model order (undefined: it does not say). */
  declaredFeatures: string[] | undefined;
  choice: OutputChoice;
  /** Bind the model's inputs to data columns (a mismatch is a UserError showing both sides). */
  plan(features: string[], dataColumns: string[], dataTypes: Record<string, ColumnType>): InputPlan;
  /** One score per row of the batch: the value for `[N]`/`[N,1]`, P(positive) for `[N,2]`, the top probability for `[N,C]`. */
  score(plan: InputPlan, batch: ColumnBatch, nan: NanPolicy): Promise<Float64Array>;
  release(): Promise<void>;
}

/** Open a model for scoring; `what` names it in messages. */
export async function openModelScorer(model: Uint8Array, what: string): Promise<ModelScorer> {
  const session: ModelSession = await openSession(model, { what });
  let choice: OutputChoice;
  try {
    choice = chooseOutput(what, session);
  } catch (e) {
    await session.release();
    throw e;
  }
  return {
    declaredFeatures: declaredFeatures(session.signature),
    choice,
    plan: (features, dataColumns, dataTypes) =>
      planInputs({ model: what, signature: session.signature, features, dataTypes, dataColumns }),
    async score(plan, batch, nan) {
      const feeds = buildFeeds(plan.bindings, batch, nan, new Map());
      const out = (await session.run(feeds, [choice.fetch]))[choice.fetch] as ort.Tensor | undefined;
      if (!out) throw new Error(`${what}: output ${choice.fetch} missing from the run`);
      return rowScores(what, choice, out, batch.rows);
    },
    release: () => session.release(),
  };
}

function rowScores(what: string, choice: OutputChoice, out: ort.Tensor, n: number): Float64Array {
  const data = out.data as ArrayLike<number>;
  const width = out.dims.length === 2 ? Number(out.dims[1]) : 1;
  if (data.length !== n * width) {
    throw new UserError(
      `${what}: output "${choice.output}" returned ${data.length} values for ${n} rows (got dims [${out.dims.join(",")}]). Export a per-row output.`,
    );
  }
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (width === 1) scores[i] = data[i] as number;
    else if (width === 2) scores[i] = data[i * 2 + 1] as number;
    else {
      let best = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < width; c++) best = Math.max(best, data[i * width + c] as number);
      scores[i] = best;
    }
  }
  return scores;
}
