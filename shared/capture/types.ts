/** A tensor as the server holds it after decoding (structurally the server's Tensor). */
export interface CapturedTensor {
  name: string;
  datatype: string;
  shape: readonly number[];
  data: ArrayLike<unknown>;
}

/** One answered request: its inputs and the outputs it was answered with. */
export interface CapturedRequest {
  inputs: readonly CapturedTensor[];
  outputs: readonly CapturedTensor[];
}

/** A model input or output as the server describes it (-1: any size). */
export interface TensorMeta {
  name: string;
  datatype: string;
  shape: readonly number[];
}

/** What the capture needs to know of the served model. */
export interface CaptureModel {
  name: string;
  version: string;
  inputs: readonly TensorMeta[];
  outputs: readonly TensorMeta[];
  /** The model's feature names (ONNX metadata `features`): column names of an [N,F] input. */
  features?: readonly string[];
  /** Class labels of a classifier: column names of an [N,K] output (`probabilities_1`). */
  classLabels?: readonly (string | number)[];
}

/** Capture settings (the server's --capture-* flags). */
export interface CaptureConfig {
  /** Folder the files are written to (created). */
  dir: string;
  /** Share of requests captured, 0 to 1. Default 1. */
  sample?: number;
  /** The folder's budget: beyond it new rows are dropped (and counted) until uploads free space. Default 1 GiB. */
  maxDiskBytes?: number;
  /** A file is closed when it holds this many bytes (about). Default 8 MiB. */
  fileBytes?: number;
  /** … or when its first row is this old, so a crash loses at most this much. Default 60 s. */
  fileSeconds?: number;
  /** Plant name: a column of every row and the first part of every file's path. Default the host name. */
  plant?: string;
  /** Where closed files are uploaded (Azure Blob URI or a folder); none: they stay in `dir`. */
  upload?: string;
  /** Longest wait between upload retries while the target is unreachable (doubling from 1 s). Default 60. */
  uploadBackoffSeconds?: number;
  /** Environment for upload credentials (connection strings, SAS). Default process.env. */
  env?: Record<string, string | undefined>;
}
