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
export { ExactSum, type ExactSumJSON, exactSum } from "./exact-sum";
export {
  type ColumnTotals,
  DescendingRanking,
  MetricState,
  type MetricStateJSON,
  type RankingValues,
  rankingFromGroups,
  type StateBatch,
  type StateOptions,
  TieGroups,
} from "./metric-state";
export { type ResampleOptions, Resampler, type ResamplerJSON, rowWeights } from "./resample";
export { RunFiles, type RunSegment, type RunSource, ScoreList, SortedStream, SpillStore } from "./sorted-runs";
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
