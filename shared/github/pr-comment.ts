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
  /**
   * The commit the report describes (a pull request's head when the run started). The comment records it;
   * when the pull request's head has moved on, the comment says it is stale, and a comment that already
   * describes the newer head is left as it is.
   */
  commit?: string;
  /** GITHUB_API_URL; default https://api.github.com. */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Comments are listed 100 per page; stop after this many pages. */
  maxPages?: number;
}

export interface PrCommentResult {
  /** "kept": the comment already describes a newer commit (the pull request's head), so it was not replaced. */
  action: "created" | "updated" | "kept";
  id: number;
  url: string;
  /** The pull request's head when it differs from `commit`: this report describes an older commit. */
  staleFor?: string;
}

/** GitHub's comment limit is 65,536 characters. */
const MAX_BODY = 65_000;

export function markerFor(marker: string): string {
  return `<!-- mlops-actions ${marker.replace(/--/g, "-")} -->`;
}

const COMMIT_MARK = /^<!-- mlops-actions commit ([0-9a-f]{7,64}) -->$/m;

/** The note at the top of a report made for an older commit than the pull request's head. */
export function staleNote(commit: string, head: string): string {
  return [
    "> [!WARNING]",
    `> This report describes commit \`${commit.slice(0, 7)}\`, an older commit than the pull request's head \`${head.slice(0, 7)}\`. A run for the head will replace it.`,
  ].join("\n");
}

export async function upsertPrComment(opts: PrCommentOptions): Promise<PrCommentResult> {
  const api = (opts.apiUrl ?? "https://api.github.com").replace(/\/$/, "");
  const f = opts.fetch ?? outboundFetch;
  const hidden = markerFor(opts.marker);
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
  const commit = opts.commit && /^[0-9a-f]{7,64}$/i.test(opts.commit) ? opts.commit.toLowerCase() : undefined;
  // The head now: a report for another commit is stale. Reading it needs pull-requests: read, which the
  // write permission a comment needs includes; if it cannot be read, the report is shown without the check.
  let head: string | undefined;
  if (commit) {
    try {
      const pr = (await call("GET", `/repos/${opts.repository}/pulls/${opts.pullRequest}`)) as {
        head?: { sha?: string };
      };
      head = pr.head?.sha?.toLowerCase();
    } catch {
      head = undefined;
    }
  }
  const staleFor = commit && head && head !== commit ? head : undefined;
  let body = [
    hidden,
    ...(commit ? [`<!-- mlops-actions commit ${commit} -->`] : []),
    ...(staleFor ? [staleNote(commit!, staleFor), ""] : []),
    opts.body,
  ].join("\n");
  if (body.length > MAX_BODY)
    body = `${body.slice(0, MAX_BODY)}\n\n_…report cut to fit a GitHub comment; the full report is in the job summary._`;
  const stale = staleFor ? { staleFor } : {};
  const base = `/repos/${opts.repository}/issues`;
  for (let page = 1; page <= (opts.maxPages ?? 10); page++) {
    const comments = (await call("GET", `${base}/${opts.pullRequest}/comments?per_page=100&page=${page}`)) as {
      id: number;
      body?: string;
      html_url: string;
    }[];
    const mine = comments.find((c) => c.body?.startsWith(hidden));
    if (mine) {
      // A slower run for an older commit must not replace the report of the head.
      if (staleFor && COMMIT_MARK.exec(mine.body ?? "")?.[1] === staleFor) {
        return { action: "kept", id: mine.id, url: mine.html_url, ...stale };
      }
      const updated = (await call("PATCH", `${base}/comments/${mine.id}`, { body })) as {
        id: number;
        html_url: string;
      };
      return { action: "updated", id: updated.id, url: updated.html_url, ...stale };
    }
    if (comments.length < 100) break;
  }
  const created = (await call("POST", `${base}/${opts.pullRequest}/comments`, { body })) as {
    id: number;
    html_url: string;
  };
  return { action: "created", id: created.id, url: created.html_url, ...stale };
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

/** What became of a report's PR comment, as one line for the log or an annotation. */
export interface PrCommentOutcome {
  level: "info" | "notice" | "warning";
  message: string;
}

/**
 * Comments a report on the run's pull request (created once, updated in place on re-runs), or says why
 * not: not a pull-request run (notice), refused or unreachable (warning; the decision stands).
 */
export async function commentReport(
  opts: Omit<PrCommentOptions, "pullRequest" | "repository"> & {
    pullRequest?: number;
    repository?: string;
  },
): Promise<PrCommentOutcome> {
  if (opts.pullRequest === undefined || !opts.repository) {
    return { level: "notice", message: "comment-on-pr: this run is not for a pull request; no comment written." };
  }
  const c = await tryUpsertPrComment({ ...opts, pullRequest: opts.pullRequest, repository: opts.repository });
  if (!c.ok) return { level: "warning", message: `${c.message} The report is in the job summary.` };
  if (c.action === "kept") {
    return {
      level: "notice",
      message: `comment-on-pr: kept ${c.url}: it describes the pull request's head ${c.staleFor?.slice(0, 7)}, newer than this run's commit.`,
    };
  }
  const stale = c.staleFor ? ` (marked stale: the pull request's head is now ${c.staleFor.slice(0, 7)})` : "";
  return { level: "info", message: `comment-on-pr: ${c.action} ${c.url}${stale}` };
}
