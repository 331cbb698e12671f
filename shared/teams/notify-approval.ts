import { UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import { type ApprovalCardInput, buildApprovalCard } from "./approval-card";
import { deliver } from "./deliver";
import { buildPayload } from "./payload";
import { renderApprovalMarkdown } from "./summary-markdown";
import { parseWebhookHosts, validateWebhookUrl } from "./webhook-url";
import { writeCard } from "./write-card";

export interface NotifyApprovalOptions {
  input: ApprovalCardInput;
  /** The webhook URL (a secret). Empty or absent means a dry run. */
  webhookUrl?: string;
  /** Write the card and the summary, do not post. */
  dryRun?: boolean;
  /** Where the payload JSON is written (always, posted or not). */
  cardPath: string;
  /** Throw a UserError when the message is not delivered. Default false: warn loudly and go on. */
  failOnError?: boolean;
  retries?: number;
  timeoutMs?: number;
  maxBytes?: number;
  /** Accept http://127.0.0.1 / localhost webhooks (local stand-ins). */
  allowLocal?: boolean;
  /** Webhook hosts accepted beside Teams' own (the webhook-hosts input), as given. */
  webhookHosts?: readonly string[];
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
  random?: () => number;
  logger?: Logger;
}

export interface NotifyApprovalResult {
  /** The webhook accepted the message (2xx). A Workflows 202 means queued, not proven rendered. */
  delivered: boolean;
  /** HTTP status of the last attempt (0: no answer), or "dry-run". */
  status: number | "dry-run";
  attempts: number;
  /** Absolute path of the payload JSON. */
  cardPath: string;
  bytes: number;
  trimmed: string[];
  /** The job summary: the card's content as Markdown plus the delivery outcome. */
  summary: string;
  /** Why it was not delivered (safe to print). */
  error?: string;
}

/**
 * The whole notify-teams step: build the card, fit it under the Teams limit, write it to `cardPath`,
 * post it (unless dry run) and render the job summary. A delivery failure warns and returns
 * `delivered: false` unless `failOnError`; a bad webhook URL or card input always throws a UserError.
 */
export async function runNotifyTeams(options: NotifyApprovalOptions): Promise<NotifyApprovalResult> {
  const logger = options.logger ?? silentLogger;
  const dryRun = options.dryRun === true || !options.webhookUrl || options.webhookUrl.trim() === "";
  const extraHosts = parseWebhookHosts(options.webhookHosts ?? []);
  const webhook = dryRun
    ? undefined
    : validateWebhookUrl(options.webhookUrl!, { allowLocal: options.allowLocal, extraHosts });

  const card = buildApprovalCard(options.input);
  const { payload, bytes, trimmed } = buildPayload(card, { maxBytes: options.maxBytes });
  if (trimmed.length > 0)
    logger.warning(`Teams card trimmed to ${bytes} bytes to fit the message limit: ${trimmed.join(", ")}.`);
  const written = await writeCard(options.cardPath, payload);
  const summaryOf = (outcome: string) => `${renderApprovalMarkdown(options.input, { trimmed })}\n${outcome}\n`;

  if (!webhook) {
    const why = options.dryRun ? "dry-run: true" : "no webhook-url given";
    logger.info(`Teams: dry run (${why}); card written to ${written.path} (${bytes} bytes).`);
    return {
      delivered: false,
      status: "dry-run",
      attempts: 0,
      cardPath: written.path,
      bytes,
      trimmed,
      summary: summaryOf(`_Dry run (${why}): the card was not posted; it is in \`${written.path}\`._`),
    };
  }

  const result = await deliver(payload, {
    url: webhook.url.href,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
    sleep: options.sleep,
    clock: options.clock,
    random: options.random,
    logger,
  });
  const base = { attempts: result.attempts, cardPath: written.path, bytes, trimmed, status: result.status };
  if (result.delivered) {
    const note =
      result.status === 202
        ? "accepted by the Teams workflow (HTTP 202: queued; the flow's run history shows whether it posted)"
        : `posted to Teams (HTTP ${result.status})`;
    return { ...base, delivered: true, summary: summaryOf(`_Approval request ${note}._`) };
  }
  const error = result.error ?? `webhook-url: not delivered (got HTTP ${result.status}). Check the webhook.`;
  if (options.failOnError) throw new UserError(error);
  logger.warning(
    `Teams approval request NOT delivered: ${error} The pipeline continues (fail-on-error: false); tell the approvers another way.`,
  );
  return {
    ...base,
    delivered: false,
    error,
    summary: summaryOf(`> **Warning:** the Teams message was not delivered. ${error}`),
  };
}
