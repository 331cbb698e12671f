export type { AdaptiveCard, CardElement, Fact, MentionEntity, OpenUrlAction } from "./adaptive-card";
export { ADAPTIVE_CARD_CONTENT_TYPE, ADAPTIVE_CARD_VERSION } from "./adaptive-card";
export type { ApprovalCardInput, DecisionTone, Lineage, Mention, MetricRow, TrainingRun } from "./approval-card";
export { buildApprovalCard, decisionTone, metricDelta, metricRows, parseMention } from "./approval-card";
export type { CompareSummary } from "./compare-outputs";
export { fromCompareOutputs } from "./compare-outputs";
export type { DeliverOptions, DeliveryResult } from "./deliver";
export { deliver, parseRetryAfter } from "./deliver";
export { exampleApprovalInput } from "./example-input";
export type { NotifyApprovalOptions, NotifyApprovalResult } from "./notify-approval";
export { runNotifyTeams } from "./notify-approval";
export type { BuiltPayload, WorkflowsPayload } from "./payload";
export { buildPayload, DEFAULT_PAYLOAD_BUDGET_BYTES, TEAMS_MESSAGE_LIMIT_BYTES } from "./payload";
export { renderApprovalMarkdown } from "./summary-markdown";
export type { WebhookKind, WebhookUrl } from "./webhook-url";
export {
  parseWebhookHosts,
  redactUrl,
  scrubSecret,
  TEAMS_WEBHOOK_HOST_SUFFIXES,
  validateWebhookUrl,
  webhookSecretParts,
} from "./webhook-url";
export { writeCard } from "./write-card";
