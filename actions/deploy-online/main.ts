import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { defineAction } from "../../runtime/action";
import { cancellationSignal } from "../../runtime/cancel";
import { workspaceRef } from "../../shared/azureml/workspace";
import { type DeployOnlineResult, deployOnline, parseTrafficSteps, RolloutFailed } from "../../shared/deploy";
import { shown, UserError } from "../../shared/errors";
import { inputs } from "./inputs";

export default defineAction({
  name: "deploy-online",
  inputs,
  async run(i, ctx) {
    const file = i["sample-request"] ? resolve(ctx.github.workspace, i["sample-request"]) : undefined;
    const sample = file
      ? await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
          throw new UserError(`sample-request: cannot read the file (got ${shown(i["sample-request"])}, ${e.code}). Give a JSON file path relative to the workspace.`);
        })
      : undefined;
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
          environment: i.environment,
          codePath: i["code-path"] ? (/^azureml:|^\/subscriptions\//i.test(i["code-path"]) ? i["code-path"] : resolve(ctx.github.workspace, i["code-path"])) : undefined,
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
