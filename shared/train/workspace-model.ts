/**
 * train's `workspace-model`: the validated model also becomes a version of a model in the Azure ML workspace,
 * pointing at the job output it came from (`azureml://jobs/<job>/outputs/<output>/paths/model.onnx`), with the
 * job as its `jobName`, so Studio lists it next to the job, and with our lineage as tags (the same keys promote
 * writes in a registry) and properties (metrics, params, the model file's SHA-256).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ArmClient } from "../azure/arm";
import { lineageTags } from "../azureml/model-tags";
import type { ModelVersionBody } from "../azureml/registry-models";
import type { WorkspaceRef } from "../azureml/workspace";
import { archiveWorkspaceModel, jobOutputUri, registerWorkspaceModel } from "../azureml/workspace-models";
import type { Logger } from "../log";
import type { AzureMLModelLineage } from "./lineage";
import type { TrainCard } from "./train";

/** Property that ties the Azure ML version to the exact file train validated. */
export const MODEL_SHA_PROPERTY = "mlops.model-sha256";

export function workspaceModelBody(
  card: TrainCard,
  job: string,
  output: string,
  modelSha256: string,
): ModelVersionBody & { modelUri: string } {
  const l = card.lineage;
  return {
    description: `${card.name || "model"} trained by mlops-actions in Azure ML job ${job}${l.runUrl ? `, workflow run ${l.runUrl}` : ""}.`,
    modelType: "custom_model",
    modelUri: jobOutputUri(job, output, "model.onnx"),
    jobName: job,
    tags: { ...card.tags, ...(card.name ? { "mlops.model": card.name } : {}), ...lineageTags(l, card.metrics) },
    properties: {
      [MODEL_SHA_PROPERTY]: modelSha256,
      "mlops.metrics": JSON.stringify(card.metrics),
      "mlops.params": JSON.stringify(card.params),
    },
  };
}

/** Register the workspace version; `undo` archives it again (registering in the model registry failed). */
export async function publishWorkspaceModel(
  arm: ArmClient,
  ws: WorkspaceRef,
  name: string,
  card: TrainCard,
  o: { job: string; output: string; modelPath: string; logger: Logger },
): Promise<{ model: AzureMLModelLineage; undo: () => Promise<void> }> {
  const sha = createHash("sha256")
    .update(await readFile(o.modelPath))
    .digest("hex");
  const body = workspaceModelBody(card, o.job, o.output, sha);
  const v = await registerWorkspaceModel(arm, ws, name, body, { logger: o.logger });
  o.logger.info(`azureml: registered model ${v.id} in workspace ${ws.workspace} (from job ${o.job}): ${v.studioUrl}`);
  return {
    model: { name: v.name, version: v.version, id: v.id, studioUrl: v.studioUrl },
    undo: async () => {
      await archiveWorkspaceModel(arm, ws, name, v.version, body);
      o.logger.warning(
        `azureml: archived model ${v.id} in workspace ${ws.workspace}: the model registry did not take the version`,
      );
    },
  };
}
