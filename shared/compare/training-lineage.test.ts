import { describe, expect, it } from "vitest";
import { trainingLineage } from "./training-lineage";

describe("trainingLineage", () => {
  it("keeps where the model was trained from a train card's lineage, without the bulky parts", () => {
    const studio =
      "https://ml.azure.com/runs/fp-7-1-abc?wsid=/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
    const l = {
      gitSha: "4f2c0a9e",
      repository: "plant/pm",
      workflow: "ci",
      runId: "7",
      runUrl: "https://github.com/plant/pm/actions/runs/7",
      command: "python train.py",
      durationSeconds: 12,
      dataHash: "sha256:00",
      azureml: {
        jobName: "fp-7-1-abc",
        jobId: "/subscriptions/s/.../jobs/fp-7-1-abc",
        studioUrl: studio,
        experiment: "pm",
        jobType: "Command",
        model: { name: "fp", version: "3", id: "azureml:fp:3", studioUrl: "https://ml.azure.com/model/fp:3/details" },
        sweep: { metric: "max:roc_auc", winner: "fp-7-1-abc", trials: [] },
      },
    };
    expect(trainingLineage(l)).toEqual({
      repository: "plant/pm",
      gitSha: "4f2c0a9e",
      workflow: "ci",
      runId: "7",
      runUrl: "https://github.com/plant/pm/actions/runs/7",
      azureml: {
        jobName: "fp-7-1-abc",
        studioUrl: studio,
        experiment: "pm",
        model: { id: "azureml:fp:3", studioUrl: "https://ml.azure.com/model/fp:3/details" },
      },
    });
  });

  it("is empty for a file or a card without lineage, and ignores fields of the wrong type", () => {
    expect(trainingLineage(undefined)).toEqual({});
    expect(trainingLineage({})).toEqual({});
    expect(trainingLineage({ runUrl: 7, azureml: { jobName: "j" } } as never)).toEqual({});
  });
});
