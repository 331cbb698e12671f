export { chiSquareHomogeneity, jensenShannonDistance } from "./categorical-tests";
export {
  AUTO_TEST_MAX_N,
  type CategoricalMethod,
  DEFAULT_THRESHOLDS,
  type DetectDriftOptions,
  type DriftResult,
  type DriftThresholds,
  type DriftMethods,
  detectDrift,
  parseDriftMethods,
  parseMethodInput,
  type FeatureDrift,
  type NumericMethod,
  type SideSummary,
} from "./detect-drift";
export { type DriftStepOptions, type DriftStepResult, runDetectDrift } from "./drift-step";
export {
  type FeatureColumn,
  type FeatureTable,
  featureTable,
  type LoadFeaturesOptions,
  loadFeatureTable,
} from "./feature-table";
export { kolmogorovSf } from "./kolmogorov-distribution";
export { type KsResult, ksTwoSample, psiSorted, wassersteinDistance, wassersteinSorted } from "./numeric-tests";
export { type OnnxScorer, type OnnxScorerOptions, onnxScorer } from "./onnx-scorer";
