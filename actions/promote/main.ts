import { defineAction } from "../../runtime/action";
import { setOutputs } from "../../runtime/context";
import { promoteOutputs, promoteSecrets, runApprovers, runPromote } from "../../shared/promote";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "promote",
  inputs,
  outputs,
  secrets: ["github-token"],
  async run(i, ctx) {
    const { env, github: gh, logger } = ctx;
    const registries = [i["from-registry"], i["to-registry"], i["alias-registry"]];
    for (const s of promoteSecrets(registries, env)) ctx.setSecret(s);
    const token = i["github-token"];
    const approvers = await runApprovers({ token, run: gh, environment: i.environment, env, logger });
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
    setOutputs(ctx, promoteOutputs(r));
    ctx.summary(r.summary);
  },
});
