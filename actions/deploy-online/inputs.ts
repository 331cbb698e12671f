import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z.object({
  "subscription-id": input.requiredString("the Azure subscription id of the workspace"),
  "resource-group": input.requiredString("the workspace's resource group"),
  workspace: input.requiredString("the Azure ML workspace name"),
  "azure-endpoint": defaulted(input.url()),
  endpoint: input.requiredString("the online endpoint name"),
  model: input.requiredString(
    "a model such as azureml://registries/<registry>/models/<name>/versions/<version>, or with image <name>@<version>",
  ),
  deployment: input.string(),
  "instance-type": defaulted(input.string()),
  "instance-count": defaulted(input.integer({ min: 1, max: 100 })),
  image: input.string(),
  environment: input.string(),
  "code-path": input.string(),
  "scoring-script": input.string(),
  strategy: defaulted(input.enumeration(["blue-green", "ab"] as const)),
  traffic: defaulted(input.list()),
  "challenger-traffic": input.integer({ min: 1, max: 99 }),
  "sample-request": input.string(),
  "smoke-requests": defaulted(input.integer({ min: 1, max: 1000 })),
  "max-error-rate": defaulted(input.number({ min: 0, max: 1 })),
  "step-wait-seconds": defaulted(input.integer({ min: 0, max: 3600 })),
  "retire-previous": defaulted(input.boolean()),
  "timeout-minutes": input.number({ min: 0, exclusive: true }),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["deployment", "scoring-uri", "traffic", "previous-traffic", "rolled-back"] as const;
