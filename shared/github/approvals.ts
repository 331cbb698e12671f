/**
 * Who approved this run's deployment at the environment gate: the reviews of the run's pending
 * deployments (GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals), kept for the audit trail.
 */
import { outboundFetch } from "../net";

export interface ApproversOptions {
  token: string;
  repository: string;
  runId: string;
  /** Only approvals of this environment (e.g. "production"); all approvals when absent. */
  environment?: string;
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
}

interface Approval {
  state?: string;
  user?: { login?: string };
  environments?: { name?: string }[];
}

/** Logins that approved, in review order, without duplicates. Throws on an HTTP error (callers fall back to the actor). */
export async function fetchApprovers(opts: ApproversOptions): Promise<string[]> {
  const api = (opts.apiUrl ?? "https://api.github.com").replace(/\/$/, "");
  const f = opts.fetch ?? outboundFetch;
  const res = await f(`${api}/repos/${opts.repository}/actions/runs/${opts.runId}/approvals`, {
    headers: {
      authorization: `Bearer ${opts.token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "mlops-actions",
    },
  });
  if (!res.ok) throw new Error(`GitHub answered ${res.status} for the run's approvals`);
  const approvals = (await res.json()) as Approval[];
  const out: string[] = [];
  for (const a of approvals) {
    if (a.state !== "approved" || !a.user?.login) continue;
    if (opts.environment && !(a.environments ?? []).some((e) => e.name === opts.environment)) continue;
    if (!out.includes(a.user.login)) out.push(a.user.login);
  }
  return out;
}
