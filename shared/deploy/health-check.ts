/**
 * Requests to an online endpoint's scoring URI, aimed at one deployment with the `azureml-model-deployment`
 * header (documented for testing a deployment before it takes traffic:
 * https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints), counting
 * errors and latencies.
 */
import { isLoopback } from "../azure/arm";
import { shown, UserError } from "../errors";
import { outboundFetch } from "../net";
import { oipResponseProblem } from "./inference-server";

export interface CheckResult {
  /** "smoke" (before traffic) or the traffic step, e.g. "10%". */
  name: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  /** The first error seen (status and a short body), for the failure message. */
  firstError?: string;
  /** The first successful answer, shortened, for the log. */
  sample?: string;
  passed: boolean;
}

export interface CheckOptions {
  scoringUri: string;
  /** Bearer credential of the data plane (endpoint key or token): a secret. */
  key: string;
  deployment: string;
  body: string;
  requests: number;
  maxErrorRate: number;
  /** Per-request limit. Default 30 s. */
  timeoutMs?: number;
  /** "oip-v2": a 2xx answer counts only when it is an Open Inference Protocol v2 InferenceResponse. */
  protocol?: "oip-v2";
  /** With oip-v2: the model name and version every answer must carry (a model baked into the image). */
  model?: { name: string; version: string };
  signal?: AbortSignal;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

export function checkScoringUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UserError(
      `endpoint: the endpoint has no valid scoringUri (got ${shown(uri)}). Wait until it is provisioned and run again.`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname)))
    throw new UserError(`endpoint: the scoring URI is not https (got ${shown(uri)}). Keys are only sent over TLS.`);
  return url;
}

export async function checkDeployment(name: string, o: CheckOptions): Promise<CheckResult> {
  const url = checkScoringUri(o.scoringUri);
  const fetchImpl = o.fetch ?? outboundFetch;
  const now = o.now ?? (() => performance.now());
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let sample: string | undefined;
  for (let i = 0; i < o.requests; i++) {
    if (o.signal?.aborted) throw o.signal.reason;
    const started = now();
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
      const res = await fetchImpl(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${o.key}`,
          "content-type": "application/json",
          "azureml-model-deployment": o.deployment,
        },
        body: o.body,
        signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
      });
      const text = await res.text();
      latencies.push(now() - started);
      const problem = res.ok && o.protocol === "oip-v2" ? oipResponseProblem(text, o.model) : undefined;
      if (res.ok && !problem) sample ??= text.slice(0, 200);
      else if (problem) {
        errors++;
        firstError ??= `HTTP ${res.status}, ${problem}: ${text.replace(/\s+/g, " ").slice(0, 120)}`;
      } else {
        errors++;
        firstError ??= `HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, " ").slice(0, 200)}` : ""}`;
      }
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason ?? e;
      latencies.push(now() - started);
      errors++;
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      firstError ??= `no answer (${cause})`;
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    name,
    requests: o.requests,
    errors,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    firstError,
    sample,
    passed: o.requests === 0 || errors / o.requests <= o.maxErrorRate,
  };
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
