/**
 * Every YAML snippet in every Markdown file is what a reader pastes into a workflow: it parses, GitHub's
 * parser accepts it in a workflow, the inputs it gives our actions exist and the required ones are there,
 * and it follows the rules of the example workflows. The README's quick start is one of them, checked as a
 * complete workflow (with actionlint).
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { lintSources } from "../scripts/actionlint.mjs";
import { repoRoot } from "./harness/run-action";
import { asWorkflow, checkSnippet, markdownSnippets, snippetKind, snippetsOf } from "./harness/snippets";

const snippets = markdownSnippets(repoRoot);

describe("README snippets", () => {
  it("are found in the README, every action's README and the examples", () => {
    const files = new Set(snippets.map((s) => s.file));
    for (const f of [
      "README.md",
      "actions/train/README.md",
      "actions/compare-models/README.md",
      "workflows-examples/README.md",
    ]) {
      expect(files, f).toContain(f);
    }
    expect(snippets.length).toBeGreaterThan(15);
  });

  for (const s of snippets) {
    it(`${s.file}:${s.line} (${s.heading}) parses and fits the actions it uses`, async () => {
      expect((await checkSnippet(s, repoRoot)).problems).toEqual([]);
    });
  }

  it("include the README's quick start, a complete workflow that actionlint accepts", async () => {
    const quick = snippets.filter((s) => s.file === "README.md" && /^Quick start/.test(s.heading));
    expect(quick).toHaveLength(1);
    const { kind, problems } = await checkSnippet(quick[0]!, repoRoot);
    expect(kind).toBe("workflow");
    expect(problems).toEqual([]);
    const findings = await lintSources([{ path: "quick-start.yml", text: quick[0]!.text }]);
    expect(findings.map((f: { message: string }) => f.message)).toEqual([]);
  });
});

describe("the snippet check catches", () => {
  const md = (yaml: string) => `# Example\n\n\`\`\`yaml\n${yaml}\`\`\`\n`;
  const problems = async (yaml: string) =>
    (await checkSnippet(snippetsOf("x.md", md(yaml))[0]!, repoRoot)).problems.join("\n");
  const compare = (extra = "") =>
    [
      "- id: compare",
      "  uses: mlops-actions/mlops-actions/compare-models@v1",
      "  with:",
      "    candidate: failure-predictor@challenger",
      "    data: data/holdout.csv",
      "    label: Machine failure",
      extra,
    ].join("\n") + "\n";

  it("text that is not YAML: a plain scalar with ': ' inside (an echo of two outputs)", async () => {
    expect(
      await problems(
        compare('- run: echo "${{ steps.compare.outputs.decision }}: ${{ steps.compare.outputs.reason }}"'),
      ),
    ).toMatch(/x\.md:3: .*(mapping values|Nested mappings)/);
  });

  it("an input the action does not declare, and a required input left out", async () => {
    const p = await problems(compare("    primary-metrc: roc_auc").replace("    label: Machine failure\n", ""));
    expect(p).toMatch(/input "primary-metrc" is not an input of compare-models/);
    expect(p).toMatch(/required input "label" of compare-models is not given/);
  });

  it("an expression inside run:, an unpinned third-party action and a misspelt input of one", async () => {
    const p = await problems(
      [
        "- uses: actions/checkout@v4",
        "- uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065",
        "  with: { python-versoin: '3.11' }",
        "- run: echo ${{ github.event.pull_request.title }}",
      ].join("\n") + "\n",
    );
    expect(p).toMatch(/actions\/checkout@v4 is not pinned/);
    expect(p).toMatch(/input "python-versoin" is not an input of actions\/setup-python/);
    expect(p).toMatch(/inside run:/);
  });

  it("what GitHub's parser refuses: an unknown key in a job", async () => {
    expect(await problems("runs-on: ubuntu-latest\ntimeout-minute: 5\nsteps:\n  - run: make\n")).toMatch(
      /GitHub's parser: .*timeout-minute/,
    );
  });

  it("places each kind of snippet in a workflow GitHub accepts", () => {
    const steps = [{ run: "make" }];
    expect(snippetKind(steps)).toBe("steps");
    expect(snippetKind({ steps })).toBe("job");
    expect(snippetKind({ jobs: { a: { steps } } })).toBe("jobs");
    expect(snippetKind({ on: "push", jobs: {} })).toBe("workflow");
    expect(snippetKind({ columns: {} })).toBe("other");
    expect(stringify(asWorkflow("steps", steps))).toContain("runs-on: ubuntu-latest");
  });
});
