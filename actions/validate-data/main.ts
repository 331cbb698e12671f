import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { dataSecrets } from "../../shared/data";
import { GateRejection } from "../../shared/errors";
import { runValidateData } from "../../shared/validate";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "validate-data",
  inputs,
  outputs,
  async run(i, ctx) {
    for (const s of dataSecrets([i.data], ctx.env)) ctx.setSecret(s);
    const r = await runValidateData({
      data: i.data,
      schema: i.schema,
      infer: i.infer,
      maxExamples: i["max-examples"],
      reportDir: i["report-dir"] || join(ctx.github.tempDir, `mlops-validate-${Date.now()}`),
      logger: ctx.logger,
    });
    for (const a of r.annotations)
      ctx.annotate("error", a.message, { title: a.title, file: a.file, startLine: a.line });
    ctx.setOutput("valid", r.valid);
    ctx.setOutput("violations", r.violations);
    ctx.setOutput("report", r.reportPath);
    ctx.summary(r.markdown);
    if (!r.valid && i["fail-on-invalid"]) {
      const rules = [...new Set(r.violations.map((v) => v.rule))].join(", ");
      throw new GateRejection(
        `validate-data: ${i.data} breaks the contract ${i.schema} (${r.violations.length} violated rule(s): ${rules}). See the annotations and the report; fix the data or the contract`,
        { input: "fail-on-invalid", value: "false" },
      );
    }
  },
});
