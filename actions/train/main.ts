import { defineAction } from "../../runtime/action";
import { cancellationSignal } from "../../runtime/cancel";
import { setOutputs } from "../../runtime/context";
import { uploadArtifact } from "../../runtime/artifact";
import { trainOutputs, trainSecrets, runTrain } from "../../shared/train";
import { inputs, outputs } from "./inputs";
import { trainRequest } from "./request";

export default defineAction({
  name: "train",
  inputs,
  outputs,
  async run(i, ctx) {
    for (const s of trainSecrets({ registry: i.registry, data: i.data }, ctx.env)) ctx.setSecret(s);
    const azureml = i.compute === "azureml";
    // Only Azure ML jobs need the runner's cancel signal; a local trainer gets it forwarded by shared/train.
    const cancel = azureml ? cancellationSignal() : undefined;
    const r = await ctx
      .group(`train ${i["model-name"]}${azureml ? " on Azure ML" : ""}`, () =>
        runTrain(trainRequest(i), {
          env: ctx.env,
          logger: ctx.logger,
          tempDir: ctx.github.tempDir,
          runUrl: ctx.github.runUrl,
          secrets: ctx.maskedValues(),
          onSecret: (s) => ctx.setSecret(s),
          signal: cancel?.signal,
          summary: (md) => ctx.summary(md),
        }),
      )
      .finally(() => cancel?.dispose());
    if (i["upload-artifact"]) {
      await uploadArtifact(`${i["model-name"]}-model`, [r.result.modelPath, r.result.metricsPath], ctx);
    }
    setOutputs(ctx, trainOutputs(r));
    ctx.summary(r.summary);
  },
});
