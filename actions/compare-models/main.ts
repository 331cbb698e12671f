import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { uploadArtifact } from "../../runtime/artifact";
import { setOutputs } from "../../runtime/context";
import {
  commentCompareReport,
  compareOutputs,
  compareRejection,
  compareSecrets,
  runCompareModels,
} from "../../shared/compare";
import { parseShard } from "../../shared/evaluate";
import { reportProvenance } from "../../shared/github";
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
    const options = compareOptions(i, ctx);
    for (const s of compareSecrets(options)) ctx.setSecret(s);
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
    const files = [r.reportPath, r.jsonPath, r.htmlPath];
    const artifact = i["report-artifact"]
      ? await uploadArtifact(i["report-artifact"], files, ctx, { quiet: true }).catch(
          (e: Error) =>
            void ctx.annotate(
              "warning",
              `report-artifact: not uploaded (got ${e.message}). The report is in the job summary.`,
            ),
        )
      : undefined;
    setOutputs(ctx, compareOutputs(r, artifact?.url));
    ctx.summary(r.markdown);
    if (i["comment-on-pr"]) {
      const c = await commentCompareReport(r, {
        token: i["github-token"] ?? "",
        run: gh,
        commit: provenance.commit,
        apiUrl: ctx.env.GITHUB_API_URL,
        modelName: i["model-name"],
      });
      if (c.level === "info") ctx.logger.info(c.message);
      else ctx.annotate(c.level, c.message);
    }
    if (r.decision === "reject" && i["fail-on-reject"]) throw compareRejection(r);
  },
});
