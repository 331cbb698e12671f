import type { Registry } from "prom-client";
import type { Capture, CaptureConfig } from "../capture";
import type { Logger } from "../log";
import type { InferRequest, InferResult, ServedModel } from "./model";

/**
 * The capture's draw for a request about to be answered: the id its rows go under when it is captured (the
 * request's `id`, else the transport's own request id `fallbackId` (HTTP `x-request-id`), else one generated that
 * the transport sends back: labels are joined on it later), and `record`, to be called once the response is sent
 * so that copying the rows is not part of the client's wait.
 */
export function sampleCapture(
  capture: Capture | undefined,
  request: InferRequest,
  fallbackId: string | string[] | undefined,
): { generated: string | undefined; record: (result: InferResult) => void } | undefined {
  const taken = capture?.sample(request.id ?? (Array.isArray(fallbackId) ? fallbackId[0] : fallbackId));
  if (!taken) return undefined;
  return {
    generated: taken.generated ? taken.id : undefined,
    record: (result) => capture!.record({ inputs: request.inputs, outputs: result.outputs }, taken.id),
  };
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
