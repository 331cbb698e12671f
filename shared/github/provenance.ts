/** Which commit and run a report describes, from the run's context (the same fields the runner sets). */
export interface RunInfo {
  serverUrl: string;
  repository?: string;
  sha?: string;
  runId?: string;
  runAttempt?: string;
  /** The attempt's URL, as runIdentity reads it. */
  runUrl?: string;
  event: Record<string, unknown>;
  pullRequest?: number;
}

export interface ReportProvenance {
  commit?: string;
  commitUrl?: string;
  runUrl?: string;
  run?: string;
  at: string;
}

/**
 * The commit a report is about: for a pull request the head commit the run was started for (GITHUB_SHA is
 * then the test merge commit, which a reviewer never sees), else GITHUB_SHA; with links to it and the run.
 */
export function reportProvenance(run: RunInfo, now: Date = new Date()): ReportProvenance {
  const head = (run.event.pull_request as { head?: { sha?: unknown } } | undefined)?.head?.sha;
  const commit = typeof head === "string" && head ? head : run.sha;
  const repo = run.repository ? `${run.serverUrl}/${run.repository}` : undefined;
  const commitUrl =
    commit && repo
      ? run.pullRequest !== undefined && typeof head === "string"
        ? `${repo}/pull/${run.pullRequest}/commits/${commit}`
        : `${repo}/commit/${commit}`
      : undefined;
  const attempt = Number(run.runAttempt ?? "1");
  const label = run.runId ? `run ${run.runId}${attempt > 1 ? ` (attempt ${attempt})` : ""}` : undefined;
  const runUrl = run.runUrl;
  return {
    ...(commit ? { commit } : {}),
    ...(commitUrl ? { commitUrl } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(label ? { run: label } : {}),
    at: now.toISOString(),
  };
}
