import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inlineEnvironmentBody } from "./anonymous-assets";
import {
  type CommandJobYaml,
  type InlineEnvironmentYaml,
  inlineComponentSpec,
  jobYamlToRest,
  type PipelineJobYaml,
  parseJobYaml,
  restInput,
} from "./job-yaml";

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
    expect(y).toMatchObject({
      type: "command",
      code: "./src",
      environment: "azureml:sklearn-env:3",
      compute: "azureml:cpu-cluster",
      timeoutSeconds: 3600,
    });
  });
  it("writes the documented properties", () => {
    expect(
      jobYamlToRest(y, {
        computeId: `${WS}/computes/cpu-cluster`,
        environmentId: `${WS}/environments/sklearn-env/versions/3`,
        codeId: `${WS}/codes/c/versions/1`,
      }),
    ).toEqual({
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
        data: {
          jobInputType: "uri_folder",
          uri: "azureml://datastores/workspaceblobstore/paths/data/ai4i/",
          mode: "ReadOnlyMount",
        },
      },
      outputs: { model: { jobOutputType: "uri_folder", mode: "ReadWriteMount" } },
      environmentVariables: { OMP_NUM_THREADS: "2" },
      resources: { instanceCount: 1 },
      limits: { jobLimitsType: "Command", timeout: "PT3600S" },
    });
  });
  it("reads inline environments (image, conda_file) and refuses build:, unknown keys and a missing image", () => {
    expect(
      parseJobYaml(
        "command: x\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\n  conda_file: ./conda.yml",
      ),
    ).toMatchObject({
      environment: { image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", condaFile: "./conda.yml" },
    });
    expect((parseJobYaml("command: x\nenvironment: { image: python:3.11 }") as CommandJobYaml).environment).toEqual({
      image: "python:3.11",
    });
    expect(
      (
        parseJobYaml(
          "command: x\nenvironment:\n  image: i\n  conda_file: { dependencies: [python=3.11] }",
        ) as CommandJobYaml
      ).environment,
    ).toEqual({
      image: "i",
      condaFile: { dependencies: ["python=3.11"] },
    });
    expect(() => parseJobYaml("command: x\nenvironment:\n  build:\n    path: ./docker")).toThrow(
      /^job-file: environment\.build is not supported \(got \{"path":"\.\/docker"\}\)\. Build and push the image yourself/,
    );
    expect(() => parseJobYaml("command: x\nenvironment:\n  conda_file: ./conda.yml")).toThrow(
      /^job-file: environment\.image: missing in an inline environment \(got \["conda_file"\]\)/,
    );
    expect(() => parseJobYaml("command: x\nenvironment:\n  image: i\n  name: my-env")).toThrow(
      /^job-file: environment\.name is not supported in an inline environment \(got "my-env"\)/,
    );
    expect(() => parseJobYaml("command: x\nenvironment:\n  image: i\n  conda_file: [a]")).toThrow(
      /^job-file: environment\.conda_file must be a path or a map/,
    );
  });
  it("refuses unknown modes and types with the field named", () => {
    expect(() =>
      jobYamlToRest(parseJobYaml("command: x\ninputs:\n  d: { type: uri_folder, path: p, mode: fast }"), {}),
    ).toThrow(/^job-file: inputs.d.mode "fast" is not an input mode/);
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
    expect(rest.inputs).toEqual({
      data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/data/" },
    });
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
  it("refuses what an inline step cannot be, with what to do instead", () => {
    expect(() => parseJobYaml("type: pipeline\njobs:\n  a:\n    type: command\n    inputs: { x: 1 }")).toThrow(
      /^job-file: jobs\.a has neither component: nor command: \(got \["type","inputs"\]\)\. Add command:/,
    );
    expect(() => parseJobYaml("type: pipeline\njobs:\n  a:\n    type: sweep\n    trial: x")).toThrow(
      /^job-file: jobs\.a is an inline sweep step \(got type: "sweep"\)\. Only inline command steps/,
    );
    expect(() =>
      parseJobYaml("type: pipeline\njobs:\n  a:\n    command: x\n    resources: { instance_count: 2 }"),
    ).toThrow(
      /^job-file: jobs\.a\.resources is not supported in an inline step \(got \{"instance_count":2\}\)\. Remove it, or register the step/,
    );
    expect(() => parseJobYaml("type: pipeline\njobs:\n  a:\n    component: azureml:c:1\n    command: x")).toThrow(
      /^job-file: jobs\.a has both component: and command:/,
    );
    expect(() => parseJobYaml("type: pipeline\njobs:\n  a:\n    component: { type: command, command: x }")).toThrow(
      /^job-file: jobs\.a\.component must be a reference/,
    );
    expect(() =>
      parseJobYaml("type: pipeline\njobs:\n  a:\n    command: x\n    environment: { build: { path: d } }"),
    ).toThrow(/^job-file: jobs\.a\.environment\.build is not supported/);
  });
});

describe("inline pipeline steps → anonymous command component specs (CLI v2 command component schema)", () => {
  const y = parseJobYaml(`
type: pipeline
inputs:
  raw: { type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/raw/ }
  kind: gbt
  rounds: 40
outputs:
  model: { type: custom_model }
jobs:
  prep:
    type: command
    command: python prep.py --in \${{inputs.raw}} --out \${{outputs.clean}}
    code: ./prep
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
      conda_file: ./conda.yml
    inputs:
      raw: \${{parent.inputs.raw}}
    outputs:
      clean:
  train:
    command: python train.py --data \${{inputs.data}} --kind \${{inputs.kind}} --rounds \${{inputs.rounds}} --lr \${{inputs.lr}} --fast \${{inputs.fast}} --out \${{outputs.model}}
    environment: azureml:sklearn-env:3
    display_name: Train it
    environment_variables: { OMP_NUM_THREADS: 2 }
    inputs:
      data: \${{parent.jobs.prep.outputs.clean}}
      kind: \${{parent.inputs.kind}}
      rounds: \${{parent.inputs.rounds}}
      lr: 0.05
      fast: true
    outputs:
      model: \${{parent.outputs.model}}
`) as PipelineJobYaml;
  it("reads inline steps", () => {
    expect(y.jobs[0]).toMatchObject({
      name: "prep",
      type: "command",
      inline: {
        code: "./prep",
        environment: { image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", condaFile: "./conda.yml" },
      },
    });
    expect(y.jobs[1]).toMatchObject({
      name: "train",
      type: "command",
      inline: {
        environment: "azureml:sklearn-env:3",
        displayName: "Train it",
        environmentVariables: { OMP_NUM_THREADS: "2" },
      },
    });
    expect(y.jobs[1]?.component).toBeUndefined();
  });
  it("infers the interface from literals and bindings; code and environment as azureml:<ARM id>", () => {
    expect(
      inlineComponentSpec(y, y.jobs[0]!, {
        codeId: `${WS}/codes/c/versions/1`,
        environmentId: `${WS}/environments/CliV2AnonymousEnvironment/versions/abc`,
      }),
    ).toEqual({
      $schema: "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json",
      type: "command",
      display_name: "prep",
      command: "python prep.py --in ${{inputs.raw}} --out ${{outputs.clean}}",
      code: `azureml:${WS}/codes/c/versions/1`,
      environment: `azureml:${WS}/environments/CliV2AnonymousEnvironment/versions/abc`,
      inputs: { raw: { type: "uri_folder" } },
      outputs: { clean: { type: "uri_folder" } },
    });
    const train = inlineComponentSpec(y, y.jobs[1]!, {
      environmentId: "azureml://registries/azureml/environments/sklearn-1.5/versions/2",
    });
    expect(train).toMatchObject({
      display_name: "Train it",
      environment: "azureml://registries/azureml/environments/sklearn-1.5/versions/2",
      inputs: {
        data: { type: "uri_folder" },
        kind: { type: "string" },
        rounds: { type: "integer" },
        lr: { type: "number" },
        fast: { type: "boolean" },
      },
      outputs: { model: { type: "custom_model" } },
    });
    expect(train.code).toBeUndefined();
  });
  it("writes inline steps as nodes like registered ones: bindings stay, literals become values", () => {
    const rest = jobYamlToRest(y, {
      componentIds: {
        prep: `${WS}/components/azureml_anonymous/versions/p`,
        train: `${WS}/components/azureml_anonymous/versions/t`,
      },
    });
    expect(rest.jobs?.train).toEqual({
      name: "train",
      type: "command",
      componentId: `${WS}/components/azureml_anonymous/versions/t`,
      inputs: {
        data: { job_input_type: "literal", value: "${{parent.jobs.prep.outputs.clean}}" },
        kind: { job_input_type: "literal", value: "${{parent.inputs.kind}}" },
        rounds: { job_input_type: "literal", value: "${{parent.inputs.rounds}}" },
        lr: { job_input_type: "literal", value: "0.05" },
        fast: { job_input_type: "literal", value: "true" },
      },
      outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } },
      environment_variables: { OMP_NUM_THREADS: "2" },
    });
  });
  it("refuses commands that use undeclared inputs or outputs and bindings to nothing", () => {
    const bad = (step: string) => {
      const p = parseJobYaml(`type: pipeline\ninputs: { a: 1 }\njobs:\n  s:\n${step}`) as PipelineJobYaml;
      return () => inlineComponentSpec(p, p.jobs[0]!, { environmentId: "e" });
    };
    expect(bad('    command: run ${{inputs.b}}\n    inputs: { a: "${{parent.inputs.a}}" }')).toThrow(
      /^job-file: jobs\.s\.command uses \$\{\{inputs\.b\}\} but the step has no input "b" \(got inputs \["a"\]\)\. Add b under jobs\.s\.inputs:/,
    );
    expect(bad("    command: run ${{outputs.m}}")).toThrow(
      /^job-file: jobs\.s\.command uses \$\{\{outputs\.m\}\} but the step has no output "m"/,
    );
    expect(bad('    command: run\n    inputs: { x: "${{parent.inputs.nope}}" }')).toThrow(
      /^job-file: jobs\.s\.inputs\.x binds to an input the pipeline does not have/,
    );
    expect(bad('    command: run\n    inputs: { x: "${{parent.jobs.nope.outputs.o}}" }')).toThrow(
      /^job-file: jobs\.s\.inputs\.x binds to a step the pipeline does not have/,
    );
  });
});

