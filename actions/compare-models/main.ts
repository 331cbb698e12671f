import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { compareModels } from "../../shared/compare";
import { GateRejection } from "../../shared/errors";
import { tryUpsertPrComment } from "../../shared/github";
import { modelSecrets } from "../../shared/models";
import { inputs } from "./inputs";

export default defineAction({
  name: "compare-models",
  inputs,
  secrets: ["github-token"],
  async run(i, ctx) {
    const gh = ctx.github;
    const env = ctx.env;
    for (const s of modelSecrets([i.candidate, i.champion], { registry: i.registry, env })) ctx.setSecret(s);
    const r = await ctx.group("evaluate candidate and champion", () =>
      compareModels({
        candidate: i.candidate,
        champion: i.champion,
        modelName: i["model-name"],
        registry: i.registry,
        data: i.data,
        label: i.label,
        features: i.features,
        task: i.task,
        positiveLabel: i["positive-label"],
        threshold: i.threshold,
        primaryMetric: i["primary-metric"],
        minImprovement: i["min-improvement"],
        minRelativeImprovement: i["min-relative-improvement"],
        maxRegression: i["max-regression"],
        thresholds: i.thresholds,
        significance: i.significance,
        sliceBy: i["slice-by"],
        maxSliceGap: i["max-slice-gap"],
        parityReference: i["parity-reference"],
        parityTolerance: i["parity-tolerance"],
        interface: i.interface,
        allowBreakingContract: i["allow-breaking-contract"],
        batchSize: i["batch-size"],
        reportDir: i["report-dir"] || join(gh.tempDir, `mlops-compare-${Date.now()}`),
        env,
        logger: ctx.logger,
      }),
    );
    ctx.setOutput("decision", r.decision);
    ctx.setOutput("is-better", r.isBetter);
    ctx.setOutput("reason", r.reason);
    ctx.setOutput("candidate-metrics", r.candidate.metrics);
    ctx.setOutput("champion-metrics", r.champion?.metrics ?? {});
    ctx.setOutput("deltas", r.deltas);
    ctx.setOutput("rules", r.rules);
    ctx.setOutput("contract", r.contract.contract);
    ctx.setOutput("candidate-version", r.candidate.version ?? "");
    ctx.setOutput("champion-version", r.champion?.version ?? "");
    ctx.setOutput("report", r.reportPath);
    ctx.summary(r.markdown);
    if (i["comment-on-pr"]) {
      if (gh.pullRequest === undefined || !gh.repository) {
        ctx.annotate("notice", "comment-on-pr: this run is not for a pull request; no comment written.");
      } else {
        const c = await tryUpsertPrComment({
          token: i["github-token"] ?? "",
          repository: gh.repository,
          pullRequest: gh.pullRequest,
          marker: `compare-models:${r.candidate.name ?? i["model-name"] ?? r.candidate.label}`,
          body: r.markdown,
          apiUrl: env.GITHUB_API_URL,
        });
        if (c.ok) ctx.logger.info(`comment-on-pr: ${c.action} ${c.url}`);
        else ctx.annotate("warning", `${c.message} The report is in the job summary.`);
      }
    }
    if (r.decision === "reject" && i["fail-on-reject"] !== false) {
      throw new GateRejection(`compare-models: the candidate was rejected: ${r.reason}`, {
        input: "fail-on-reject",
        value: "false",
      });
    }
  },
});
