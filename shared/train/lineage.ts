import { runIdentity } from "../github";

/** Where a model came from, read from the GitHub Actions environment (all fields absent outside a runner). */
// A type alias, not an interface: it must fit the registry's open lineage record.
export type RunLineage = {
  gitSha?: string;
  ref?: string;
  repository?: string;
  workflow?: string;
  runId?: string;
  runAttempt?: string;
  /** `<server>/<repository>/actions/runs/<run id>` (with `/attempts/<n>` for re-runs). */
  runUrl?: string;
  actor?: string;
};

/** Lineage from GITHUB_SHA, GITHUB_REF, GITHUB_REPOSITORY, GITHUB_WORKFLOW and the run identity (runIdentity). */
export function lineageFromEnv(env: Record<string, string | undefined>): RunLineage {
  const v = (k: string) => (env[k] && env[k] !== "" ? env[k] : undefined);
  const out: RunLineage = {};
  const set = (k: keyof RunLineage, value: string | undefined) => {
    if (value !== undefined) out[k] = value;
  };
  set("gitSha", v("GITHUB_SHA"));
  set("ref", v("GITHUB_REF"));
  set("repository", v("GITHUB_REPOSITORY"));
  set("workflow", v("GITHUB_WORKFLOW"));
  const run = runIdentity(env);
  set("runId", run.runId);
  set("runAttempt", run.runAttempt);
  set("actor", run.actor);
  set("runUrl", run.runUrl);
  return out;
}

/** One trial of a matrix sweep on Azure ML, as the lineage records it. */
export type AzureMLTrialLineage = {
  jobName: string;
  status: string;
  params: Record<string, string | number | boolean>;
  /** The sweep metric's value (absent when the trial failed or did not write it). */
  metric?: number;
  studioUrl: string;
};

/** A model version in the Azure ML workspace, as the lineage records it. */
export type AzureMLModelLineage = {
  name: string;
  version: string;
  /** `azureml:<name>:<version>` */
  id: string;
  studioUrl: string;
};

/** Where the model was trained when train ran it as an Azure ML job (`compute: azureml`). */
export type AzureMLLineage = {
  jobName: string;
  /** ARM id of the job. */
  jobId: string;
  studioUrl: string;
  experiment: string;
  /** computeId of the job (pipeline jobs: the default compute, when set). */
  compute?: string;
  /** environmentId of the command job. */
  environment?: string;
  jobType: "Command" | "Pipeline";
  /** The model version train registered in the workspace (`workspace-model`), pointing at the job's output. */
  model?: AzureMLModelLineage;
  /** Set for a matrix sweep: every trial, and the metric that chose the winner (`max:auc`). */
  sweep?: { metric: string; winner: string; trials: AzureMLTrialLineage[] };
};
