import { describe, expect, it } from "vitest";
import { deploymentNameFor, modelAssetId, ONLINE_NAME } from "./online-endpoints";
import { workspacePath } from "./workspace";

const ws = { subscriptionId: "00000000-1111-2222-3333-444444444444", resourceGroup: "rg", workspace: "ws1" };

describe("online endpoints: model and deployment names", () => {
  it("turns the model forms users write into the deployment's model field", () => {
    const reg = "azureml://registries/prod-models/models/failure-predictor/versions/7";
    expect(modelAssetId(reg, ws)).toEqual({ id: reg, name: "failure-predictor", version: "7" });
    expect(modelAssetId("azureml:fp:3", ws)).toEqual({
      id: `${workspacePath(ws)}/models/fp/versions/3`,
      name: "fp",
      version: "3",
    });
    const arm = `${workspacePath(ws)}/models/fp/versions/4`;
    expect(modelAssetId(arm, ws).id).toBe(arm);
    expect(() => modelAssetId("fp@champion", ws)).toThrow(
      /model: not an Azure ML model reference \(got "fp@champion"\)\. Use azureml:\/\/registries/,
    );
  });

  it("derives valid deployment names from any model name and version", () => {
    expect(deploymentNameFor("failure-predictor", "7")).toBe("failure-predictor-v7");
    expect(deploymentNameFor("My_Model.onnx", "12")).toBe("my-model-onnx-v12");
    expect(deploymentNameFor("9lives", "1")).toBe("lives-v1");
    const long = deploymentNameFor("a-really-long-model-name-for-predictive-maintenance", "2024.11.23");
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long.endsWith("-v2024-11-23")).toBe(true);
    for (const n of [long, deploymentNameFor("__", "1"), deploymentNameFor("x", "1")]) expect(n).toMatch(ONLINE_NAME);
  });
});
