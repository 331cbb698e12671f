import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { dataSecrets } from "../../shared/data";
import { UserError } from "../../shared/errors";
import { modelSecrets } from "../../shared/models";
import { runMonitorPerformance } from "../../shared/performance";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "monitor-performance",
  inputs,
  outputs,
  async run(i, ctx) {
    for (const s of dataSecrets([i.predictions, i.labels], ctx.env)) ctx.setSecret(s);
    if (i["baseline-model"]) {
      for (const s of modelSecrets([i["baseline-model"]], { registry: i.registry, env: ctx.env })) ctx.setSecret(s);
    }
    const r = await ctx.group("join predictions with labels", () =>
      runMonitorPerformance({
        predictions: i.predictions,
        labels: i.labels,
        label: i.label,
        idColumn: i["id-column"],
        scoreColumn: i["score-column"],
        task: i.task,
        positiveLabel: i["positive-label"],
        maxDelayMs: i["max-delay"],
        windowMs: i.window,
        groupBy: i["group-by"],
        baseline: i.baseline,
        baselineModel: i["baseline-model"],
        registry: i.registry,
        primaryMetric: i["primary-metric"],
        maxDrop: i["max-drop"],
        minRows: i["min-rows"],
        outputFormat: i["joined-format"],
        reportDir: i["report-dir"] || join(ctx.github.tempDir, `mlops-performance-${Date.now()}`),
        env: ctx.env,
        logger: ctx.logger,
      }),
    );
    ctx.setOutput("degraded", r.degraded);
    ctx.setOutput("metrics", r.overall);
    ctx.setOutput("windows", r.windows);
    ctx.setOutput("labelled", r.labelled);
    ctx.setOutput("joined", r.output ?? "");
    ctx.setOutput("report", r.reportPath);
    ctx.summary(r.markdown);
    if (r.degraded && i["fail-on-degraded"]) {
      const worst = r.windows.filter((w) => w.degraded).map((w) => `${w.group || "all"} ${w.window.slice(0, 10)}`);
      throw new UserError(
        `monitor-performance: live ${r.primaryMetric} dropped beyond max-drop against the baseline (got degraded windows: ${worst.join(", ")}). See ${r.reportPath}; retrain on recent labelled data, or set fail-on-degraded: false to only report it.`,
      );
    }
  },
});
