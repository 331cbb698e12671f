import type { z } from "zod";
import type { TrainStepRequest } from "../../shared/train";
import type { inputs } from "./inputs";

/** The action's inputs as the train step's request. */
export function trainRequest(i: z.output<typeof inputs>): TrainStepRequest {
  return {
    compute: i.compute,
    command: i.command,
    workingDirectory: i["working-directory"],
    params: i.params,
    data: i.data,
    dataset: i.dataset,
    outputDir: i["output-dir"],
    modelPath: i["model-path"],
    metricsPath: i["metrics-path"],
    name: i["model-name"],
    registry: i.registry,
    register: i.register,
    alias: i.alias,
    tags: i.tags,
    seed: i.seed,
    timeoutMinutes: i["timeout-minutes"],
    matrix: i.matrix,
    sweepMetric: i["sweep-metric"],
    maxParallel: i["max-parallel"],
    azureml: {
      subscriptionId: i["subscription-id"],
      resourceGroup: i["resource-group"],
      workspace: i.workspace,
      endpoint: i["azure-endpoint"],
      computeTarget: i["compute-target"],
      environment: i.environment,
      code: i.code,
      jobFile: i["job-file"],
      experimentName: i["experiment-name"],
      modelOutput: i["model-output"],
      workspaceModel: i["workspace-model"],
    },
  };
}
