import { describe, expect, it } from "vitest";
import type { ArmClient } from "../azure/arm";
import { JobEndedError, type JobResource, waitForJob } from "./jobs";
import type { WorkspaceRef } from "./workspace";

const WS: WorkspaceRef = {
  subscriptionId: "00000000-1111-2222-3333-444444444444",
  resourceGroup: "rg",
  workspace: "ws",
};

/** A Resource Manager client whose job GETs answer the given statuses in turn (the last one repeats). */
function armWithStatuses(statuses: string[]) {
  const calls: { method: string; path: string }[] = [];
  let i = 0;
  const arm = {
    async get(path: string): Promise<JobResource> {
      calls.push({ method: "GET", path });
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return { name: "job-1", properties: { jobType: "Command", status } };
    },
    async request(method: string, path: string) {
      calls.push({ method, path });
      return { status: 202, headers: new Headers(), body: undefined };
    },
  };
  return { arm: arm as unknown as ArmClient, calls };
}

describe("waitForJob", () => {
  it("keeps polling through NotResponding: the JobStatus enum lets a run go back from it to any earlier state", async () => {
    const { arm, calls } = armWithStatuses(["Running", "NotResponding", "Running", "Completed"]);
    const seen: string[] = [];
    let t = 0;
    const job = await waitForJob(arm, WS, "job-1", {
      timeoutMs: 60_000,
      sleep: async (ms) => void (t += ms),
      now: () => t,
      onStatus: (s) => seen.push(s),
    });
    expect(job.properties.status).toBe("Completed");
    expect(seen).toEqual(["Running", "NotResponding", "Running", "Completed"]);
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
  });

  it("a job stuck in NotResponding is cancelled at the timeout, not left running", async () => {
    const { arm, calls } = armWithStatuses(["Running", "NotResponding"]);
    let t = 0;
    const e = await waitForJob(arm, WS, "job-1", {
      timeoutMs: 30_000,
      sleep: async (ms) => void (t += ms),
      now: () => t,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JobEndedError);
    expect((e as JobEndedError).code).toBe("timeout");
    expect((e as JobEndedError).status).toBe("NotResponding");
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([
      expect.stringMatching(/\/jobs\/job-1\/cancel$/),
    ]);
  });

  it("Failed and Canceled end the wait with the job's error", async () => {
    for (const status of ["Failed", "Canceled"]) {
      const { arm } = armWithStatuses(["Running", status]);
      let t = 0;
      const e = (await waitForJob(arm, WS, "job-1", {
        timeoutMs: 60_000,
        sleep: async (ms) => void (t += ms),
        now: () => t,
      }).catch((x: unknown) => x)) as JobEndedError;
      expect(e).toBeInstanceOf(JobEndedError);
      expect(e.status).toBe(status);
      expect(e.code).toBe(status === "Canceled" ? "cancelled" : "job-failed");
    }
  });
});
