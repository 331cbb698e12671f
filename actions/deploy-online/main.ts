import { defineAction } from "../../runtime/action";
import { cancellationSignal } from "../../runtime/cancel";
import { workspaceRef } from "../../shared/azureml";
import {
  type DeployOnlineResult,
  deployOnline,
  parseTrafficSteps,
  RolloutFailed,
  readSampleRequest,
  resolveCodePath,
} from "../../shared/deploy";
import { inputs } from "./inputs";

export default defineAction({
  name: "deploy-online",
  inputs,
  async run(i, ctx) {
    const sample = await readSampleRequest(i["sample-request"], ctx.github.workspace);
    const cancel = cancellationSignal();
    const report = (r: DeployOnlineResult) => {
      ctx.setOutput("deployment", r.deployment);
      ctx.setOutput("scoring-uri", r.scoringUri);
      ctx.setOutput("traffic", r.traffic);
      ctx.setOutput("previous-traffic", r.previousTraffic);
      ctx.setOutput("rolled-back", r.rolledBack);
      ctx.summary(r.summary);
    };
    try {
      report(
        await deployOnline({
          workspace: workspaceRef({ subscriptionId: i["subscription-id"], resourceGroup: i["resource-group"], workspace: i.workspace }),
          armEndpoint: i["azure-endpoint"],
          endpoint: i.endpoint,
          model: i.model,
          deployment: i.deployment,
          instanceType: i["instance-type"] ?? "Standard_DS3_v2",
          instanceCount: i["instance-count"] ?? 1,
          image: i.image,
          environment: i.environment,
          codePath: resolveCodePath(i["code-path"], ctx.github.workspace),
          scoringScript: i["scoring-script"],
          strategy: i.strategy ?? "blue-green",
          traffic: parseTrafficSteps(i.traffic ?? ["10", "50", "100"]),
          challengerTraffic: i["challenger-traffic"],
          sampleRequest: sample,
          smokeRequests: i["smoke-requests"] ?? 5,
          maxErrorRate: i["max-error-rate"] ?? 0,
          stepWaitSeconds: i["step-wait-seconds"] ?? 60,
          retirePrevious: i["retire-previous"] ?? false,
          timeoutMinutes: i["timeout-minutes"],
          logger: ctx.logger,
          signal: cancel.signal,
          onSecret: (s) => ctx.setSecret(s),
        }),
      );
    } catch (e) {
      if (e instanceof RolloutFailed) report(e.result);
      throw e;
    } finally {
      cancel.dispose();
    }
  },
});
