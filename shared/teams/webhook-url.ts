import { UserError } from "../errors";
import { maskKnown } from "../secrets";

/**
 * Hosts that serve Teams webhooks: legacy Office 365 / Microsoft 365 connectors
 * (`<tenant>.webhook.office.com`), Workflows (Power Automate) triggers (`*.powerautomate.com`,
 * `*.powerplatform.com`, `*.logic.azure.com`), and the same triggers in Azure US Government
 * (`prod-NN.usgovtexas.logic.azure.us`, `*.usgovvirginia.logic.azure.us`: Logic Apps' endpoint suffix there).
 * Other clouds' hosts are accepted when named in `webhook-hosts`.
 */
export const TEAMS_WEBHOOK_HOST_SUFFIXES = [
  ".webhook.office.com",
  ".powerautomate.com",
  ".powerplatform.com",
  ".logic.azure.com",
  ".logic.azure.us",
] as const;

/**
 * Extra webhook hosts from the `webhook-hosts` input: each a host name (`teams.contoso.cn`) that matches
 * itself and its subdomains, or `.suffix`. Returns them as suffixes, or throws naming the bad entry.
 */
export function parseWebhookHosts(entries: readonly string[]): string[] {
  return entries.map((raw) => {
    const host = raw
      .trim()
      .toLowerCase()
      .replace(/^\*?\./, "");
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/.test(host))
      throw new UserError(
        `webhook-hosts: not a host name (got ${JSON.stringify(raw.slice(0, 80))}). List host names or suffixes, e.g. .logic.azure.cn, one per line.`,
      );
    return `.${host}`;
  });
}

export type WebhookKind = "connector" | "workflows" | "local";

export interface WebhookUrl {
  url: URL;
  kind: WebhookKind;
  /** Safe to print: scheme and host only. The path and query carry the secret (`sig=`, workflow id). */
  redacted: string;
}

const HINT =
  'Copy the URL from the channel\'s Workflows template "Send webhook alerts to a channel" (or a legacy Incoming Webhook) and pass it from a secret';

/** Scheme and host, never the path or query, which hold the secret. */
export function redactUrl(url: string | URL): string {
  try {
    const u = typeof url === "string" ? new URL(url) : url;
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return "***";
  }
}

/**
 * Checks the webhook URL without echoing its secret parts: https, a Teams webhook host, a path.
 * `allowLocal` accepts http://127.0.0.1 and http://localhost (local capture servers, dry runs).
 */
export function validateWebhookUrl(
  raw: string,
  options: { allowLocal?: boolean; extraHosts?: readonly string[] } = {},
): WebhookUrl {
  const value = raw.trim();
  if (value === "") {
    throw new UserError(`webhook-url: is empty (got ""). ${HINT}, or set dry-run: true.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`webhook-url: not a URL (got a ${value.length}-character value). ${HINT}.`);
  }
  const host = url.hostname.toLowerCase();
  const isLocal = host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  if (isLocal && options.allowLocal && (url.protocol === "http:" || url.protocol === "https:")) {
    return { url, kind: "local", redacted: redactUrl(url) };
  }
  if (url.protocol !== "https:") {
    throw new UserError(`webhook-url: must use https (got ${url.protocol}//${url.host}/***). ${HINT}.`);
  }
  if (url.username || url.password) {
    throw new UserError(
      `webhook-url: must not carry credentials before the host (got https://***@${url.host}/***). ${HINT}.`,
    );
  }
  const extra = options.extraHosts ?? [];
  const suffix = [...TEAMS_WEBHOOK_HOST_SUFFIXES, ...extra].find((s) => host.endsWith(s) || `.${host}` === s);
  if (!suffix) {
    throw new UserError(
      `webhook-url: not a Teams webhook host (got ${url.host}; expected *${[...TEAMS_WEBHOOK_HOST_SUFFIXES, ...extra].join(", *")}). ${HINT}; for another cloud's host, add it to webhook-hosts.`,
    );
  }
  if (url.pathname === "/" || url.pathname === "") {
    throw new UserError(`webhook-url: has no path (got https://${url.host}/). ${HINT}; the whole URL is needed.`);
  }
  return { url, kind: suffix === ".webhook.office.com" ? "connector" : "workflows", redacted: redactUrl(url) };
}

/**
 * The secret parts of a webhook URL: the URL itself, its path and query, each query value of 8+ characters
 * (`sig=`) and each path segment of 16+ (workflow and connector ids). The action masks each of them, in every
 * encoding, so a server that echoes one back in another form is still masked.
 */
export function webhookSecretParts(url: string | URL): string[] {
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : url;
  } catch {
    return [String(url).trim()].filter((s) => s.length >= 4);
  }
  const secrets = new Set<string>([
    String(url).trim(),
    u.href,
    u.href.replace(/\/$/, ""),
    `${u.pathname}${u.search}`,
    u.search.slice(1),
  ]);
  for (const [, v] of u.searchParams) if (v.length >= 8) secrets.add(v);
  for (const segment of u.pathname.split("/")) if (segment.length >= 16) secrets.add(segment);
  return [...secrets].filter((s) => s.length >= 4);
}

/** Removes every occurrence of the URL and of its secret parts, in every encoding, from a text (response bodies, error causes). */
export function scrubSecret(text: string, url: string | URL): string {
  return maskKnown(text, webhookSecretParts(url));
}
