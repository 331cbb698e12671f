export { type EdgeCredentialsOptions, edgeCredentials } from "./edge-credentials";
export {
  modelCardMarkdown,
  type PackageEdgeOptions,
  type PackageEdgeResult,
  packageEdge,
  resolveSourceDateEpoch,
} from "./package-edge";
export { type SmokeTestResult, smokeTestImage } from "./smoke-test";
