/**
 * One pull-request comment per report, updated in place on re-runs: the comment carries a hidden marker
 * and is found by it. Plain REST calls through an injected fetch (the same endpoints @actions/github would
 * call), so tests run against a local server.
 */
import { isUserError, UserError } from "../errors";
import { outboundFetch } from "../net";

export interface PrCommentOptions {
  token: string;
  /** owner/name */
  repository: string;
  pullRequest: number;
  /** Identifies this report's comment, e.g. "compare-models:failure-predictor". */
  marker: string;
  body: string;
  /** GITHUB_API_URL; default https://api.github.com. */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Comments are listed 100 per page; stop after this many pages. */
  maxPages?: number;
}

export interface PrCommentResult {
  action: "created" | "updated";
  id: number;
  url: string;
}

/** GitHub's comment limit is 65,536 characters. */
const MAX_BODY = 65_000;

export function markerFor(marker: string): string {
  return `<!-- mlops-actions ${marker.replace(/--/g, "-")} -->`;
}

export async function upsertPrComment(opts: PrCommentOptions): Promise<PrCommentResult> {
  const api = (opts.apiUrl ?? "https://api.github.com").replace(/\/$/, "");
  const f = opts.fetch ?? outboundFetch;
  const hidden = markerFor(opts.marker);
  let body = `${hidden}\n${opts.body}`;
  if (body.length > MAX_BODY)
    body = `${body.slice(0, MAX_BODY)}\n\n_…report cut to fit a GitHub comment; the full report is in the job summary._`;
  const headers = {
    authorization: `Bearer ${opts.token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "content-type": "application/json",
    "user-agent": "mlops-actions",
  };
  const call = async (method: string, path: string, payload?: unknown) => {
    const res = await f(`${api}${path}`, { method, headers, ...(payload ? { body: JSON.stringify(payload) } : {}) });
    if (!res.ok) {
      const text = (await res.text().catch(() => "")).slice(0, 200);
      const hint =
        res.status === 401 || res.status === 403 || res.status === 404
          ? " Give the job `permissions: pull-requests: write` and pass github-token (the default GITHUB_TOKEN works for pull requests from the same repository)."
          : " Try again; GitHub may be unavailable.";
      throw new UserError(
        `comment-on-pr: GitHub answered ${res.status} to ${method} ${path} (got ${JSON.stringify(text)}).${hint}`,
      );
    }
    return res.json() as Promise<unknown>;
  };
  const base = `/repos/${opts.repository}/issues`;
  for (let page = 1; page <= (opts.maxPages ?? 10); page++) {
    const comments = (await call("GET", `${base}/${opts.pullRequest}/comments?per_page=100&page=${page}`)) as {
      id: number;
      body?: string;
      html_url: string;
    }[];
    const mine = comments.find((c) => c.body?.startsWith(hidden));
    if (mine) {
      const updated = (await call("PATCH", `${base}/comments/${mine.id}`, { body })) as {
        id: number;
        html_url: string;
      };
      return { action: "updated", id: updated.id, url: updated.html_url };
    }
    if (comments.length < 100) break;
  }
  const created = (await call("POST", `${base}/${opts.pullRequest}/comments`, { body })) as {
    id: number;
    html_url: string;
  };
  return { action: "created", id: created.id, url: created.html_url };
}

/**
 * The PR comment of a report whose decision is already made: a comment GitHub refuses (a pull request from a
 * fork gets a read-only token) or an unreachable API is reported as a message, never a reason to fail.
 */
export async function tryUpsertPrComment(
  opts: PrCommentOptions,
): Promise<({ ok: true } & PrCommentResult) | { ok: false; message: string }> {
  try {
    return { ok: true, ...(await upsertPrComment(opts)) };
  } catch (e) {
    const message = isUserError(e)
      ? e.message
      : `comment-on-pr: could not reach the GitHub API (got ${(e as Error).message}).`;
    return { ok: false, message };
  }
}
