import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { dataSecrets } from "../../shared/data";
import { cancellationSignal } from "../../runtime/cancel";
import { openRegistryFor } from "../../shared/models";
import { registrySecrets } from "../../shared/registry";
import { renderTrainFailureMarkdown, runTrain } from "../../shared/train";
import { inputs, outputs } from "./inputs";
import { uploadArtifact } from "../../runtime/artifact";

export default defineAction({
  name: "train",
  inputs,
  outputs,
  async run(i, ctx) {
    const registryUri = i.registry;
    const secrets = registrySecrets(registryUri, { env: ctx.env });
    for (const s of secrets) ctx.setSecret(s);
    for (const s of dataSecrets(i.data ?? [], ctx.env)) ctx.setSecret(s);
    const registry = i.register ? openRegistryFor(registryUri, { env: ctx.env, logger: ctx.logger }) : undefined;
    const name = i["model-name"];
    const common = {
      registryUri,
      workingDirectory: i["working-directory"],
      outputDir: i["output-dir"] || join(ctx.github.tempDir, `mlops-train-${Date.now()}`),
      params: i.params,
      data: i.data,
      seed: i.seed,
      timeoutMs: i["timeout-minutes"] * 60_000,
      env: ctx.env,
      name,
      tags: i.tags,
      registry,
      alias: i.alias || undefined,
      aliasReason: `trained in ${ctx.github.runUrl ?? "a local run"}`,
      matrix: i.matrix,
      sweepMetric: i["sweep-metric"],
      maxParallel: i["max-parallel"],
      logger: ctx.logger,
    };
    // Only Azure ML jobs need the runner's cancel signal; a local trainer gets it forwarded by shared/train.
    const cancel = i.compute === "azureml" ? cancellationSignal() : undefined;
    const r = await ctx
      .group(`train ${name}${i.compute === "azureml" ? " on Azure ML" : ""}`, () =>
        i.compute === "azureml"
          ? runTrain({
              ...common,
              compute: "azureml",
              subscriptionId: i["subscription-id"],
              resourceGroup: i["resource-group"],
              workspace: i.workspace,
              endpoint: i["azure-endpoint"],
              command: i.command,
              jobFile: i["job-file"],
              code: i.code,
              environment: i.environment,
              computeTarget: i["compute-target"],
              experimentName: i["experiment-name"],
              modelOutput: i["model-output"],
              workspaceModel: i["workspace-model"],
              signal: cancel?.signal,
              onSecret: (s) => ctx.setSecret(s),
            })
          : runTrain({
              ...common,
              compute: "local",
              command: i.command ?? "",
              dataset: i.dataset,
              modelPath: i["model-path"],
              metricsPath: i["metrics-path"],
              secrets: ctx.maskedValues(),
            }),
      )
      .catch((e: unknown) => {
        const md = renderTrainFailureMarkdown(e);
        if (md) ctx.summary(md);
        throw e;
      })
      .finally(() => cancel?.dispose());
    const { result, azureml } = r;
    if (i["upload-artifact"]) await uploadArtifact(`${name}-model`, [result.modelPath, result.metricsPath], ctx);
    ctx.setOutput("model-path", result.modelPath);
    ctx.setOutput("model-version", result.version ?? "");
    ctx.setOutput("model-uri", r.modelUri);
    ctx.setOutput("metrics", result.metrics);
    ctx.setOutput("data-hash", result.data?.hash ?? "");
    ctx.setOutput("dataset-uri", result.card.lineage.dataset?.uri ?? "");
    ctx.setOutput("azureml-job", azureml?.azureml.jobName ?? "");
    ctx.setOutput("studio-url", azureml?.azureml.studioUrl ?? "");
    ctx.setOutput("workspace-model-id", azureml?.azureml.model?.id ?? "");
    ctx.summary(r.summary);
  },
});