describe("the examples in examples/azureml", () => {
  const read = (f: string) => readFileSync(join(import.meta.dirname, "../../examples/azureml", f), "utf8");
  it("parse and convert", () => {
    const cmd = parseJobYaml(read("command-job.yml"));
    expect(cmd).toMatchObject({
      type: "command",
      code: "../predictive-maintenance",
      compute: "azureml:cpu-cluster",
      timeoutSeconds: 3600,
    });
    expect(jobYamlToRest(cmd, {}).command).toBe(
      "pip install -q -r python/requirements.txt && python python/train.py --data data/ai4i2020.csv",
    );
    const pipe = parseJobYaml(read("pipeline-job.yml"));
    expect(pipe.type).toBe("pipeline");
    const rest = jobYamlToRest(pipe, { componentIds: { train: `${WS}/components/pm_train/versions/1` } });
    expect(rest.jobs?.train).toMatchObject({
      componentId: `${WS}/components/pm_train/versions/1`,
      outputs: { model: { type: "literal", value: "${{parent.outputs.model}}" } },
    });
  });
  it("the inline pipeline's step becomes a component spec; its conda file is read", async () => {
    const pipe = parseJobYaml(read("pipeline-inline-job.yml")) as PipelineJobYaml;
    const step = pipe.jobs[0]!;
    expect(step.inline?.environment).toEqual({
      image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
      condaFile: "conda.yml",
    });
    expect(
      inlineComponentSpec(pipe, step, {
        codeId: `${WS}/codes/c/versions/1`,
        environmentId: `${WS}/environments/e/versions/1`,
      }),
    ).toMatchObject({
      command:
        'MLOPS_PARAMS=\'{"model": "${{inputs.model_kind}}"}\' python python/train.py --data data/ai4i2020.csv --out ${{outputs.model}}',
      inputs: { model_kind: { type: "string" } },
      outputs: { model: { type: "uri_folder" } },
    });
    const env = await inlineEnvironmentBody(
      step.inline?.environment as InlineEnvironmentYaml,
      join(import.meta.dirname, "../../examples/azureml"),
      "jobs.train.environment",
    );
    expect(env.condaFile).toContain("scikit-learn>=1.5");
  });
});

describe("literal job inputs", () => {
  it('refuses "" and "-" as Azure ML does (LiteralJobInput.value: minLength 1, pattern [a-zA-Z0-9_])', () => {
    expect(restInput("ok_1", "inputs.a")).toEqual({ jobInputType: "literal", value: "ok_1" });
    expect(() => restInput("", "inputs.a")).toThrow(
      /inputs\.a: Azure ML refuses a literal job input without a letter, digit or underscore \(got ""\)/,
    );
    expect(() => restInput({ value: "-" }, "inputs.b")).toThrow(/inputs\.b: .* \(got "-"\)/);
    expect(() => restInput({ type: "string", value: " " }, "inputs.c")).toThrow(/inputs\.c/);
  });
});
