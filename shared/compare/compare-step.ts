/**
 * What the compare-models step does around the comparison: the secrets in its inputs, its outputs, the pull
 * request comment and the refusal of a rejected candidate.
 */
import { dataSecrets } from "../data";
import { GateRejection } from "../errors";
import { commentReport, type PrCommentOutcome } from "../github";
import { modelSecrets } from "../models";
import type { CompareOptions, CompareResult } from "./compare";

/** The secrets in the models' and data files' URIs, to mask before anything is logged. */
export function compareSecrets(
  opts: Pick<CompareOptions, "candidate" | "champion" | "registry" | "data" | "parityReference" | "env">,
): string[] {
  const env = opts.env ?? process.env;
  return [
    ...modelSecrets([opts.candidate, opts.champion], { registry: opts.registry, env }),
    ...dataSecrets([opts.data, opts.parityReference], env),
  ];
}

/** The step's outputs, by their names in action.yml (empty strings where a value does not apply). */
export function compareOutputs(r: CompareResult, reportUrl?: string) {
  return {
    decision: r.decision,
    "is-better": r.isBetter,
    reason: r.reason,
    "candidate-metrics": r.candidate.metrics,
    "champion-metrics": r.champion?.metrics ?? {},
    deltas: r.deltas,
    rules: r.rules,
    contract: r.contract.contract,
    "candidate-version": r.candidate.version ?? "",
    "champion-version": r.champion?.version ?? "",
    "candidate-lineage": r.candidate.training,
    report: r.reportPath,
    rows: r.rows,
    "report-html": r.htmlPath,
    "report-url": reportUrl ?? "",
  };
}

/**
 * Comment the report on the run's pull request: one comment per model, updated in place on re-runs (the
 * marker names the model), or say why not.
 */
export function commentCompareReport(
  r: CompareResult,
  opts: {
    token: string;
    /** The run: its repository and pull request. */
    run: { repository?: string; pullRequest?: number };
    commit?: string;
    apiUrl?: string;
    modelName?: string;
  },
): Promise<PrCommentOutcome> {
  return commentReport({
    token: opts.token,
    repository: opts.run.repository,
    pullRequest: opts.run.pullRequest,
    marker: `compare-models:${r.candidate.name ?? opts.modelName ?? r.candidate.label}`,
    body: r.markdown,
    commit: opts.commit,
    apiUrl: opts.apiUrl,
  });
}

/** The refusal of a rejected candidate when the step fails on reject. */
export function compareRejection(r: CompareResult): GateRejection {
  return new GateRejection(`compare-models: the candidate was rejected: ${r.reason}`, {
    input: "fail-on-reject",
    value: "false",
  });
}
