import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { uploadArtifact } from "../../runtime/artifact";
import { compareModels } from "../../shared/compare";
import { GateRejection } from "../../shared/errors";
import { commentReport, reportProvenance } from "../../shared/github";
import { modelSecrets } from "../../shared/models";
import { inputs } from "./inputs";

export default defineAction({
  name: "compare-models",
  inputs,
  secrets: ["github-token"],
  async run(i, ctx) {
    const gh = ctx.github;
    for (const s of modelSecrets([i.candidate, i.champion], { registry: i.registry, env: ctx.env })) ctx.setSecret(s);
    const provenance = reportProvenance(gh);
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
        maxSliceRegression: i["max-slice-regression"],
        parityReference: i["parity-reference"],
        parityTolerance: i["parity-tolerance"],
        interface: i.interface,
        allowBreakingContract: i["allow-breaking-contract"],
        batchSize: i["batch-size"],
        reportDir: i["report-dir"] || join(gh.tempDir, `mlops-compare-${Date.now()}`),
        provenance,
        env: ctx.env,
        logger: ctx.logger,
      }),
    );
    const artifact = i["report-artifact"]
      ? await uploadArtifact(i["report-artifact"], [r.reportPath, r.jsonPath, r.htmlPath], ctx, { quiet: true }).catch(
          (e: Error) => void ctx.annotate("warning", `report-artifact: not uploaded (got ${e.message}). The report is in the job summary.`),
        )
      : undefined;
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
    ctx.setOutput("candidate-lineage", r.candidate.training);
    ctx.setOutput("report", r.reportPath);
    ctx.setOutput("report-html", r.htmlPath);
    ctx.setOutput("report-url", artifact?.url ?? "");
    ctx.summary(r.markdown);
    if (i["comment-on-pr"]) {
      const c = await commentReport({
        token: i["github-token"] ?? "",
        repository: gh.repository,
        pullRequest: gh.pullRequest,
        marker: `compare-models:${r.candidate.name ?? i["model-name"] ?? r.candidate.label}`,
        body: r.markdown,
        commit: provenance.commit,
        apiUrl: ctx.env.GITHUB_API_URL,
      });
      if (c.level === "info") ctx.logger.info(c.message);
      else ctx.annotate(c.level, c.message);
    }
    if (r.decision === "reject" && i["fail-on-reject"] !== false) {
      throw new GateRejection(`compare-models: the candidate was rejected: ${r.reason}`, {
        input: "fail-on-reject",
        value: "false",
      });
    }
  },
});
