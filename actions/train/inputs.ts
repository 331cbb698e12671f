import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z
  .object({
    command: input.string(),
    "working-directory": defaulted(input.string()),
    params: input.structured(z.record(z.string(), z.unknown()), "a map of parameter names to values"),
    data: input.list(),
    dataset: input.string(),
    "output-dir": input.string(),
    "model-path": input.string(),
    "metrics-path": input.string(),
    "model-name": defaulted(input.string()),
    registry: defaulted(input.string()),
    register: defaulted(input.boolean()),
    alias: input.string(),
    tags: input.structured(z.record(z.string(), z.coerce.string()), "a map of tag names to strings"),
    seed: input.integer(),
    "upload-artifact": defaulted(input.boolean()),
    "timeout-minutes": defaulted(input.number({ min: 0.01 })),
    compute: defaulted(input.enumeration(["local", "azureml"] as const)),
    "subscription-id": input.string(),
    "resource-group": input.string(),
    workspace: input.string(),
    "azure-endpoint": defaulted(input.url()),
    "compute-target": input.string(),
    environment: input.string(),
    code: input.string(),
    "job-file": input.string(),
    "experiment-name": input.string(),
    matrix: input.structured(z.record(z.string(), z.unknown()), "a map of parameter names to lists of values"),
    "sweep-metric": input.string(),
    "max-parallel": defaulted(input.integer({ min: 1, max: 100 })),
    "model-output": defaulted(input.string()),
    "workspace-model": input.string(),
  })
  .superRefine((i, ctx) => {
    const azureml = i.compute === "azureml";
    if (!i.command && !(azureml && i["job-file"]))
      ctx.addIssue({
        code: "custom",
        path: ["command"],
        message: azureml
          ? "is required: the command that runs your trainer on Azure ML, or set job-file: to an az ml job YAML"
          : "is required: the command that runs your trainer, e.g. python train.py",
      });
    if (azureml && i.dataset)
      ctx.addIssue({
        code: "custom",
        path: ["dataset"],
        message:
          "works with compute: local only (an Azure ML job reads its data from a datastore); leave it empty or train here",
      });
    if (!azureml && i["workspace-model"])
      ctx.addIssue({
        code: "custom",
        path: ["workspace-model"],
        message:
          "registers the model of an Azure ML job in its workspace, so it needs compute: azureml; set compute: azureml or leave workspace-model empty",
      });
    if (azureml)
      for (const name of ["subscription-id", "resource-group", "workspace"] as const)
        if (!i[name])
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `is required with compute: azureml: the Azure ML workspace's ${name.replace("-", " ")}`,
          });
  });

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = [
  "model-path",
  "model-version",
  "model-uri",
  "metrics",
  "data-hash",
  "dataset-uri",
  "azureml-job",
  "studio-url",
  "workspace-model-id",
] as const;
