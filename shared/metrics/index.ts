/**
 * Model metrics equal to scikit-learn's (see README.md for the definitions and the version followed).
 */
export {
  type Average,
  accuracy,
  balancedAccuracy,
  type Confusion,
  confusion,
  f1,
  mcc,
  precision,
  recall,
} from "./classification";
export {
  type ComputeOptions,
  computeMetrics,
  computeMetricsWithNotes,
  confusionMatrix,
  defaultPrimaryMetric,
  METRICS,
  type MetricInfo,
  type MetricsWithNotes,
  type MetricValues,
  metricsFor,
  prepareMetric,
  type WeightedMetric,
} from "./compute-metrics";
export {
  type BinaryCurves,
  BinaryCurveBuilder,
  type CurveOptions,
  computeCurves,
  curvesFromSorted,
  type DescendingScoreSink,
  type ModelCurves,
  type OperatingPoint,
  type RegressionPlots,
  RegressionPlotBuilder,
  type RegressionRanges,
  regressionPlots,
  type ScoreTotals,
  walkDescending,
} from "./curves";
export { hardLabels, type Predictions, type Task, validatePredictions } from "./predictions";
export { brier, logLoss } from "./probabilistic";
export { averagePrecision, rocAuc, rocAucOvr } from "./ranking";
export { mae, mape, maxError, r2, rmse } from "./regression";
export { type SliceMetrics, sliceMetrics } from "./slice-metrics";
