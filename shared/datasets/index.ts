/**
 * Versioned dataset snapshots, kept in the model registry (datasets/ beside models/): what a model was
 * trained on, to retrain on exactly that data.
 */
export { type DatasetManifest, DatasetManifestSchema, type ManifestFile } from "./manifest";
export { type MaterializedDataset, materializeDataset } from "./materialize";
export { datasetUri, type SnapshotOptions, type SnapshotResult, snapshotDataset } from "./snapshot";
export { type SnapshotStepResult, runSnapshotData } from "./snapshot-step";
