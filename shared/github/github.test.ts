import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubApiServer, startGitHubApi } from "../../test/services/github-api";
import { UserError } from "../errors";
import { fetchApprovers } from "./approvals";
import { markerFor, upsertPrComment } from "./pr-comment";
import { reportProvenance } from "./provenance";

describe("upsertPrComment against a local GitHub API", () => {
  let gh: GitHubApiServer;
  beforeAll(async () => {
    gh = await startGitHubApi();
  });
  afterAll(() => gh.close());

  const base = () => ({
    token: gh.token,
    repository: "acme/plant-models",
    apiUrl: gh.url,
    marker: "compare-models:fp",
  });

  it("creates one comment, then updates it in place on re-runs", async () => {
    const a = await upsertPrComment({ ...base(), pullRequest: 7, body: "first" });
    const b = await upsertPrComment({ ...base(), pullRequest: 7, body: "second" });
    expect(a.action).toBe("created");
    expect(b).toMatchObject({ action: "updated", id: a.id });
    expect(gh.comments.get(7)).toHaveLength(1);
    expect(gh.comments.get(7)![0]!.body).toBe(`${markerFor("compare-models:fp")}\nsecond`);
  });

  it("finds its comment beyond the first page and leaves other comments alone", async () => {
    gh.comments.set(
      8,
      Array.from({ length: 130 }, (_, i) => ({ id: i + 1, body: `human ${i}`, html_url: "" })),
    );
    await upsertPrComment({ ...base(), pullRequest: 8, body: "report v1" });
    await upsertPrComment({ ...base(), pullRequest: 8, body: "report v2" });
    const all = gh.comments.get(8)!;
    expect(all).toHaveLength(131);
    expect(all.filter((c) => c.body.includes("report"))).toHaveLength(1);
    expect(all[5]!.body).toBe("human 5");
  });

  it("keeps separate comments for separate markers", async () => {
    await upsertPrComment({ ...base(), pullRequest: 9, body: "a" });
    await upsertPrComment({ ...base(), marker: "compare-models:other", pullRequest: 9, body: "b" });
    expect(gh.comments.get(9)).toHaveLength(2);
  });

  it("records the commit it describes, marks a report of an older commit stale, and never replaces the head's report with it", async () => {
    const older = "1111111111111111111111111111111111111111";
    const head = "2222222222222222222222222222222222222222";
    gh.heads.set(20, older);
    const first = await upsertPrComment({ ...base(), pullRequest: 20, body: "report of 1111111", commit: older });
    expect(first).toMatchObject({ action: "created" });
    expect(first.staleFor).toBeUndefined();
    expect(gh.comments.get(20)![0]!.body).not.toMatch(/WARNING/);
    // A push moved the head; a re-run of the old commit's workflow finishes now: it says it is stale.
    gh.heads.set(20, head);
    const stale = await upsertPrComment({ ...base(), pullRequest: 20, body: "report of 1111111 again", commit: older });
    expect(stale).toMatchObject({ action: "updated", staleFor: head });
    expect(gh.comments.get(20)![0]!.body).toContain(
      "> [!WARNING]\n> This report describes commit `1111111`, an older commit than the pull request's head `2222222`.",
    );
    // The head's own report replaces it and is current again...
    const current = await upsertPrComment({ ...base(), pullRequest: 20, body: "report of 2222222", commit: head });
    expect(current.action).toBe("updated");
    expect(gh.comments.get(20)![0]!.body).not.toMatch(/WARNING/);
    // ...and a late run for the old commit leaves it alone.
    const late = await upsertPrComment({ ...base(), pullRequest: 20, body: "late report of 1111111", commit: older });
    expect(late).toMatchObject({ action: "kept", staleFor: head });
    expect(gh.comments.get(20)![0]!.body).toContain("report of 2222222");
    expect(gh.comments.get(20)).toHaveLength(1);
  });

  it("still comments when the pull request's head cannot be read (no stale check, no failure)", async () => {
    const r = await upsertPrComment({
      ...base(),
      pullRequest: 21,
      body: "report",
      commit: "3333333333333333333333333333333333333333",
    });
    expect(r).toMatchObject({ action: "created" });
    expect(r.staleFor).toBeUndefined();
  });

  it("names the pull request's head commit (not the merge commit of the run) with links to it and the run", () => {
    const p = reportProvenance(
      {
        serverUrl: "https://github.com",
        repository: "acme/plant-models",
        sha: "9999999999999999999999999999999999999999",
        runId: "4242",
        runAttempt: "2",
        runUrl: "https://github.com/acme/plant-models/actions/runs/4242/attempts/2",
        event: { pull_request: { number: 20, head: { sha: "2222222222222222222222222222222222222222" } } },
        pullRequest: 20,
      },
      new Date("2026-05-04T09:12:00Z"),
    );
    expect(p).toEqual({
      commit: "2222222222222222222222222222222222222222",
      commitUrl: "https://github.com/acme/plant-models/pull/20/commits/2222222222222222222222222222222222222222",
      runUrl: "https://github.com/acme/plant-models/actions/runs/4242/attempts/2",
      run: "run 4242 (attempt 2)",
      at: "2026-05-04T09:12:00.000Z",
    });
  });

  it("explains a permission problem", async () => {
    const err = await upsertPrComment({ ...base(), token: "wrong", pullRequest: 7, body: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/GitHub answered 401 .*pull-requests: write/);
  });
});

describe("fetchApprovers against a local GitHub API", () => {
  let gh: GitHubApiServer;
  beforeAll(async () => {
    gh = await startGitHubApi();
    gh.approvals.set("4242", [
      { state: "approved", user: { login: "alice" }, environments: [{ name: "production" }] },
      { state: "rejected", user: { login: "mallory" }, environments: [{ name: "production" }] },
      { state: "approved", user: { login: "bob" }, environments: [{ name: "staging" }] },
      { state: "approved", user: { login: "alice" }, environments: [{ name: "production" }] },
    ]);
  });
  afterAll(() => gh.close());

  it("lists who approved the environment, once each", async () => {
    const base = { token: gh.token, repository: "acme/plant-models", runId: "4242", apiUrl: gh.url };
    expect(await fetchApprovers({ ...base, environment: "production" })).toEqual(["alice"]);
    expect(await fetchApprovers(base)).toEqual(["alice", "bob"]);
    await expect(fetchApprovers({ ...base, token: "nope" })).rejects.toThrow(/401/);
  });
});
