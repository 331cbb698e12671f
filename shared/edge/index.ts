export { type EdgeCredentialsOptions, edgeCredentials } from "./edge-credentials";
export {
  renderModelCardMarkdown,
  type PackageEdgeOptions,
  type PackageEdgeResult,
  runPackageEdge,
  resolveSourceDateEpoch,
} from "./package-edge";
export { type SmokeTestResult, smokeTestImage } from "./smoke-test";
