import { defineAction } from "../../runtime/action";
import { dataSecrets } from "../../shared/data";
import { runSnapshotData } from "../../shared/datasets";
import { openRegistryFor } from "../../shared/models";
import { registrySecrets } from "../../shared/registry";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "snapshot-data",
  inputs,
  outputs,
  async run(i, ctx) {
    const registryUri = i.registry;
    for (const s of [...registrySecrets(registryUri, { env: ctx.env }), ...dataSecrets(i.data ?? [], ctx.env)]) {
      ctx.setSecret(s);
    }
    const r = await ctx.group(`snapshot ${i.name}`, () =>
      runSnapshotData({
        registry: openRegistryFor(registryUri, { env: ctx.env, logger: ctx.logger }),
        name: i.name,
        data: i.data ?? [],
        copy: i.copy,
        timeColumn: i["time-column"],
        alias: i.alias,
        tags: i.tags,
        env: ctx.env,
        logger: ctx.logger,
      }),
    );
    ctx.setOutput("dataset-uri", r.uri);
    ctx.setOutput("version", r.card.version);
    ctx.setOutput("created", r.created);
    ctx.setOutput("rows", r.manifest.rows);
    ctx.setOutput("files", r.manifest.files.length);
    ctx.setOutput("time-range", r.manifest.timeRange ?? "");
    ctx.summary(r.summary);
  },
});
