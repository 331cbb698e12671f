/**
 * The card input of the notify-teams action: compare-models' outputs, overridden by explicit inputs,
 * with lineage and links taken from the run. Delivery is shared/teams' runNotifyTeams.
 */
import {
  type ApprovalCardInput,
  fromCompareOutputs,
  type Lineage,
  type MetricRow,
  metricRows,
  parseMention,
} from "../teams";

export interface RunContext {
  serverUrl: string;
  repository?: string;
  sha?: string;
  actor?: string;
  workflow?: string;
  runUrl?: string;
  pullRequest?: number;
  pullRequestTitle?: string;
}

export interface ApprovalRequestInput {
  title?: string;
  environment?: string;
  model?: string;
  candidateVersion?: string;
  championVersion?: string;
  /** All outputs of a compare-models step (values are strings, JSON where structured). */
  compareOutputs?: Record<string, string>;
  candidateMetrics?: Record<string, number | null>;
  championMetrics?: Record<string, number | null>;
  decision?: string;
  reason?: string;
  facts?: Record<string, string>;
  approveUrl?: string;
  prUrl?: string;
  reportUrl?: string;
  mention?: string;
  /** false: report what happened, ask for nothing (see ApprovalCardInput.requestApproval). */
  requestApproval?: boolean;
}

const finite = (m: Record<string, number | null> | undefined): Record<string, number> =>
  Object.fromEntries(
    Object.entries(m ?? {}).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])),
  );

/** Explicit inputs win over compare-models' outputs; links default to the run and its pull request. */
export function approvalCardInput(input: ApprovalRequestInput, run: RunContext): ApprovalCardInput {
  const fromCompare = fromCompareOutputs(input.compareOutputs ?? {});
  const explicitMetrics = input.candidateMetrics !== undefined || input.championMetrics !== undefined;
  const metrics: MetricRow[] = explicitMetrics
    ? metricRows(finite(input.candidateMetrics), finite(input.championMetrics))
    : (fromCompare.metrics ?? []);
  const repoUrl = run.repository ? `${run.serverUrl}/${run.repository}` : undefined;
  const prUrl = input.prUrl ?? (run.pullRequest && repoUrl ? `${repoUrl}/pull/${run.pullRequest}` : undefined);
  const lineage: Lineage = {
    commit: run.sha,
    commitUrl: run.sha && repoUrl ? `${repoUrl}/commit/${run.sha}` : undefined,
    pullRequest: run.pullRequest ? { number: run.pullRequest, url: prUrl, title: run.pullRequestTitle } : undefined,
    runUrl: run.runUrl,
    actor: run.actor,
    repository: run.repository,
    workflow: run.workflow,
    ...(fromCompare.training ? { training: fromCompare.training } : {}),
  };
  const card: ApprovalCardInput = {
    title: input.title || "Model ready for approval",
    model: input.model || "model",
    candidateVersion: input.candidateVersion || fromCompare.candidateVersion || "candidate",
    championVersion: input.championVersion || fromCompare.championVersion || undefined,
    decision: input.decision || fromCompare.decision || "pending",
    reason: input.reason || fromCompare.reason || "",
    metrics,
    lineage,
    environment: input.environment || "production",
    facts: [
      ...(fromCompare.facts ?? []),
      ...Object.entries(input.facts ?? {}).map(([title, value]) => ({ title, value })),
    ],
    links: {
      approve: input.approveUrl || run.runUrl || (repoUrl ? `${repoUrl}/actions` : "https://github.com"),
      ...(prUrl ? { pullRequest: prUrl } : {}),
      ...(input.reportUrl || fromCompare.reportUrl ? { report: input.reportUrl || fromCompare.reportUrl } : {}),
    },
  };
  if (input.requestApproval === false) card.requestApproval = false;
  const mention = input.mention ? parseMention(input.mention) : undefined;
  if (mention) card.mention = mention;
  return card;
}
