/** The validate-data action's use case: infer a starting schema, or validate and write the report. */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log";
import { checkOutputFile, ensureOutputDir } from "../user-files";
import { inferSchema } from "./infer-schema";
import { loadSchema, type Violation, validateData } from "./validate-data";
import { type ViolationAnnotation, violationAnnotations } from "./validation-report";

export interface ValidateStepOptions {
  data: string;
  schema: string;
  infer?: boolean;
  maxExamples?: number;
  reportDir: string;
  logger?: Logger;
}

export interface ValidateStepResult {
  valid: boolean;
  violations: Violation[];
  rows: number;
  reportPath: string;
  markdown: string;
  /** Errors pointing into the CSV data files' lines. */
  annotations: ViolationAnnotation[];
  /** Set when a schema was inferred and written. */
  inferred?: string;
}

export async function runValidateData(opts: ValidateStepOptions): Promise<ValidateStepResult> {
  await ensureOutputDir(opts.reportDir, "report-dir");
  const reportPath = join(opts.reportDir, "report.md");
  if (opts.infer) {
    await checkOutputFile(opts.schema, "schema");
    const { yaml, schema } = await inferSchema({ data: opts.data, logger: opts.logger });
    if (existsSync(opts.schema)) {
      // A contract tightened by hand is lost unless it is committed: say so where it shows.
      opts.logger?.warning(
        `schema: ${opts.schema} existed and is replaced by the contract inferred from ${opts.data} (infer: true). Review the change before committing it; remove infer: to validate instead.`,
      );
    }
    await writeFile(opts.schema, yaml);
    const markdown = `## Data contract inferred\n\n${Object.keys(schema.columns).length} columns from \`${opts.data}\`, written to \`${opts.schema}\`. Review it, tighten ranges and allowed values, and commit it.\n`;
    await writeFile(reportPath, markdown);
    return { valid: true, violations: [], rows: 0, reportPath, markdown, annotations: [], inferred: opts.schema };
  }
  const result = await validateData({
    schema: await loadSchema(opts.schema),
    data: opts.data,
    ...(opts.maxExamples !== undefined ? { maxExamples: opts.maxExamples } : {}),
    logger: opts.logger,
  });
  await writeFile(reportPath, result.report);
  await writeFile(join(opts.reportDir, "violations.json"), `${JSON.stringify(result.violations, null, 2)}\n`);
  return {
    valid: result.valid,
    violations: result.violations,
    rows: result.rows,
    reportPath,
    markdown: result.report,
    annotations: violationAnnotations(result),
  };
}
