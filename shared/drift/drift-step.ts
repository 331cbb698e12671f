/** The detect-drift action's use case: optional prediction drift with a model, the comparison, the reports. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log";
import { resolveModel } from "../models";
import { ensureOutputDir } from "../user-files";
import { type DetectDriftOptions, type DriftResult, detectDrift } from "./detect-drift";
import { onnxScorer } from "./onnx-scorer";

export interface DriftStepOptions extends Omit<DetectDriftOptions, "predict" | "predictColumns" | "logger"> {
  /** A model file or registry reference whose score distributions are compared too. */
  model?: string;
  registry?: string;
  env?: Record<string, string | undefined>;
  reportDir: string;
  logger?: Logger;
}

export interface DriftStepResult extends DriftResult {
  reportPath: string;
  markdownPath: string;
}

export async function runDetectDrift(opts: DriftStepOptions): Promise<DriftStepResult> {
  const { model, registry, env, reportDir, ...detect } = opts;
  await ensureOutputDir(reportDir, "report-dir");
  let scorer: Awaited<ReturnType<typeof onnxScorer>> | undefined;
  if (model) {
    const m = (await resolveModel(model, { registry, env, logger: opts.logger, what: "model" }))!;
    scorer = await onnxScorer(await readFile(m.path));
  }
  try {
    const result = await detectDrift({
      ...detect,
      ...(scorer ? { predict: (t) => scorer!.predict(t), predictColumns: scorer.features } : {}),
      logger: opts.logger,
    });
    const reportPath = join(reportDir, "report.html");
    const markdownPath = join(reportDir, "report.md");
    await writeFile(reportPath, result.reportHtml);
    await writeFile(markdownPath, result.reportMarkdown);
    return { ...result, reportPath, markdownPath };
  } finally {
    await scorer?.release();
  }
}
