/**
 * The train action's use case: run the trainer here (`compute: local`) or as Azure ML jobs
 * (`compute: azureml`), register the model, and name the result as a model URI later steps can use.
 * A job that did not complete still leaves a summary with its status and Studio link (renderTrainFailureMarkdown).
 */
import { JobEndedError } from "../azureml/jobs";
import { modelUriOf } from "../models";
import type { AzureMLTrainOptions, AzureMLTrainResult } from "./azureml-train";
import { renderJobEndedMarkdown, renderTrainMarkdown } from "./summary";
import { type TrainOptions, type TrainResult, train } from "./train";

export type TrainStepOptions = ({ compute: "local" } & TrainOptions) | ({ compute: "azureml" } & AzureMLTrainOptions);

export interface TrainStepResult {
  result: TrainResult;
  /** Set for compute: azureml. */
  azureml?: AzureMLTrainResult;
  /** `<registry>#<name>@<version>`, empty when nothing was registered. */
  modelUri: string;
  summary: string;
}

/** The summary a failed train step still writes: an Azure ML job that did not complete, with its Studio link. */
export function renderTrainFailureMarkdown(e: unknown): string | undefined {
  return e instanceof JobEndedError ? renderJobEndedMarkdown(e) : undefined;
}

export async function runTrain(opts: TrainStepOptions & { registryUri: string }): Promise<TrainStepResult> {
  let azureml: AzureMLTrainResult | undefined;
  let result: TrainResult;
  if (opts.compute === "azureml") {
    // Loaded only for Azure ML: it brings in the Azure Storage SDK (datastores).
    const { trainOnAzureML } = await import("./azureml-train");
    azureml = await trainOnAzureML(opts);
    result = azureml;
  } else {
    result = await train(opts);
  }
  const modelUri =
    result.version === undefined ? "" : modelUriOf(opts.registryUri, opts.name ?? "model", result.version);
  return { result, azureml, modelUri, summary: renderTrainMarkdown(result, { modelUri: modelUri || undefined }) };
}
