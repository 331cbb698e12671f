import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { dataSecrets } from "../../shared/data";
import { runDetectDrift } from "../../shared/drift";
import { GateRejection } from "../../shared/errors";
import { modelSecrets } from "../../shared/models";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "detect-drift",
  inputs,
  outputs,
  async run(i, ctx) {
    if (i.model) for (const s of modelSecrets([i.model], { registry: i.registry, env: ctx.env })) ctx.setSecret(s);
    for (const s of dataSecrets([i.reference, i.current], ctx.env)) ctx.setSecret(s);
    const r = await runDetectDrift({
      reference: i.reference,
      current: i.current,
      features: i.features?.length ? i.features : undefined,
      label: i.label,
      categorical: i.categorical,
      thresholds: i.thresholds,
      methods: i.method,
      driftShare: i["drift-share"],
      model: i.model,
      registry: i.registry,
      env: ctx.env,
      reportDir: i["report-dir"] || join(ctx.github.tempDir, `mlops-drift-${Date.now()}`),
      logger: ctx.logger,
    });
    if (r.leftOut.length > 0)
      ctx.annotate(
        "notice",
        `detect-drift: not compared, unique per row in the reference: ${r.leftOut.map((l) => l.column).join(", ")}. List features: to compare them.`,
      );
    ctx.setOutput("drifted", r.drifted);
    ctx.setOutput("drift-share", r.driftShare);
    ctx.setOutput("features", r.features);
    ctx.setOutput("report", r.reportPath);
    ctx.summary(r.reportMarkdown);
    if (r.drifted && i["fail-on-drift"]) {
      const drifted = r.features.filter((f) => f.drifted).map((f) => f.feature);
      throw new GateRejection(
        `detect-drift: ${(r.driftShare * 100).toFixed(0)}% of the features drifted (threshold ${(r.driftShareThreshold * 100).toFixed(0)}%; got drift in ${drifted.join(", ")}). See ${r.reportPath}; retrain on recent data`,
        { input: "fail-on-drift", value: "false" },
      );
    }
  },
});
