import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobYamlToRest, parseJobYaml } from "./job-yaml";

const WS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";

describe("command job YAML → REST (examples/Job/CommandJob/createOrUpdate.json)", () => {
  const y = parseJobYaml(`
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
command: python train.py --lr \${{inputs.lr}} --data \${{inputs.data}} --out \${{outputs.model}}
code: ./src
environment: azureml:sklearn-env:3
compute: azureml:cpu-cluster
display_name: nightly
experiment_name: pm
description: train it
tags: { team: plant }
inputs:
  lr: 0.1
  data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/data/ai4i/
    mode: ro_mount
outputs:
  model:
    type: uri_folder
    mode: rw_mount
environment_variables:
  OMP_NUM_THREADS: 2
resources:
  instance_count: 1
limits:
  timeout: 3600
`);
  it("reads the CLI schema", () => {
    expect(y).toMatchObject({ type: "command", code: "./src", environment: "azureml:sklearn-env:3", compute: "azureml:cpu-cluster", timeoutSeconds: 3600 });
  });
  it("writes the documented properties", () => {
    expect(jobYamlToRest(y, { computeId: `${WS}/computes/cpu-cluster`, environmentId: `${WS}/environments/sklearn-env/versions/3`, codeId: `${WS}/codes/c/versions/1` })).toEqual({
      jobType: "Command",
      displayName: "nightly",
      experimentName: "pm",
      description: "train it",
      tags: { team: "plant" },
      computeId: `${WS}/computes/cpu-cluster`,
      environmentId: `${WS}/environments/sklearn-env/versions/3`,
      codeId: `${WS}/codes/c/versions/1`,
      command: "python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
      inputs: {
        lr: { jobInputType: "literal", value: "0.1" },
        data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/data/ai4i/", mode: "ReadOnlyMount" },
      },
      outputs: { model: { jobOutputType: "uri_folder", mode: "ReadWriteMount" } },
      environmentVariables: { OMP_NUM_THREADS: "2" },
      resources: { instanceCount: 1 },
      limits: { jobLimitsType: "Command", timeout: "PT3600S" },
    });
  });
  it("refuses inline environments, unknown modes and types with the field named", () => {
    expect(() => parseJobYaml("type: command\ncommand: x\nenvironment:\n  image: python:3.11")).toThrow(/^job-file: environment is an inline definition/);
    expect(() => jobYamlToRest(parseJobYaml("command: x\ninputs:\n  d: { type: uri_folder, path: p, mode: fast }"), {})).toThrow(/^job-file: inputs.d.mode "fast" is not an input mode/);
    expect(() => parseJobYaml("type: sweep")).toThrow(/^job-file: type "sweep" is not supported/);
    expect(() => parseJobYaml("type: command")).toThrow(/^job-file: a command job needs command:/);
  });
});

describe("pipeline job YAML → REST (examples/Job/PipelineJob/createOrUpdate.json)", () => {
  const y = parseJobYaml(`
type: pipeline
settings:
  default_compute: azureml:cpu-cluster
  continue_on_step_failure: true
inputs:
  data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/data/
outputs:
  model:
    type: uri_folder
jobs:
  prep:
    type: command
    component: azureml:prep:2
    inputs:
      raw: \${{parent.inputs.data}}
    outputs:
      clean:
  train:
    type: command
    component: azureml:train@latest
    compute: azureml:gpu-cluster
    inputs:
      data: \${{parent.jobs.prep.outputs.clean}}
      epochs: 5
    outputs:
      model: \${{parent.outputs.model}}
`);
  it("keeps bindings and references components by id", () => {
    const rest = jobYamlToRest(y, {
      computeId: `${WS}/computes/cpu-cluster`,
      componentIds: { prep: `${WS}/components/prep/versions/2`, train: `${WS}/components/train/versions/7` },
      stepComputeIds: { train: `${WS}/computes/gpu-cluster` },
    });
    expect(rest.jobType).toBe("Pipeline");
    expect(rest.settings).toEqual({ continue_on_step_failure: true, default_compute: `${WS}/computes/cpu-cluster` });
    expect(rest.inputs).toEqual({ data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/data/" } });
    expect(rest.jobs).toEqual({
      prep: {
        name: "prep",
        type: "command",
        componentId: `${WS}/components/prep/versions/2`,
        inputs: { raw: { job_input_type: "literal", value: "${{parent.inputs.data}}" } },
        outputs: { clean: { job_output_type: "uri_folder" } },
      },
      train: {
        name: "train",
        type: "command",
        componentId: `${WS}/components/train/versions/7`,
        computeId: `${WS}/computes/gpu-cluster`,
        inputs: {
          data: { job_input_type: "literal", value: "${{parent.jobs.prep.outputs.clean}}" },
          epochs: { job_input_type: "literal", value: "5" },
        },
        outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } },
      },
    });
  });
  it("refuses inline command steps with what to do instead", () => {
    expect(() => parseJobYaml("type: pipeline\njobs:\n  a:\n    type: command\n    command: python x.py")).toThrow(
      /^job-file: jobs.a is an inline command step \(got no component:\)\. Only steps that reference a registered component are supported: register it with az ml component create/,
    );
  });
});

describe("the examples in examples/azureml", () => {
  const read = (f: string) => readFileSync(join(import.meta.dirname, "../../examples/azureml", f), "utf8");
  it("parse and convert", () => {
    const cmd = parseJobYaml(read("command-job.yml"));
    expect(cmd).toMatchObject({ type: "command", code: "../predictive-maintenance", compute: "azureml:cpu-cluster", timeoutSeconds: 3600 });
    expect(jobYamlToRest(cmd, {}).command).toBe("pip install -q -r python/requirements.txt && python python/train.py --data data/ai4i2020.csv");
    const pipe = parseJobYaml(read("pipeline-job.yml"));
    expect(pipe.type).toBe("pipeline");
    const rest = jobYamlToRest(pipe, { componentIds: { train: `${WS}/components/pm_train/versions/1` } });
    expect(rest.jobs?.train).toMatchObject({ componentId: `${WS}/components/pm_train/versions/1`, outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } } });
  });
});
