/**
 * Who ran a workflow run and where to find it, read once from the variables the runner sets
 * (https://docs.github.com/actions/reference/variables-reference). Everything that records or links a
 * run (the run context, model lineage, the registry's audit events, reports) uses this one reading.
 */
export interface RunIdentity {
  /** GITHUB_SERVER_URL without a trailing slash, default https://github.com. */
  serverUrl: string;
  repository?: string;
  runId?: string;
  runAttempt?: string;
  /** `<server>/<repository>/actions/runs/<id>`, with `/attempts/<n>` for a re-run (n > 1). */
  runUrl?: string;
  /** Who started this attempt: GITHUB_TRIGGERING_ACTOR (differs from GITHUB_ACTOR on a re-run), else GITHUB_ACTOR. */
  actor?: string;
}

export function runIdentity(env: Record<string, string | undefined>): RunIdentity {
  const v = (k: string) => (env[k] ? env[k] : undefined);
  const serverUrl = (v("GITHUB_SERVER_URL") ?? "https://github.com").replace(/\/+$/, "");
  const repository = v("GITHUB_REPOSITORY");
  const runId = v("GITHUB_RUN_ID");
  const runAttempt = v("GITHUB_RUN_ATTEMPT");
  const actor = v("GITHUB_TRIGGERING_ACTOR") ?? v("GITHUB_ACTOR");
  const attempt = runAttempt && runAttempt !== "1" ? `/attempts/${runAttempt}` : "";
  const runUrl = repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}${attempt}` : undefined;
  return {
    serverUrl,
    ...(repository ? { repository } : {}),
    ...(runId ? { runId } : {}),
    ...(runAttempt ? { runAttempt } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(actor ? { actor } : {}),
  };
}
