import type { Registry } from "prom-client";
import type { Capture, CaptureConfig } from "../capture";
import type { Logger } from "../log";
import type { InferRequest, InferResult, ServedModel } from "./model";

/**
 * Hands an answered request to the capture (after inference, off the decoding and encoding paths). Returns the
 * request id the capture generated when the request had none, for the transport to send back (labels are joined
 * on it later). A `fallbackId` is the transport's own request id (HTTP `x-request-id`).
 */
export function captureInfer(
  capture: Capture,
  request: InferRequest,
  result: InferResult,
  fallbackId: string | string[] | undefined,
): string | undefined {
  const id = request.id ?? (Array.isArray(fallbackId) ? fallbackId[0] : fallbackId);
  return capture.record({ inputs: request.inputs, outputs: result.outputs }, id);
}

/** Starts capturing for a loaded model (features from its `features` metadata, class labels from its classifier). */
export async function startModelCapture(
  config: CaptureConfig,
  model: ServedModel,
  registry: Registry,
  logger: Logger,
): Promise<Capture> {
  const { startCapture } = await import("../capture");
  let features: string[] | undefined;
  try {
    const parsed: unknown = JSON.parse(model.metadata.features ?? "null");
    if (Array.isArray(parsed) && parsed.every((f) => typeof f === "string")) features = parsed;
  } catch {
    // not a JSON list: matrix inputs get numbered columns
  }
  return startCapture(
    config,
    {
      name: model.name,
      version: model.version,
      inputs: model.inputs,
      outputs: model.outputs,
      ...(features ? { features } : {}),
      ...(model.classLabels ? { classLabels: model.classLabels } : {}),
    },
    { registry, logger },
  );
}
