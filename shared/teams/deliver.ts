import { parseRetryAfter, realSleep } from "../http";
import { type Logger, silentLogger } from "../log";
import { outboundFetch } from "../net";
import { redactUrl, scrubSecret } from "./webhook-url";

export interface DeliverOptions {
  /** The webhook URL (validate it first with validateWebhookUrl). Never printed. */
  url: string;
  /** Retries after the first attempt, on network errors, timeouts, 408, 429 and 5xx. Default 4. */
  retries?: number;
  /** Per-attempt limit covering the connection, the request and the response body. Default 10 s. */
  timeoutMs?: number;
  /** First backoff delay; doubles per retry, with jitter. Default 1 s. */
  baseDelayMs?: number;
  /** Ceiling for one backoff delay and for an honoured Retry-After. Default 30 s. */
  maxDelayMs?: number;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds; used to read HTTP-date Retry-After values. */
  clock?: () => number;
  /** [0, 1): the jitter source. */
  random?: () => number;
  logger?: Logger;
}

export interface DeliveryResult {
  /**
   * The endpoint accepted the message (2xx). A Workflows trigger answers 202 once it has queued the
   * flow run: that does not prove the card was posted or rendered (the flow can still fail; its run
   * history in Power Automate tells). A legacy connector answers 200 with body "1" after posting.
   */
  delivered: boolean;
  /** HTTP status of the last attempt; 0 when no response came (timeout, connection refused). */
  status: number;
  attempts: number;
  /** Why it was not delivered, safe to print (the URL and its secret parts are never included). */
  error?: string;
  /** The delays waited between attempts, in ms (what `sleep` was given). */
  waitedMs: number[];
}

export { parseRetryAfter };

function retryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Legacy connectors answer 200 even when Teams refused the message, with the real error in the body
 * ("Microsoft Teams endpoint returned HTTP error 413 ..."). Reads that status out.
 */
function statusInBody(body: string): number | undefined {
  const m = /returned HTTP error (\d{3})/i.exec(body);
  return m ? Number(m[1]) : undefined;
}

interface Attempt {
  status: number;
  body: string;
  retryAfter: string | null;
  failure?: string;
}

async function attempt(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": "mlops-actions/notify-teams" },
      body,
      signal: controller.signal,
      // A redirect would carry the card (and the signed URL's trust) elsewhere: reported, not followed.
      redirect: "manual",
    });
    const text = await res.text();
    return { status: res.status, body: text, retryAfter: res.headers.get("retry-after") };
  } catch (e) {
    if (controller.signal.aborted) {
      return { status: 0, body: "", retryAfter: null, failure: `no answer within ${timeoutMs} ms` };
    }
    // Never print e.message: some runtimes put the request URL in it. The code is enough.
    const cause = (e as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (e as { code?: string }).code ?? (e as Error).name ?? "error";
    return { status: 0, body: "", retryAfter: null, failure: `network error (${code})` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Posts the payload to the webhook with a per-attempt timeout and retries with exponential backoff and
 * jitter on network errors, timeouts, 408, 429 and 5xx, honouring Retry-After. Other 4xx are final.
 * Never throws for delivery failures: the caller decides whether `delivered: false` fails the job.
 */
export async function deliver(payload: unknown, options: DeliverOptions): Promise<DeliveryResult> {
  const retries = options.retries ?? 4;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const fetchImpl = options.fetch ?? outboundFetch;
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const where = redactUrl(options.url);
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const waitedMs: number[] = [];

  let last: Attempt = { status: 0, body: "", retryAfter: null };
  let attempts = 0;
  for (let i = 0; i <= retries; i++) {
    attempts = i + 1;
    last = await attempt(fetchImpl, options.url, body, timeoutMs);
    const inBody = last.status === 200 ? statusInBody(last.body) : undefined;
    const status = inBody ?? last.status;
    if (status >= 200 && status < 300) {
      logger.info(`Teams: ${where} accepted the message (HTTP ${status}, attempt ${attempts}).`);
      return { delivered: true, status, attempts, waitedMs };
    }
    last = { ...last, status };
    const what = last.failure ?? `HTTP ${status}${snippet(last.body, options.url)}`;
    if (!retryable(status) || i === retries) {
      logger.warning(`Teams: attempt ${attempts}/${retries + 1} to ${where} failed: ${what}.`);
      break;
    }
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** i);
    const jittered = Math.round(backoff / 2 + random() * (backoff / 2));
    const retryAfter = parseRetryAfter(last.retryAfter, clock());
    const wait = retryAfter !== undefined ? Math.min(maxDelayMs, retryAfter) : jittered;
    logger.warning(
      `Teams: attempt ${attempts}/${retries + 1} to ${where} failed: ${what}; retrying in ${(wait / 1000).toFixed(1)} s${retryAfter !== undefined ? " (Retry-After)" : ""}.`,
    );
    waitedMs.push(wait);
    await sleep(wait);
  }
  return { delivered: false, status: last.status, attempts, waitedMs, error: explain(last, attempts, options.url) };
}

function snippet(body: string, url: string): string {
  const clean = scrubSecret(body, url).replace(/\s+/g, " ").trim();
  if (!clean) return "";
  return `: ${clean.length > 200 ? `${clean.slice(0, 199)}…` : clean}`;
}

function explain(last: Attempt, attempts: number, url: string): string {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  if (last.failure) {
    return `webhook-url: Teams did not answer (${last.failure} after ${tries}). Check that the runner can reach the webhook host and that Teams is up; the run continues unless fail-on-error is set.`;
  }
  const s = last.status;
  const got = `got HTTP ${s}${snippet(last.body, url)} after ${tries}`;
  if (s === 400) return `notify-teams: Teams rejected the card (${got}). Check the card JSON written by dry-run: true.`;
  if (s === 401 || s === 403)
    return `webhook-url: the webhook refused the request (${got}). The URL's signature may be revoked or the flow turned off; create a new webhook and update the secret.`;
  if (s === 404)
    return `webhook-url: no webhook at this URL (${got}). The workflow or connector was deleted; create a new one and update the secret.`;
  if (s >= 300 && s < 400)
    return `webhook-url: the webhook answered with a redirect (${got}), which is not followed. Use the URL exactly as Teams or Power Automate shows it.`;
  if (s === 413)
    return `notify-teams: the message is too large for Teams (${got}). Lower the card size (fewer facts or metrics).`;
  if (s === 429)
    return `webhook-url: Teams throttled the webhook (${got}). Teams allows about 4 requests per second per webhook; space out notifications.`;
  if (s >= 500)
    return `webhook-url: Teams failed to handle the message (${got}). Teams or the flow is down; retry later.`;
  return `webhook-url: the webhook answered with an error (${got}). Check the webhook configuration.`;
}
