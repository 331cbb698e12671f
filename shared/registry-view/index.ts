/**
 * Browsing a registry without a server: list, show, history and diff as data (for --json) or text, and
 * the static HTML page of `mlops registry report`.
 */
export {
  type Change,
  describeModel,
  describeVersion,
  diffVersions,
  listModels,
  type ModelListing,
  type ModelView,
  modelHistory,
  type ValueChange,
  type VersionDiff,
  type VersionRow,
  type VersionView,
} from "./browse";
export { aliasTimeline, renderRegistryHtml } from "./registry-page";
export { diffText, historyText, listText, modelText, versionText } from "./registry-text";
