import { describe, expect, it } from "vitest";
import { filterPattern, matchesFilters, triggers } from "./triggers";

describe("filter patterns, as GitHub's cheat sheet defines them", () => {
  it("* stops at /, ** does not, ? and + quantify the preceding character, [] is a set", () => {
    expect(filterPattern("ml/*").test("ml/train.py")).toBe(true);
    expect(filterPattern("ml/*").test("ml/sub/train.py")).toBe(false);
    expect(filterPattern("ml/**").test("ml/sub/train.py")).toBe(true);
    expect(filterPattern("**.md").test("docs/a/README.md")).toBe(true);
    expect(filterPattern("v2?").test("v")).toBe(true);
    expect(filterPattern("v2?").test("v2")).toBe(true);
    expect(filterPattern("v[12].+").test("v1")).toBe(false);
    expect(filterPattern("v[12].+").test("v2..")).toBe(true);
    expect(filterPattern("v[12].0+").test("v1.000")).toBe(true);
    expect(filterPattern("failure-predictor/v*").test("failure-predictor/v7")).toBe(true);
    expect(filterPattern("failure-predictor/v*").test("failure-predictorxv7")).toBe(false);
  });

  it("the last matching pattern decides; ! excludes", () => {
    expect(matchesFilters(["ml/**", "!ml/**.md"], "ml/README.md")).toBe(false);
    expect(matchesFilters(["ml/**", "!ml/**.md", "ml/keep.md"], "ml/keep.md")).toBe(true);
  });
});

describe("triggers", () => {
  const events = {
    push: { branches: ["main"], paths: ["ml/**", "data/**"] },
    pull_request: { branches: ["main"], types: ["opened", "labeled"], paths: ["ml/**"] },
  };
  const ev = (name: string, ref: string, payload: Record<string, unknown> = {}, changedFiles?: string[]) => ({
    name,
    ref,
    payload,
    ...(changedFiles ? { changedFiles } : {}),
  });

  it("push: branch and paths filters; tags do not start a workflow that filters branches only", () => {
    expect(triggers(events, ev("push", "refs/heads/main", {}, ["ml/train.py"])).runs).toBe(true);
    expect(triggers(events, ev("push", "refs/heads/main", {}, ["README.md"]))).toEqual({
      runs: false,
      why: "no changed file matches the path filters (README.md)",
    });
    expect(triggers(events, ev("push", "refs/heads/dev", {}, ["ml/train.py"])).runs).toBe(false);
    expect(triggers(events, ev("push", "refs/tags/v1")).runs).toBe(false);
    expect(triggers({ push: { tags: ["fp/v*"] } }, ev("push", "refs/tags/fp/v3")).runs).toBe(true);
    expect(triggers({ push: { tags: ["fp/v*"] } }, ev("push", "refs/heads/main")).runs).toBe(false);
  });

  it("pull_request: activity types, base branch, changed files; another event does not start it", () => {
    const pr = (action: string, base: string, files: string[]) =>
      triggers(
        events,
        ev("pull_request", "refs/pull/1/merge", { action, pull_request: { base: { ref: base } } }, files),
      ).runs;
    expect(pr("labeled", "main", ["ml/x.py"])).toBe(true);
    expect(pr("synchronize", "main", ["ml/x.py"])).toBe(false);
    expect(pr("opened", "release", ["ml/x.py"])).toBe(false);
    expect(pr("opened", "main", ["docs/x.md"])).toBe(false);
    expect(triggers(events, ev("schedule", "refs/heads/main")).runs).toBe(false);
  });
});
