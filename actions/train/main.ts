import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { cancellationSignal } from "../../runtime/cancel";
import { JobEndedError } from "../../shared/azureml/jobs";
import { modelUriOf, openRegistryFor } from "../../shared/models";
import { registrySecrets } from "../../shared/registry";
import { type AzureMLTrainResult, jobEndedMarkdown, train, trainOnAzureML, trainSummaryMarkdown } from "../../shared/train";
import { inputs } from "./inputs";
import { uploadArtifact } from "./upload-artifact";

export default defineAction({
  name: "train",
  inputs,
  async run(i, ctx) {
    const registryUri = i.registry || ".mlops/registry";
    const secrets = registrySecrets(registryUri, { env: ctx.env });
    for (const s of secrets) ctx.setSecret(s);
    const register = i.register !== false;
    const registry = register ? openRegistryFor(registryUri, { env: ctx.env, logger: ctx.logger }) : undefined;
    const name = i["model-name"] || "model";
    const common = {
      workingDirectory: i["working-directory"] || ".",
      params: i.params,
      data: i.data,
      seed: i.seed,
      timeoutMs: (i["timeout-minutes"] ?? 60) * 60_000,
      env: ctx.env,
      name,
      tags: i.tags,
      registry,
      alias: i.alias || undefined,
      aliasReason: `trained in ${ctx.github.runUrl ?? "a local run"}`,
      logger: ctx.logger,
    };
    const outputDir = i["output-dir"] || join(ctx.github.tempDir, `mlops-train-${Date.now()}`);
    let azureml: AzureMLTrainResult | undefined;
    const result = await ctx.group(`train ${name}${i.compute === "azureml" ? " on Azure ML" : ""}`, async () => {
      if (i.compute !== "azureml")
        return train({ ...common, command: i.command ?? "", outputDir, modelPath: i["model-path"], metricsPath: i["metrics-path"], secrets });
      const cancel = cancellationSignal();
      try {
        azureml = await trainOnAzureML({
          ...common,
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
          matrix: i.matrix,
          sweepMetric: i["sweep-metric"],
          maxParallel: i["max-parallel"],
          modelOutput: i["model-output"],
          outputDir,
          signal: cancel.signal,
          onSecret: (s) => ctx.setSecret(s),
        });
        return azureml;
      } catch (e) {
        if (e instanceof JobEndedError) ctx.summary(jobEndedMarkdown(e));
        throw e;
      } finally {
        cancel.dispose();
      }
    });
    const uri = result.version === undefined ? undefined : modelUriOf(registryUri, name, result.version);
    if (i["upload-artifact"]) await uploadArtifact(`${name}-model`, [result.modelPath, result.metricsPath], ctx);
    ctx.setOutput("model-path", result.modelPath);
    ctx.setOutput("model-version", result.version ?? "");
    ctx.setOutput("model-uri", uri ?? "");
    ctx.setOutput("metrics", result.metrics);
    ctx.setOutput("data-hash", result.data?.hash ?? "");
    ctx.setOutput("azureml-job", azureml?.azureml.jobName ?? "");
    ctx.setOutput("studio-url", azureml?.azureml.studioUrl ?? "");
    ctx.summary(trainSummaryMarkdown(result, { modelUri: uri }));
  },
});
