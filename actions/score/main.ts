import { defineAction } from "../../runtime/action";
import { parseShard } from "../../shared/evaluate";
import { modelSecrets } from "../../shared/models";
import { runScore } from "../../shared/score";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "score",
  inputs,
  outputs,
  async run(i, ctx) {
    for (const s of modelSecrets([i.model], { registry: i.registry, env: ctx.env })) ctx.setSecret(s);
    const shard = parseShard(i.shard ?? "", i["shard-by"]);
    const r = await ctx.group(`score ${i.data}`, () =>
      runScore({
        model: i.model,
        registry: i.registry,
        data: i.data,
        features: i.features,
        idColumns: i["id-columns"],
        output: i.output,
        task: i.task,
        threshold: i.threshold,
        positiveLabel: i["positive-label"],
        batchSize: i["batch-size"],
        ...(shard ? { shard } : {}),
        env: ctx.env,
        logger: ctx.logger,
      }),
    );
    ctx.setOutput("rows", r.rows);
    ctx.setOutput("output", r.output);
    ctx.setOutput("columns", r.columns);
    ctx.setOutput("model-version", r.model.version ?? "");
    const shardText = shard ? ` (shard ${shard.index}/${shard.count})` : "";
    ctx.summary(
      `### score: ${r.rows} rows${shardText}\n\n| model | task | output | columns | time |\n| --- | --- | --- | --- | --- |\n| ${r.model.label} | ${r.task} | \`${r.output}\` | ${r.columns.join(", ")} | ${r.seconds.toFixed(1)} s |\n`,
    );
  },
});
