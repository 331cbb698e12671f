/**
 * Where a registry model was trained, from its model card's lineage (written by train): the commit, the
 * workflow run, and for a model trained as an Azure ML job that job, its Studio page and the workspace model
 * version. compare-models outputs it for the candidate (`candidate-lineage`), so the approval request can link
 * to the run that produced the model rather than only to the run that asks for approval.
 */
import type { Lineage } from "../registry";
import type { AzureMLLineage } from "../train";

export interface TrainingLineage {
  repository?: string;
  gitSha?: string;
  workflow?: string;
  runId?: string;
  runUrl?: string;
  azureml?: {
    jobName: string;
    studioUrl: string;
    experiment?: string;
    /** The workspace model version train registered (`azureml:<name>:<version>` and its Studio page). */
    model?: { id: string; studioUrl: string };
  };
}

export function trainingLineage(l: Lineage | undefined): TrainingLineage {
  const out: TrainingLineage = {};
  if (!l) return out;
  for (const k of ["repository", "gitSha", "workflow", "runId", "runUrl"] as const)
    if (typeof l[k] === "string" && l[k]) out[k] = l[k];
  const a = l.azureml as Partial<AzureMLLineage> | undefined;
  if (a && typeof a.jobName === "string" && typeof a.studioUrl === "string") {
    out.azureml = {
      jobName: a.jobName,
      studioUrl: a.studioUrl,
      ...(typeof a.experiment === "string" ? { experiment: a.experiment } : {}),
      ...(a.model && typeof a.model.id === "string" && typeof a.model.studioUrl === "string"
        ? { model: { id: a.model.id, studioUrl: a.model.studioUrl } }
        : {}),
    };
  }
  return out;
}
