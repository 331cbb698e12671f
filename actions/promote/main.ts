import { defineAction } from "../../runtime/action";
import { isAzureMLRegistryUri } from "../../shared/azureml";
import { fetchApprovers } from "../../shared/github";
import { runPromote } from "../../shared/promote";
import { registrySecrets } from "../../shared/registry";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "promote",
  inputs,
  outputs,
  secrets: ["github-token"],
  async run(i, ctx) {
    const { env, github: gh, logger } = ctx;
    for (const uri of [i["from-registry"], i["to-registry"], i["alias-registry"]])
      for (const s of isAzureMLRegistryUri(uri) ? [] : registrySecrets(uri || undefined, { env })) ctx.setSecret(s);
    let approvers: string[] | undefined;
    if (i["github-token"] && gh.repository && gh.runId && env.GITHUB_ACTIONS === "true") {
      approvers = await fetchApprovers({
        token: i["github-token"],
        repository: gh.repository,
        runId: gh.runId,
        environment: i.environment,
        apiUrl: env.GITHUB_API_URL,
      }).catch((e: Error) => {
        logger.warning(`promote: could not read the run's approvals (${e.message}); recording the actor as approver.`);
        return undefined;
      });
    }
    const r = await runPromote({
      model: i.model,
      fromRegistry: i["from-registry"],
      toRegistry: i["to-registry"],
      aliasRegistry: i["alias-registry"],
      subscriptionId: i["subscription-id"],
      resourceGroup: i["resource-group"],
      azure: { endpoint: i["azure-endpoint"], logger },
      onSecret: (s) => ctx.setSecret(s),
      alias: i.alias,
      rollback: i.rollback,
      rollbackTo: i["rollback-to"],
      requireDecision: i["require-decision"],
      allowBreakingContract: i["allow-breaking-contract"],
      force: i.force,
      expectedChampion: i["expected-champion"],
      reason: i.reason,
      dryRun: i["dry-run"],
      actor: gh.actor,
      runUrl: gh.runUrl,
      approvers,
      env,
      logger,
    });
    ctx.setOutput("version", r.version ?? "");
    ctx.setOutput("model-uri", r.uri);
    ctx.setOutput("azureml-model-id", r.azuremlModelId);
    ctx.setOutput("previous-version", r.previousVersion ?? "");
    ctx.setOutput("promoted", r.promoted);
    ctx.setOutput("audit-event", r.auditEvent ?? {});
    ctx.summary(r.summary);
  },
});
