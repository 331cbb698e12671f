import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { uploadArtifact } from "../../runtime/artifact";
import { dataSecrets } from "../../shared/data";
import { runCompareModels } from "../../shared/compare";
import { GateRejection } from "../../shared/errors";
import { parseShard } from "../../shared/evaluate";
import { commentReport, reportProvenance } from "../../shared/github";
import { modelSecrets } from "../../shared/models";
import { inputs, outputs } from "./inputs";
import { compareOptions } from "./options";
import { collectStates, runShard } from "./shard-states";

export default defineAction({
  name: "compare-models",
  inputs,
  outputs,
  secrets: ["github-token"],
  async run(i, ctx) {
    const gh = ctx.github;
    const env = ctx.env;
    for (const s of modelSecrets([i.candidate, i.champion], { registry: i.registry, env })) ctx.setSecret(s);
    for (const s of dataSecrets([i.data, i["parity-reference"]], env)) ctx.setSecret(s);
    const options = compareOptions(i, ctx);
    const shard = parseShard(i.shard ?? "", i["shard-by"]);
    const prefix = i["state-artifact"];
    const stateDir = i["state-dir"] ?? "";
    if (shard) return await runShard({ ...options, shard }, prefix, stateDir, ctx);
    const provenance = reportProvenance(gh);
    const states = i.merge
      ? await collectStates(prefix, stateDir, join(gh.tempDir, `mlops-states-${Date.now()}`), ctx)
      : undefined;
    const r = await ctx.group(states ? `merge ${states.length} shard states` : "evaluate candidate and champion", () =>
      runCompareModels({ ...options, provenance, ...(states ? { states } : {}) }),
    );
    const artifact = i["report-artifact"]
      ? await uploadArtifact(i["report-artifact"], [r.reportPath, r.jsonPath, r.htmlPath], ctx, { quiet: true }).catch(
          (e: Error) =>
            void ctx.annotate(
              "warning",
              `report-artifact: not uploaded (got ${e.message}). The report is in the job summary.`,
            ),
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
    ctx.setOutput("rows", r.rows);
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
    if (r.decision === "reject" && i["fail-on-reject"]) {
      throw new GateRejection(`compare-models: the candidate was rejected: ${r.reason}`, {
        input: "fail-on-reject",
        value: "false",
      });
    }
  },
});
