/**
 * Capture at the edge: the inference server's record of answered requests (rotating Parquet files in a
 * bounded folder) and the forwarder that ships them home, exactly once, to Azure Blob Storage or a folder.
 */
export { type Capture, type CaptureDeps, CHUNK_BYTES, DEFAULT_CAPTURE, startCapture } from "./capture";
export { listCaptureFiles } from "./capture-files";
export { META_COLUMNS, planCapture } from "./capture-table";
export type { CaptureConfig, CaptureModel, CapturedRequest, CapturedTensor, TensorMeta } from "./types";
