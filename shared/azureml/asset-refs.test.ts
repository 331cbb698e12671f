import { describe, expect, it } from "vitest";
import { computeId, parseAssetRef } from "./asset-refs";

const WS =
  "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.MachineLearningServices/workspaces/my-aml-workspace";

describe("environment and component references", () => {
  it("turns azureml:<name>:<version> into the workspace ARM id", () => {
    expect(parseAssetRef("environments", "azureml:sklearn-env:3", WS)).toEqual({
      id: `${WS}/environments/sklearn-env/versions/3`,
    });
    expect(parseAssetRef("components", "train_model:1.2", WS)).toEqual({
      id: `${WS}/components/train_model/versions/1.2`,
    });
  });
  it("leaves @latest of a workspace asset to be looked up", () => {
    expect(parseAssetRef("environments", "azureml:sklearn-env@latest", WS)).toEqual({
      latestOf: { kind: "environments", name: "sklearn-env" },
    });
  });
  it("passes registry ids and ARM ids through", () => {
    const reg = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";
    expect(parseAssetRef("environments", reg, WS)).toEqual({ id: reg });
    expect(parseAssetRef("environments", `${WS}/environments/e/versions/2`, WS)).toEqual({
      id: `${WS}/environments/e/versions/2`,
    });
  });
  it("refuses other labels, other kinds and malformed references with the input's name", () => {
    expect(() => parseAssetRef("environments", "azureml:env@prod", WS)).toThrow(/^environment: only the label @latest/);
    expect(() => parseAssetRef("environments", "azureml://registries/r/components/c/versions/1", WS)).toThrow(
      /^environment: a registry id of another asset kind/,
    );
    expect(() => parseAssetRef("environments", `${WS}/computes/c`, WS)).toThrow(
      /^environment: an ARM id that is not a environment version/,
    );
    expect(() => parseAssetRef("environments", "python:3.11:slim", WS)).toThrow(
      /^environment: not an Azure ML environment reference \(got "python:3.11:slim"\)/,
    );
    expect(() => parseAssetRef("components", "azureml:bad name:1", WS, "job-file: jobs.a.component")).toThrow(
      /^job-file: jobs.a.component: "bad name" is not an asset name/,
    );
  });
});

describe("computeId", () => {
  it("accepts a name, azureml:<name> or an ARM id", () => {
    expect(computeId("cpu-cluster", WS)).toBe(`${WS}/computes/cpu-cluster`);
    expect(computeId("azureml:gpu1", WS)).toBe(`${WS}/computes/gpu1`);
    expect(computeId(`${WS}/computes/x1`, WS)).toBe(`${WS}/computes/x1`);
  });
  it("refuses what is not a compute name", () => {
    expect(() => computeId("1cluster", WS)).toThrow(/^compute-target: not a compute name \(got "1cluster"\)/);
    expect(() => computeId(`${WS}/environments/e/versions/1`, WS)).toThrow(
      /^compute-target: an ARM id that is not a compute/,
    );
  });
});
