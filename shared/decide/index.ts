/**
 * The decision rules of compare-models: promote or reject a candidate against the champion.
 * See README.md for each rule and how it maps to MLflow's MetricThreshold.
 */
export {
  type BootstrapResult,
  bootstrapResult,
  pairedBootstrap,
  type SignificanceOptions,
  seededRandom,
} from "./bootstrap";
export {
  type DecideInput,
  type Decision,
  decide,
  formatMetric,
  type ModelEvaluation,
  type RuleName,
  type RuleResult,
  type Rules,
  type SliceEvaluation,
} from "./decide";
export {
  checkMetricName,
  DEFAULT_SIGNIFICANCE,
  parseMetricLimits,
  parseSignificance,
  parseThresholds,
  type Threshold,
} from "./rule-parsers";
