/**
 * The layering rules are checks, and each check is shown to fail on a deliberate violation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { afterEach, describe, expect, it } from "vitest";
import eslintConfig, { layering } from "../eslint.config.mjs";
import { checkArchitecture } from "./harness/architecture";
import { repoRoot } from "./harness/run-action";

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "mlops-arch-"));
  scratch.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("architecture test", () => {
  it("finds no value-import cycle, no building block importing a use case, and no unclassified area", () => {
    expect(checkArchitecture(repoRoot)).toEqual({ cycles: [], layerViolations: [], unclassified: [] });
  });

  it("reports a value-import cycle, and not a type-only one", () => {
    const root = tree({
      "shared/data/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "shared/data/b.ts": 'import { c } from "../report/c";\nexport const b = c;\n',
      "shared/report/c.ts": 'export { a as c } from "../data/a";\n',
      "shared/data/t1.ts": 'import type { T2 } from "./t2";\nexport type T1 = T2;\n',
      "shared/data/t2.ts": 'import { type T1 } from "./t1";\nexport type T2 = T1 | 1;\n',
    });
    const { cycles } = checkArchitecture(root, { buildingBlocks: ["data", "report"], useCases: [] });
    expect(cycles).toHaveLength(1);
    expect([...cycles[0]!].sort()).toEqual(
      ["shared/data/a.ts", "shared/data/a.ts", "shared/data/b.ts", "shared/report/c.ts"].sort(),
    );
  });

  it("reports a building block importing a use case, and an area in neither list", () => {
    const root = tree({
      "shared/metrics/index.ts": 'import { scoreTable } from "../evaluate";\nexport const m = scoreTable;\n',
      "shared/evaluate/index.ts": 'import { auc } from "../metrics/index";\nexport const scoreTable = () => auc;\n',
      "shared/evaluate/auc.ts": "export const auc = 1;\n",
      "shared/metrics/auc.ts": "export const auc = 1;\n",
      "shared/fresh/index.ts": "export const x = 1;\n",
      "shared/errors.ts": "export class UserError extends Error {}\n",
    });
    const report = checkArchitecture(root, { buildingBlocks: ["metrics", "errors"], useCases: ["evaluate"] });
    expect(report.layerViolations).toEqual(["shared/metrics/index.ts -> shared/evaluate/index.ts"]);
    expect(report.unclassified).toEqual(["fresh"]);
  });
});

describe("layering lint", () => {
  // The layering blocks exactly as eslint.config.mjs declares them, with the TypeScript parser only, so
  // a file that does not exist on disk can be linted without the type-aware project service.
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } }, ...layering],
  });
  const problems = async (path: string, text: string) =>
    (await eslint.lintText(text, { filePath: join(repoRoot, path) }))[0]!.messages.map((m) => `${m.ruleId}: ${m.line}`);

  it("is part of the lint configuration", () => {
    for (const block of layering) expect(eslintConfig).toContain(block);
  });

  it("stops shared/ from importing the runner's packages, the wrapper, the adapters or the CLI", async () => {
    const text = [
      'import * as core from "@actions/core";',
      'import { defineAction } from "../../runtime/action";',
      'import { inputs } from "../../actions/train/inputs";',
      'import { main } from "../../cli/mlops";',
      'import type { RunContext } from "../../runtime/context";',
      'import { readTable } from "../data";',
      'import { join } from "node:path";',
      "export const all = [core, defineAction, inputs, main, readTable, join];",
      "export type C = RunContext;",
    ].join("\n");
    expect(await problems("shared/compare/violation.ts", text)).toEqual(
      [1, 2, 3, 4, 5].map((line) => `no-restricted-imports: ${line}`),
    );
    // Tests beside the code may use the wrapper to run the domain as an action would.
    expect(await problems("shared/compare/violation.test.ts", text)).toEqual([]);
  });

  it("lets an adapter reach a shared area only through its index.ts", async () => {
    const text = [
      'import { workspaceRef } from "../../shared/azureml/workspace";',
      'import { isAzureMLRegistryUri } from "../../shared/azureml";',
      'import { UserError } from "../../shared/errors";',
      'import { defineAction } from "../../runtime/action";',
      "export const all = [workspaceRef, isAzureMLRegistryUri, UserError, defineAction];",
    ].join("\n");
    expect(await problems("actions/promote/violation.ts", text)).toEqual(["no-restricted-imports: 1"]);
  });
});
