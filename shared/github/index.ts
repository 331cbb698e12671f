export { type ApproversOptions, fetchApprovers } from "./approvals";
export {
  commentReport,
  markerFor,
  type PrCommentOutcome,
  type PrCommentOptions,
  type PrCommentResult,
  staleNote,
  tryUpsertPrComment,
  upsertPrComment,
} from "./pr-comment";
export { type ReportProvenance, reportProvenance, type RunInfo } from "./provenance";
export { type RunIdentity, runIdentity } from "./run-identity";
