import { defineAction } from "../../runtime/action";
import { cancellationSignal } from "../../runtime/cancel";
import { setOutputs } from "../../runtime/context";
import { workspaceRef } from "../../shared/azureml";
import {
  deployOnlineOutputs,
  runDeployOnline,
  parseTrafficSteps,
  readSampleRequest,
  resolveCodePath,
} from "../../shared/deploy";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "deploy-online",
  inputs,
  outputs,
  async run(i, ctx) {
    const sample = await readSampleRequest(i["sample-request"], ctx.github.workspace);
    const cancel = cancellationSignal();
    try {
      await runDeployOnline({
        workspace: workspaceRef({
          subscriptionId: i["subscription-id"],
          resourceGroup: i["resource-group"],
          workspace: i.workspace,
        }),
        armEndpoint: i["azure-endpoint"],
        endpoint: i.endpoint,
        model: i.model,
        deployment: i.deployment,
        instanceType: i["instance-type"],
        instanceCount: i["instance-count"],
        image: i.image,
        environment: i.environment,
        codePath: resolveCodePath(i["code-path"], ctx.github.workspace),
        scoringScript: i["scoring-script"],
        strategy: i.strategy,
        traffic: parseTrafficSteps(i.traffic),
        challengerTraffic: i["challenger-traffic"],
        sampleRequest: sample,
        smokeRequests: i["smoke-requests"],
        maxErrorRate: i["max-error-rate"],
        stepWaitSeconds: i["step-wait-seconds"],
        retirePrevious: i["retire-previous"],
        timeoutMinutes: i["timeout-minutes"],
        logger: ctx.logger,
        signal: cancel.signal,
        onSecret: (s) => ctx.setSecret(s),
        report: (r) => {
          setOutputs(ctx, deployOnlineOutputs(r));
          ctx.summary(r.summary);
        },
      });
    } finally {
      cancel.dispose();
    }
  },
});
