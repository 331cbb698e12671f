import { describe, expect, it } from "vitest";
import {
  azuremlModelId,
  containerOf,
  isAzureMLRegistryUri,
  modelVersionPath,
  parseAzureMLModelTarget,
  registryModelRef,
} from "./registry-models";
import { userErrorOf as message } from "../../test/helpers/user-error";

const SUB = "00000000-1111-2222-3333-444444444444";

describe("azureml://registries/<r>/models/<name>", () => {
  it("recognises the scheme and parses registry and model", () => {
    expect(isAzureMLRegistryUri("azureml://registries/prod-models/models/fp")).toBe(true);
    expect(isAzureMLRegistryUri(".mlops/prod")).toBe(false);
    expect(isAzureMLRegistryUri("azureml://datastores/x/paths/y")).toBe(false);
    expect(parseAzureMLModelTarget("azureml://registries/prod-models/models/failure_predictor-2")).toEqual({
      registry: "prod-models",
      model: "failure_predictor-2",
    });
    expect(parseAzureMLModelTarget(" azureml://registries/reg/models/fp/ ")).toEqual({ registry: "reg", model: "fp" });
  });

  it("refuses versions, queries, other paths and names Azure ML would refuse (registries.json, mfe.json patterns)", () => {
    expect(message(() => parseAzureMLModelTarget("azureml://registries/reg/models/fp/versions/3"))).toMatch(
      /^to-registry: not an Azure ML registry model URI \(got "azureml:\/\/registries\/reg\/models\/fp\/versions\/3"\)\. Write azureml:\/\/registries\/<registry>\/models\/<model-name>/,
    );
    expect(message(() => parseAzureMLModelTarget("azureml://registries/reg/models/fp?x=1"))).toMatch(
      /not an Azure ML registry model URI/,
    );
    expect(message(() => parseAzureMLModelTarget("azureml://registries/ab/models/fp"))).toMatch(
      /^to-registry: not an Azure ML registry name \(got "ab"\)\. Use 3-33 letters/,
    );
    expect(message(() => parseAzureMLModelTarget(`azureml://registries/${"r".repeat(34)}/models/fp`))).toMatch(
      /registry name/,
    );
    expect(message(() => parseAzureMLModelTarget("azureml://registries/reg/models/fp.v2"))).toMatch(
      /^to-registry: not an Azure ML model name \(got "fp\.v2"\)/,
    );
    expect(message(() => parseAzureMLModelTarget("azureml://registries/reg/models/-fp"))).toMatch(/model name/);
  });

  it("validates the registry's subscription and resource group, naming the inputs", () => {
    const t = { registry: "reg", model: "fp" };
    expect(registryModelRef(t, { subscriptionId: SUB, resourceGroup: "rg-1" })).toEqual({
      ...t,
      subscriptionId: SUB,
      resourceGroup: "rg-1",
    });
    expect(message(() => registryModelRef(t, { resourceGroup: "rg" }))).toMatch(
      /^subscription-id: not an Azure subscription id \(got ""\)\. Set it to the Azure ML registry's subscription/,
    );
    expect(message(() => registryModelRef(t, { subscriptionId: SUB, resourceGroup: "bad/rg" }))).toMatch(
      /^resource-group: not a resource group name \(got "bad\/rg"\)/,
    );
  });

  it("builds the Resource Manager paths and the model id deploy-online takes", () => {
    const ref = registryModelRef({ registry: "reg", model: "fp" }, { subscriptionId: SUB, resourceGroup: "rg" });
    expect(modelVersionPath(ref, 3)).toBe(
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/registries/reg/models/fp/versions/3`,
    );
    expect(azuremlModelId(ref, 3)).toBe("azureml://registries/reg/models/fp/versions/3");
  });
});

describe("containerOf (upload location from startPendingUpload)", () => {
  it("splits an Azure URL into container and prefix, keeping the SAS on the container client only", () => {
    const { container, prefix } = containerOf(
      "https://acct.blob.core.windows.net/c0ffee/LocalUpload/abc?sv=2024&sig=SECRET",
    );
    expect(container.containerName).toBe("c0ffee");
    expect(container.url).toBe("https://acct.blob.core.windows.net/c0ffee?sv=2024&sig=SECRET");
    expect(prefix).toBe("LocalUpload/abc");
  });

  it("reads path-style URLs of an emulator on this machine (account first)", () => {
    const { container, prefix } = containerOf("http://127.0.0.1:10000/devstoreaccount1/uploads/p1?sig=x");
    expect(container.containerName).toBe("uploads");
    expect(prefix).toBe("p1");
  });

  it("refuses a location without a container", () => {
    expect(message(() => containerOf("https://acct.blob.core.windows.net/?sig=SECRET"))).not.toMatch(/SECRET/);
  });
});
