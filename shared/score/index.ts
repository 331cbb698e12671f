/** Batch scoring: a model over a data set, predictions with id columns to CSV or Parquet. */
export { type ScoreOptions, type ScoreResult, runScore } from "./score";
