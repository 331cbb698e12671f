/**
 * action.yml is the source of truth for every action's interface. These checks keep it complete and
 * keep the zod schemas, the CLI, dist/ and the READMEs agreeing with it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { actions } from "../actions/index";
import { actionHelp } from "../cli/mlops";
import { isDefaulted, parseInputs } from "../runtime/inputs";
import { wrapperText } from "../scripts/action-wrappers.mjs";
import { renderReadmeTables } from "../scripts/docs-lib";
import { checkActionYml } from "./harness/action-metadata";
import { repoRoot } from "./harness/run-action";

const names = readdirSync(join(repoRoot, "actions")).filter((n) =>
  existsSync(join(repoRoot, "actions", n, "action.yml")),
);

describe("action.yml metadata", () => {
  it("covers the five pipeline actions and the CLI's table", () => {
    expect(names).toEqual(
      expect.arrayContaining(["train", "compare-models", "notify-teams", "promote", "package-edge"]),
    );
    expect(Object.keys(actions).sort()).toEqual([...names].sort());
  });

  for (const name of names) {
    describe(name, () => {
      const dir = join(repoRoot, "actions", name);
      const text = readFileSync(join(dir, "action.yml"), "utf8");
      const meta = parse(text);

      it("matches the metadata schema and points into dist/", () => {
        expect(checkActionYml(text, dir, repoRoot)).toEqual([]);
      });

      it("declares the same inputs as the zod schema, and every default parses", async () => {
        const def = (await actions[name]!()).default;
        expect(Object.keys(def.inputs.shape).sort()).toEqual(Object.keys(meta.inputs ?? {}).sort());
        const raw: Record<string, string> = {};
        for (const [k, v] of Object.entries<{ default?: string; required: boolean }>(meta.inputs ?? {})) {
          raw[k] = v.required ? "x" : (v.default ?? "").includes("${{") ? "" : (v.default ?? "");
        }
        // Required inputs get a placeholder; what must not fail is a default. An input required only in some
        // configurations (train's command, not needed with an Azure ML job-file) may say it is required.
        try {
          parseInputs(def.inputs, raw);
        } catch (e) {
          const message = (e as Error).message;
          const bad = Object.keys(meta.inputs ?? {}).filter((k) => message.includes(`"${k}"`));
          const badDefaults = bad.filter(
            (k) => !meta.inputs[k].required && !message.includes(`input "${k}" is required:`),
          );
          expect(badDefaults, (e as Error).message).toEqual([]);
        }
        for (const secret of def.secrets ?? []) expect(Object.keys(meta.inputs ?? {})).toContain(secret);
      });

      it("gives a default in action.yml exactly to the inputs built with defaulted(), and nowhere else", async () => {
        const def = (await actions[name]!()).default;
        expect(defaultProblems(def.inputs.shape, meta.inputs ?? {})).toEqual([]);
      });

      it("declares the same outputs in defineAction as in action.yml", async () => {
        const def = (await actions[name]!()).default;
        expect([...def.outputs].sort()).toEqual(Object.keys(meta.outputs ?? {}).sort());
      });

      it("has the root <action>/action.yml that `uses: <org>/mlops-actions/<action>@v1` resolves to, generated and current", () => {
        const wrapperPath = join(repoRoot, name, "action.yml");
        expect(existsSync(wrapperPath), "run npm run build").toBe(true);
        const wrapper = readFileSync(wrapperPath, "utf8");
        expect(wrapper).toBe(wrapperText(name));
        expect(checkActionYml(wrapper, join(repoRoot, name), repoRoot)).toEqual([]);
      });

      it("lists the same inputs in `mlops <action> --help`", () => {
        const help = actionHelp(name);
        for (const input of Object.keys(meta.inputs ?? {})) expect(help).toContain(`--${input}`);
        for (const output of Object.keys(meta.outputs ?? {})) expect(help).toContain(`  ${output}:`);
      });

      it("has a README whose inputs and outputs tables are generated from action.yml", () => {
        const readme = readFileSync(join(dir, "README.md"), "utf8");
        expect(readme).toContain(renderReadmeTables(meta));
        expect(readme).toMatch(new RegExp(`uses: [\\w-]+/mlops-actions/${name}@v1`));
      });
    });
  }
});

/**
 * A default lives once, in action.yml: an input built with defaulted() needs a literal default there (the
 * runner's, which the adapter then relies on), and an input with a literal default must be built with
 * defaulted() so that no adapter repeats it as a fallback. Expression defaults (${{ github.token }}) are
 * evaluated by the runner and may be empty elsewhere, so they take an optional builder.
 */
function defaultProblems(
  shape: Record<string, import("zod").ZodType>,
  declared: Record<string, { default?: string; required?: boolean }>,
): string[] {
  const problems: string[] = [];
  for (const [input, field] of Object.entries(shape)) {
    const d = declared[input]?.default ?? "";
    const literal = d !== "" && !d.includes("${{");
    if (isDefaulted(field) && !literal)
      problems.push(
        `${input}: built with defaulted() but action.yml gives it no literal default (got ${JSON.stringify(d)})`,
      );
    if (!isDefaulted(field) && literal)
      problems.push(
        `${input}: action.yml gives it the default ${JSON.stringify(d)}; build it with defaulted() so code cannot repeat it`,
      );
  }
  return problems;
}

describe("the metadata check itself", () => {
  const dir = join(repoRoot, "actions", "promote");
  const good = readFileSync(join(dir, "action.yml"), "utf8");

  it("rejects an unknown key", () => {
    expect(checkActionYml(`${good}\nextra: 1\n`, dir, repoRoot).join()).toMatch(/extra|Unrecognized/i);
  });
  it("rejects an input without a description", () => {
    const doc = parse(good);
    delete doc.inputs.alias.description;
    expect(checkActionYml(JSON.stringify(doc), dir, repoRoot).join()).toMatch(/inputs\.alias\.description/);
  });
  it("rejects a main that is not in dist/", () => {
    const doc = parse(good);
    doc.runs.main = "../../dist/actions/nope.js";
    expect(checkActionYml(JSON.stringify(doc), dir, repoRoot).join()).toMatch(/does not exist/);
  });
  it("rejects runs.using other than node24", () => {
    const doc = parse(good);
    doc.runs.using = "node16";
    expect(checkActionYml(JSON.stringify(doc), dir, repoRoot).join()).toMatch(/runs\.using/);
  });
});
