// Stand-in for the GitHub CLI on the runner image, for the one command the example workflows run:
//   gh workflow run <workflow file> [--repo owner/repo] [--ref ref] [-f key=value ...]
// (https://cli.github.com/manual/gh_workflow_run): a workflow_dispatch event, POST
// /repos/{owner}/{repo}/actions/workflows/{file}/dispatches with {ref, inputs}
// (https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event), authenticated with
// GH_TOKEN (or GITHUB_TOKEN), sent to GITHUB_API_URL (the harness's GitHub API stand-in). As gh: without a
// token it refuses with its Actions message; an API error is printed with its status and fails the step.
// Anything else fails as an unknown command, so a changed step cannot pass here without being run.
const args = process.argv.slice(2);
const fail = (msg, code = 1) => {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
};
if (args[0] !== "workflow" || args[1] !== "run") {
  fail(`unknown command "${args.slice(0, 2).join(" ")}" for "gh" (stand-in: only workflow run)`);
}
let workflow;
let repo = process.env.GITHUB_REPOSITORY;
let ref;
const inputs = {};
for (let i = 2; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    const v = args[++i];
    if (v === undefined) fail(`flag needs an argument: ${a}`);
    return v;
  };
  if (a === "--repo" || a === "-R") repo = value();
  else if (a === "--ref" || a === "-r") ref = value();
  else if (a === "-f" || a === "--raw-field" || a === "-F" || a === "--field") {
    const kv = value();
    const eq = kv.indexOf("=");
    if (eq < 1) fail(`field "${kv}" requires a key and a value separated by "="`);
    inputs[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (a.startsWith("-")) fail(`unknown flag: ${a}`);
  else if (workflow === undefined) workflow = a;
  else fail(`accepts at most 1 arg(s), received ${args.length - 2}`);
}
if (!workflow) fail("workflow ID, name, or filename required when not running interactively");
const token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN;
if (!token) {
  fail(
    "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}",
    4,
  );
}
if (!repo) fail("could not determine base repo (pass --repo)");
const api = process.env.GITHUB_API_URL ?? "https://api.github.com";
const res = await fetch(`${api}/repos/${repo}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`, {
  method: "POST",
  headers: {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "content-type": "application/json",
  },
  body: JSON.stringify({ ref: ref ?? "main", inputs }),
});
if (res.status !== 204) {
  const body = await res.json().catch(() => ({}));
  fail(`could not create workflow dispatch event: HTTP ${res.status}: ${body.message ?? res.statusText}`);
}
process.stderr.write(`✓ Created workflow_dispatch event for ${workflow} at ${ref ?? "main"}\n`);
