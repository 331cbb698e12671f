import { describe, expect, it } from "vitest";
import { githubContext } from "../../runtime/context";
import { FileStore } from "../registry/file-store";
import { Registry } from "../registry/registry";
import { lineageFromEnv } from "../train/lineage";
import { reportProvenance } from "./provenance";
import { runIdentity } from "./run-identity";

const rerun = {
  GITHUB_SERVER_URL: "https://ghe.example.com/",
  GITHUB_REPOSITORY: "plant/pm",
  GITHUB_RUN_ID: "99",
  GITHUB_RUN_ATTEMPT: "3",
  GITHUB_ACTOR: "octo",
  GITHUB_TRIGGERING_ACTOR: "mona",
};
const attemptUrl = "https://ghe.example.com/plant/pm/actions/runs/99/attempts/3";

describe("runIdentity", () => {
  it("links the attempt of a re-run and names who started it", () => {
    expect(runIdentity(rerun)).toEqual({
      serverUrl: "https://ghe.example.com",
      repository: "plant/pm",
      runId: "99",
      runAttempt: "3",
      runUrl: attemptUrl,
      actor: "mona",
    });
  });

  it("links the run itself on a first attempt, and nothing outside a runner", () => {
    expect(runIdentity({ ...rerun, GITHUB_RUN_ATTEMPT: "1", GITHUB_TRIGGERING_ACTOR: "" })).toMatchObject({
      runUrl: "https://ghe.example.com/plant/pm/actions/runs/99",
      actor: "octo",
    });
    expect(runIdentity({ GITHUB_ACTOR: "" })).toEqual({ serverUrl: "https://github.com" });
  });

  // The run context, a model's lineage, the registry's audit events and the reports used to read these
  // variables each their own way: the same re-run was linked with and without its attempt.
  it("is what the run context, lineage, the registry's audit and the report provenance record", () => {
    const context = githubContext(rerun, "/ws");
    expect([context.runUrl, context.actor]).toEqual([attemptUrl, "mona"]);
    expect(lineageFromEnv(rerun)).toMatchObject({ runUrl: attemptUrl, actor: "mona" });
    const audit = new Registry(new FileStore("/nonexistent"), { env: rerun }).auditDefaults({});
    expect([audit.runUrl, audit.actor]).toEqual([attemptUrl, "mona"]);
    expect(reportProvenance(context).runUrl).toBe(attemptUrl);
  });
});
