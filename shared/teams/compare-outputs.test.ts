import { describe, expect, it } from "vitest";
import { UserError } from "../errors";
import { fromCompareOutputs } from "./compare-outputs";

describe("fromCompareOutputs", () => {
  it("maps compare-models' outputs to the card's fields, rule metrics first", () => {
    const summary = fromCompareOutputs({
      decision: "reject",
      "is-better": "true",
      reason: "recall fell by 0.03, more than the allowed 0.02.",
      "candidate-version": "13",
      "champion-version": "12",
      "candidate-metrics": JSON.stringify({ accuracy: 0.97, recall: 0.8, roc_auc: 0.95, log_loss: null }),
      "champion-metrics": JSON.stringify({ accuracy: 0.96, recall: 0.83, roc_auc: 0.94, log_loss: 0.2 }),
      deltas: JSON.stringify({ accuracy: 0.01, recall: -0.03, roc_auc: 0.01, log_loss: null }),
      rules: JSON.stringify([
        { rule: "improvement", metric: "roc_auc", passed: true, detail: "" },
        { rule: "max-regression", metric: "recall", passed: false, detail: "" },
        { rule: "threshold", metric: "recall", passed: true, detail: "" },
      ]),
      contract: "compatible",
      report: "/tmp/report.md",
    });
    expect(summary).toEqual({
      decision: "reject",
      reason: "recall fell by 0.03, more than the allowed 0.02.",
      candidateVersion: "13",
      championVersion: "12",
      metrics: [
        { name: "roc_auc", candidate: 0.95, champion: 0.94, delta: 0.01, passed: true },
        { name: "recall", candidate: 0.8, champion: 0.83, delta: -0.03, passed: false },
        { name: "accuracy", candidate: 0.97, champion: 0.96, delta: 0.01 },
        { name: "log_loss", candidate: null, champion: 0.2, delta: null },
      ],
      facts: [{ title: "Model contract", value: "compatible" }],
    });
  });

  it("shows the contract rule (and any rule on something other than a metric) as a fact with its verdict", () => {
    const summary = fromCompareOutputs({
      decision: "reject",
      "candidate-metrics": JSON.stringify({ roc_auc: 0.95 }),
      rules: JSON.stringify([
        { rule: "improvement", metric: "roc_auc", passed: true, detail: "better" },
        {
          rule: "contract",
          metric: "contract",
          passed: false,
          detail: 'breaking against the champion: input "input" (tensor(float)[N,5]) is gone',
        },
        { rule: "parity", metric: "parity", passed: true, detail: "max |onnx - reference| 1e-7 ≤ 1e-5" },
      ]),
      contract: "breaking",
    });
    expect(summary.metrics).toEqual([{ name: "roc_auc", candidate: 0.95, passed: true }]);
    expect(summary.facts).toEqual([
      { title: "Model contract", value: '✘ breaking against the champion: input "input" (tensor(float)[N,5]) is gone' },
      { title: "Parity with the training framework", value: "✔ max |onnx - reference| 1e-7 ≤ 1e-5" },
    ]);
  });

  it("works with the subset a job passes on, and with no champion", () => {
    const summary = fromCompareOutputs({
      decision: "promote",
      reason: "no champion",
      "candidate-metrics": '{"f1":0.8}',
      "champion-metrics": "{}",
      "champion-version": "",
    });
    expect(summary).toEqual({ decision: "promote", reason: "no champion", metrics: [{ name: "f1", candidate: 0.8 }] });
  });

  it("reads where the candidate was trained from candidate-lineage: the run and the Azure ML job in Studio", () => {
    const studio =
      "https://ml.azure.com/runs/fp-4101-1-a1b2c3?wsid=/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
    const lineage = {
      repository: "plant/pm",
      workflow: "ci",
      runId: "4101",
      runUrl: "https://github.com/plant/pm/actions/runs/4101",
      azureml: {
        jobName: "fp-4101-1-a1b2c3",
        studioUrl: studio,
        experiment: "pm",
        model: { id: "azureml:fp:3", studioUrl: "https://ml.azure.com/model/fp:3/details" },
      },
    };
    expect(fromCompareOutputs({ "candidate-lineage": JSON.stringify(lineage) }).training).toEqual({
      runUrl: "https://github.com/plant/pm/actions/runs/4101",
      workflow: "ci",
      azuremlJob: "fp-4101-1-a1b2c3",
      studioUrl: studio,
    });
    // A local training run has no Azure ML job; a file candidate has no lineage at all.
    expect(fromCompareOutputs({ "candidate-lineage": JSON.stringify({ runUrl: lineage.runUrl }) }).training).toEqual({
      runUrl: lineage.runUrl,
    });
    expect(fromCompareOutputs({ "candidate-lineage": "{}" }).training).toBeUndefined();
  });

  it("refuses a candidate-lineage link that is not http(s), and a lineage that is not an object", () => {
    expect(() =>
      fromCompareOutputs({ "candidate-lineage": JSON.stringify({ runUrl: "javascript:alert(1)" }) }),
    ).toThrow(
      /^compare-outputs: "candidate-lineage" holds a link that is not http\(s\) \(got "javascript:alert\(1\)"\)\. The candidate's model card carries it/,
    );
    expect(() =>
      fromCompareOutputs({
        "candidate-lineage": JSON.stringify({ azureml: { jobName: "j", studioUrl: "ml.azure.com/runs/j" } }),
      }),
    ).toThrow(/holds a link that is not http\(s\) \(got "ml\.azure\.com\/runs\/j"\)/);
    expect(() => fromCompareOutputs({ "candidate-lineage": "[1]" })).toThrow(
      /^compare-outputs: "candidate-lineage" is not a JSON object \(got \[1\]\)/,
    );
  });

  it("takes the uploaded report as the Report link, and only an http(s) one", () => {
    const url = "https://github.com/acme/plant-models/actions/runs/7/artifacts/77";
    expect(fromCompareOutputs({ decision: "promote", "report-url": url }).reportUrl).toBe(url);
    expect(fromCompareOutputs({ decision: "promote", "report-url": "" }).reportUrl).toBeUndefined();
    expect(fromCompareOutputs({ decision: "promote", "report-url": "javascript:alert(1)" }).reportUrl).toBeUndefined();
  });

  it("names the output that is not JSON", () => {
    expect(() => fromCompareOutputs({ "candidate-metrics": "{f1: 0.8" })).toThrow(UserError);
    expect(() => fromCompareOutputs({ "candidate-metrics": "{f1: 0.8" })).toThrow(
      /^compare-outputs: "candidate-metrics" is not JSON \(got "\{f1: 0\.8"\)/,
    );
    expect(() => fromCompareOutputs({ rules: '{"a":1}' })).toThrow(/^compare-outputs: "rules" is not a list/);
  });
});
