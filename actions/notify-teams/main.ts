import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { approvalCardInput } from "../../shared/notify";
import { runNotifyTeams, webhookSecretParts } from "../../shared/teams";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "notify-teams",
  inputs,
  outputs,
  secrets: ["webhook-url"],
  async run(i, ctx) {
    // The whole URL is masked as an input; its secret parts (sig=, ids) are masked on their own too.
    if (i["webhook-url"]) for (const part of webhookSecretParts(i["webhook-url"])) ctx.setSecret(part);
    const gh = ctx.github;
    const card = approvalCardInput(
      {
        title: i.title,
        environment: i.environment,
        model: i.model,
        candidateVersion: i["candidate-version"],
        championVersion: i["champion-version"],
        compareOutputs: i["compare-outputs"],
        candidateMetrics: i["candidate-metrics"],
        championMetrics: i["champion-metrics"],
        decision: i.decision,
        reason: i.reason,
        facts: i.facts,
        approveUrl: i["approve-url"],
        prUrl: i["pr-url"],
        reportUrl: i["report-url"],
        mention: i.mention,
        requestApproval: i["request-approval"],
      },
      { ...gh, pullRequestTitle: (gh.event.pull_request as { title?: string } | undefined)?.title },
    );
    const sent = await runNotifyTeams({
      input: card,
      webhookUrl: i["webhook-url"],
      webhookHosts: i["webhook-hosts"],
      dryRun: i["dry-run"],
      cardPath: i["card-path"] || join(gh.tempDir, "mlops-teams-card.json"),
      failOnError: i["fail-on-error"],
      retries: i.retries,
      timeoutMs: i["timeout-seconds"] === undefined ? undefined : i["timeout-seconds"] * 1000,
      allowLocal: true, // a webhook stand-in on loopback; the URL never leaves the machine
      logger: ctx.logger,
    });
    ctx.setOutput("delivered", sent.delivered);
    ctx.setOutput("status", sent.status);
    ctx.setOutput("card-path", sent.cardPath);
    ctx.summary(sent.summary);
  },
});
