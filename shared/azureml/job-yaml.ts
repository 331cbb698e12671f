/**
 * `az ml job create` YAML (command and pipeline jobs, the CLI v2 schema) read into a plain form, and
 * that form turned into the REST JobBase properties (examples/Job/CommandJob/createOrUpdate.json,
 * examples/Job/PipelineJob/createOrUpdate.json).
 *
 * Supported: `type: command` with command, code, environment (a reference, or an inline
 * `{ image, conda_file }` definition that the caller registers as an anonymous environment), compute,
 * inputs (literals and uri_file/uri_folder/mltable/custom_model paths), outputs, environment_variables,
 * experiment_name, display_name, description, tags, resources, limits.timeout;
 * `type: pipeline` with inputs, outputs, settings (default_compute and the rest passed through) and
 * `jobs:` steps that either reference registered components (`component: azureml:<name>:<version>` or
 * `azureml:<name>@latest`) or are inline command steps (`command:`, `code:`, `environment:` on the
 * step), with `${{parent.inputs.x}}` / `${{parent.outputs.x}}` / `${{parent.jobs.<step>.outputs.<o>}}`
 * bindings kept as they are (REST uses the same syntax).
 *
 * An inline step becomes a command component spec (`inlineComponentSpec`, the CLI v2 command component
 * YAML schema: https://learn.microsoft.com/azure/machine-learning/reference-yaml-component-command) that
 * the caller registers as an anonymous component (anonymous-assets.ts), as the Azure ML CLI and SDK do;
 * its interface is inferred from the step: literal inputs typed string/integer/number/boolean, bound
 * inputs typed like what they are bound to, outputs uri_folder unless typed.
 *
 * Pipeline `jobs` are free-form objects in the spec; each step is written the way the Azure ML SDK
 * serialises a component node: `{ type, componentId, computeId?, inputs: { x: { job_input_type, value } },
 * outputs: { o: { type: "literal", value } }, environment_variables? }`.
 */
import { parse as parseYaml } from "yaml";
import { shown, UserError } from "../errors";
import type { JobInput, JobOutput, JobProperties } from "./jobs";

export type YamlInput =
  string | number | boolean | { type?: string; path?: string; mode?: string; value?: unknown; description?: string };
export type YamlOutput = { type?: string; path?: string; mode?: string; description?: string } | string | null;

interface CommonYaml {
  displayName?: string;
  experimentName?: string;
  description?: string;
  tags?: Record<string, string>;
  compute?: string;
  inputs: Record<string, YamlInput>;
  outputs: Record<string, YamlOutput>;
}

/** An inline environment (the CLI v2 environment YAML schema without name and version). */
export interface InlineEnvironmentYaml {
  image: string;
  /** `conda_file:` as written: a path relative to the job file, or the conda YAML as a map. */
  condaFile?: string | Record<string, unknown>;
  description?: string;
}

/** `environment:` of a command job or step: a reference (`azureml:...`, registry or ARM id) or inline. */
export type EnvironmentYaml = string | InlineEnvironmentYaml;

export interface CommandJobYaml extends CommonYaml {
  type: "command";
  command: string;
  code?: string;
  environment?: EnvironmentYaml;
  environmentVariables: Record<string, string>;
  resources?: { instanceCount?: number; instanceType?: string };
  timeoutSeconds?: number;
}

/** What an inline command step of a pipeline defines itself (instead of `component:`). */
export interface InlineStepYaml {
  command: string;
  code?: string;
  environment?: EnvironmentYaml;
  displayName?: string;
  description?: string;
  environmentVariables: Record<string, string>;
}

export interface PipelineStepYaml {
  name: string;
  type: string;
  /** A registered component reference; absent for an inline step. */
  component?: string;
  inline?: InlineStepYaml;
  compute?: string;
  inputs: Record<string, YamlInput>;
  outputs: Record<string, YamlOutput>;
}

export interface PipelineJobYaml extends CommonYaml {
  type: "pipeline";
  settings: Record<string, unknown>;
  jobs: PipelineStepYaml[];
}

export type JobYaml = CommandJobYaml | PipelineJobYaml;

const INPUT_MODES: Record<string, string> = {
  ro_mount: "ReadOnlyMount",
  rw_mount: "ReadWriteMount",
  download: "Download",
  direct: "Direct",
  eval_mount: "EvalMount",
  eval_download: "EvalDownload",
};
const OUTPUT_MODES: Record<string, string> = { rw_mount: "ReadWriteMount", upload: "Upload", direct: "Direct" };
const DATA_TYPES = new Set(["uri_file", "uri_folder", "mltable", "custom_model", "mlflow_model", "triton_model"]);

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw new UserError(`job-file: ${where} must be a string (got ${shown(v)}). Write it as in az ml job create YAML.`);
}

function strMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new UserError(`job-file: ${where} must be a map (got ${shown(v)}). Write "name: value" lines.`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

function map<T>(v: unknown, where: string): Record<string, T> {
  if (v === undefined || v === null) return {};
  if (!isMap(v))
    throw new UserError(`job-file: ${where} must be a map (got ${shown(v)}). Write it as in az ml job create YAML.`);
  return v as Record<string, T>;
}

/** Keys an inline command step may have (the rest is refused rather than dropped). */
const INLINE_STEP_KEYS = new Set([
  "type",
  "command",
  "code",
  "environment",
  "inputs",
  "outputs",
  "compute",
  "display_name",
  "description",
  "environment_variables",
]);
const INLINE_ENVIRONMENT_KEYS = new Set(["image", "conda_file", "description"]);

/** `environment:`: a reference string, or an inline `{ image, conda_file? }` (build: is refused). */
function environmentYaml(v: unknown, where: string): EnvironmentYaml | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) return str(v, where);
  if (v.build !== undefined)
    throw new UserError(
      `job-file: ${where}.build is not supported (got ${shown(v.build, 60)}). Build and push the image yourself and write ${where}: { image: <registry>/<image>:<tag> }, or register the environment (az ml environment create) and write azureml:<name>:<version>.`,
    );
  for (const key of Object.keys(v))
    if (!INLINE_ENVIRONMENT_KEYS.has(key))
      throw new UserError(
        `job-file: ${where}.${key} is not supported in an inline environment (got ${shown(v[key], 60)}). Use image:, conda_file: and description: only, or register the environment (az ml environment create) and write azureml:<name>:<version>.`,
      );
  const image = str(v.image, `${where}.image`);
  if (!image?.trim())
    throw new UserError(
      `job-file: ${where}.image: missing in an inline environment (got ${shown(Object.keys(v))}). Give the base image, e.g. image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04; conda_file: is built on top of it.`,
    );
  const conda = v.conda_file;
  if (conda !== undefined && conda !== null && typeof conda !== "string" && !isMap(conda))
    throw new UserError(
      `job-file: ${where}.conda_file must be a path or a map (got ${shown(conda)}). Write conda_file: ./conda.yml, relative to the job file.`,
    );
  return {
    image: image.trim(),
    ...(typeof conda === "string" || isMap(conda) ? { condaFile: conda } : {}),
    ...(v.description !== undefined ? { description: str(v.description, `${where}.description`) } : {}),
  };
}

/** Read the YAML text of `az ml job create -f`. */
export function parseJobYaml(text: string): JobYaml {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UserError(
      `job-file: not YAML (got ${(e as Error).message.split("\n")[0]}). Fix the file; it is the same YAML as az ml job create -f takes.`,
    );
  }
  if (!isMap(doc))
    throw new UserError(`job-file: not a YAML map (got ${shown(doc)}). Start it with type: command or type: pipeline.`);
  const type = String(doc.type ?? "command");
  const common: CommonYaml = {
    displayName: str(doc.display_name, "display_name"),
    experimentName: str(doc.experiment_name, "experiment_name"),
    description: str(doc.description, "description"),
    tags: doc.tags === undefined ? undefined : strMap(doc.tags, "tags"),
    compute: str(doc.compute, "compute"),
    inputs: map<YamlInput>(doc.inputs, "inputs"),
    outputs: map<YamlOutput>(doc.outputs, "outputs"),
  };
  if (type === "command") {
    const command = str(doc.command, "command");
    if (!command?.trim())
      throw new UserError(
        `job-file: a command job needs command: (got ${shown(doc.command)}). Add the line that trains, e.g. python train.py.`,
      );
    const res = map<unknown>(doc.resources, "resources");
    const limits = map<unknown>(doc.limits, "limits");
    return {
      ...common,
      type: "command",
      command,
      code: str(doc.code, "code"),
      environment: environmentYaml(doc.environment, "environment"),
      environmentVariables: strMap(doc.environment_variables, "environment_variables"),
      resources:
        res.instance_count !== undefined || res.instance_type !== undefined
          ? {
              instanceCount: res.instance_count === undefined ? undefined : Number(res.instance_count),
              instanceType: str(res.instance_type, "resources.instance_type"),
            }
          : undefined,
      timeoutSeconds: limits.timeout === undefined ? undefined : Number(limits.timeout),
    };
  }
  if (type === "pipeline") {
    const jobs = map<unknown>(doc.jobs, "jobs");
    if (Object.keys(jobs).length === 0)
      throw new UserError(
        "job-file: a pipeline job needs jobs: (got none). Add at least one step: component: azureml:<name>:<version>, or an inline command: step.",
      );
    const steps: PipelineStepYaml[] = Object.entries(jobs).map(([name, raw]) => {
      if (!isMap(raw))
        throw new UserError(
          `job-file: jobs.${name} must be a map (got ${shown(raw)}). Write the step as in az ml job create YAML.`,
        );
      const where = `jobs.${name}`;
      const stepType = String(raw.type ?? "command");
      const base = {
        name,
        type: stepType,
        compute: str(raw.compute, `${where}.compute`),
        inputs: map<YamlInput>(raw.inputs, `${where}.inputs`),
        outputs: map<YamlOutput>(raw.outputs, `${where}.outputs`),
      };
      const component = raw.component;
      if (typeof component === "string") {
        if (raw.command !== undefined)
          throw new UserError(
            `job-file: ${where} has both component: and command: (got component ${shown(component)}). Keep one: component: references a registered component, command: defines the step inline.`,
          );
        return { ...base, component };
      }
      if (component !== undefined)
        throw new UserError(
          `job-file: ${where}.component must be a reference (got ${shown(component, 60)}). Write component: azureml:<name>:<version>, or define the step inline with command:, code: and environment: on the step.`,
        );
      if (stepType !== "command")
        throw new UserError(
          `job-file: ${where} is an inline ${stepType} step (got type: ${shown(stepType)}). Only inline command steps are supported: write type: command, or register the step with az ml component create and write component: azureml:<name>:<version>.`,
        );
      for (const key of Object.keys(raw))
        if (!INLINE_STEP_KEYS.has(key))
          throw new UserError(
            `job-file: ${where}.${key} is not supported in an inline step (got ${shown(raw[key], 60)}). Remove it, or register the step with az ml component create and reference it with component: azureml:<name>:<version>. Inline steps take ${[...INLINE_STEP_KEYS].join(", ")}.`,
          );
      const command = str(raw.command, `${where}.command`);
      if (!command?.trim())
        throw new UserError(
          `job-file: ${where} has neither component: nor command: (got ${shown(Object.keys(raw))}). Add command: with the line the step runs, or component: azureml:<name>:<version>.`,
        );
      return {
        ...base,
        inline: {
          command,
          code: str(raw.code, `${where}.code`),
          environment: environmentYaml(raw.environment, `${where}.environment`),
          displayName: str(raw.display_name, `${where}.display_name`),
          description: str(raw.description, `${where}.description`),
          environmentVariables: strMap(raw.environment_variables, `${where}.environment_variables`),
        },
      };
    });
    return { ...common, type: "pipeline", settings: map<unknown>(doc.settings, "settings"), jobs: steps };
  }
  throw new UserError(
    `job-file: type ${shown(type)} is not supported (got ${shown(type)}). Use type: command or type: pipeline.`,
  );
}

/**
 * A literal job input's value. LiteralJobInput.value is `minLength: 1, pattern: [a-zA-Z0-9_]` (mfe.json
 * 2024-10-01): Azure ML refuses an empty value or one without a letter, digit or underscore ("", "-", " ").
 */
function literal(value: string, where: string, description?: string): JobInput {
  if (!/[a-zA-Z0-9_]/.test(value))
    throw new UserError(
      `${where}: Azure ML refuses a literal job input without a letter, digit or underscore (got ${shown(value)}). Give it a value, or leave the input out and read the parameter from $MLOPS_PARAMS.`,
    );
  return { jobInputType: "literal", value, ...(description ? { description } : {}) };
}

/** A YAML input → REST JobInput (literals as `{ jobInputType: "literal", value }`). */
export function restInput(v: YamlInput, where: string): JobInput {
  if (typeof v !== "object" || v === null) return literal(String(v), where);
  const type = v.type ?? (v.path !== undefined ? "uri_folder" : "literal");
  if (type === "literal" || type === "string" || type === "integer" || type === "number" || type === "boolean")
    return literal(String(v.value ?? ""), where, v.description);
  if (!DATA_TYPES.has(type))
    throw new UserError(
      `job-file: ${where}.type ${shown(type)} is not supported (got ${shown(type)}). Use uri_file, uri_folder, mltable or a literal value.`,
    );
  if (!v.path)
    throw new UserError(
      `job-file: ${where} has no path (got ${shown(v)}). Give path: azureml://datastores/<ds>/paths/<path> or a data asset azureml:<name>:<version>.`,
    );
  const mode = v.mode ? INPUT_MODES[v.mode] : undefined;
  if (v.mode && !mode)
    throw new UserError(
      `job-file: ${where}.mode ${shown(v.mode)} is not an input mode (got ${shown(v.mode)}). Use ${Object.keys(INPUT_MODES).join(", ")}.`,
    );
  return {
    jobInputType: type,
    uri: v.path,
    ...(mode ? { mode } : {}),
    ...(v.description ? { description: v.description } : {}),
  };
}

/** A YAML output → REST JobOutput. */
export function restOutput(v: YamlOutput, where: string): JobOutput {
  const o = typeof v === "object" && v !== null ? v : {};
  const type = o.type ?? "uri_folder";
  if (!DATA_TYPES.has(type))
    throw new UserError(
      `job-file: ${where}.type ${shown(type)} is not an output type (got ${shown(type)}). Use uri_folder or uri_file.`,
    );
  const mode = o.mode ? OUTPUT_MODES[o.mode] : undefined;
  if (o.mode && !mode)
    throw new UserError(
      `job-file: ${where}.mode ${shown(o.mode)} is not an output mode (got ${shown(o.mode)}). Use ${Object.keys(OUTPUT_MODES).join(", ")}.`,
    );
  return {
    jobOutputType: type,
    ...(o.path ? { uri: o.path } : {}),
    ...(mode ? { mode } : {}),
    ...(o.description ? { description: o.description } : {}),
  };
}

/** Pipeline step bindings as the SDK serialises a node's inputs and outputs. */
function stepInput(v: YamlInput, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null) {
    const r = literal(String(v), where);
    return { job_input_type: "literal", value: (r as { value: string }).value };
  }
  const r = restInput(v, where);
  return "value" in r
    ? { job_input_type: "literal", value: r.value }
    : { job_input_type: r.jobInputType, uri: r.uri, ...(r.mode ? { mode: r.mode } : {}) };
}

function stepOutput(v: YamlOutput, where: string): Record<string, unknown> {
  if (typeof v === "string") return { type: "literal", value: v };
  const r = restOutput(v, where);
  return { job_output_type: r.jobOutputType, ...(r.uri ? { uri: r.uri } : {}), ...(r.mode ? { mode: r.mode } : {}) };
}

export interface ResolvedIds {
  computeId?: string;
  /** Command jobs. */
  environmentId?: string;
  codeId?: string;
  /** Pipeline steps: step name → componentId, and step name → computeId when the step names one. */
  componentIds?: Record<string, string>;
  stepComputeIds?: Record<string, string>;
}

/** The REST properties of the job the YAML describes (ids resolved by the caller). */
export function jobYamlToRest(y: JobYaml, ids: ResolvedIds): JobProperties {
  const inputs = Object.fromEntries(Object.entries(y.inputs).map(([k, v]) => [k, restInput(v, `inputs.${k}`)]));
  const outputs = Object.fromEntries(Object.entries(y.outputs).map(([k, v]) => [k, restOutput(v, `outputs.${k}`)]));
  const common: Partial<JobProperties> = {
    ...(y.displayName ? { displayName: y.displayName } : {}),
    ...(y.experimentName ? { experimentName: y.experimentName } : {}),
    ...(y.description ? { description: y.description } : {}),
    ...(y.tags ? { tags: y.tags } : {}),
    ...(ids.computeId ? { computeId: ids.computeId } : {}),
    inputs,
    outputs,
  };
  if (y.type === "command") {
    return {
      ...common,
      jobType: "Command",
      command: y.command,
      ...(ids.codeId ? { codeId: ids.codeId } : {}),
      ...(ids.environmentId ? { environmentId: ids.environmentId } : {}),
      environmentVariables: y.environmentVariables,
      ...(y.resources ? { resources: y.resources } : {}),
      ...(y.timeoutSeconds
        ? { limits: { jobLimitsType: "Command", timeout: `PT${Math.round(y.timeoutSeconds)}S` } }
        : {}),
    };
  }
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(y.settings)) if (k !== "default_compute") settings[k] = v;
  if (ids.computeId) settings.default_compute = ids.computeId;
  const jobs: Record<string, unknown> = {};
  for (const s of y.jobs) {
    const componentId = ids.componentIds?.[s.name];
    if (!componentId) throw new Error(`job-yaml: component of step ${s.name} not resolved`);
    jobs[s.name] = {
      name: s.name,
      type: s.type,
      componentId,
      ...(ids.stepComputeIds?.[s.name] ? { computeId: ids.stepComputeIds[s.name] } : {}),
      inputs: Object.fromEntries(
        Object.entries(s.inputs).map(([k, v]) => [k, stepInput(v, `jobs.${s.name}.inputs.${k}`)]),
      ),
      outputs: Object.fromEntries(
        Object.entries(s.outputs).map(([k, v]) => [k, stepOutput(v, `jobs.${s.name}.outputs.${k}`)]),
      ),
      ...(s.inline && Object.keys(s.inline.environmentVariables).length
        ? { environment_variables: s.inline.environmentVariables }
        : {}),
    };
  }
  return { ...common, jobType: "Pipeline", settings, jobs };
}

const LITERAL_TYPES = new Set(["string", "integer", "number", "boolean"]);
const PARENT_INPUT = /^\$\{\{\s*parent\.inputs\.([A-Za-z0-9_]+)\s*\}\}$/;
const PARENT_OUTPUT = /^\$\{\{\s*parent\.outputs\.([A-Za-z0-9_]+)\s*\}\}$/;
const STEP_OUTPUT = /^\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)\s*\}\}$/;

/** The component input type of a literal value, as the SDK infers it. */
function literalType(v: unknown): string {
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return "string";
}

/** The type of a pipeline-level input (literal, or typed data). */
function parentInputType(v: YamlInput | undefined): string {
  if (v === undefined || typeof v !== "object" || v === null) return literalType(v);
  if (v.type) return v.type;
  return v.path !== undefined ? "uri_folder" : literalType(v.value);
}

function outputType(v: YamlOutput | undefined): string {
  return typeof v === "object" && v !== null && v.type ? v.type : "uri_folder";
}

/** The interface type of a step output: its own type:, else the pipeline output it is bound to, else uri_folder. */
function stepOutputType(y: PipelineJobYaml, v: YamlOutput | undefined): string {
  if (typeof v === "string") {
    const bound = PARENT_OUTPUT.exec(v.trim());
    return bound ? outputType(y.outputs[bound[1] as string]) : "uri_folder";
  }
  return outputType(v);
}

/** The interface type of a step input: its own type:, else what it is bound to, else its literal type. */
function stepInputType(y: PipelineJobYaml, v: YamlInput, where: string): string {
  if (typeof v === "object" && v !== null) {
    if (v.type) return v.type;
    if (v.path !== undefined) return "uri_folder";
    return literalType(v.value);
  }
  if (typeof v !== "string") return literalType(v);
  const text = v.trim();
  const parent = PARENT_INPUT.exec(text);
  if (parent) {
    const name = parent[1] as string;
    if (!(name in y.inputs))
      throw new UserError(
        `job-file: ${where} binds to an input the pipeline does not have (got ${shown(v)}). Add ${name} under the pipeline's inputs:, or fix the name.`,
      );
    return parentInputType(y.inputs[name]);
  }
  const fromStep = STEP_OUTPUT.exec(text);
  if (fromStep) {
    const [, stepName = "", out = ""] = fromStep;
    const step = y.jobs.find((s) => s.name === stepName);
    if (!step)
      throw new UserError(
        `job-file: ${where} binds to a step the pipeline does not have (got ${shown(v)}). Use \${{parent.jobs.<step>.outputs.<output>}} with one of ${shown(y.jobs.map((s) => s.name))}.`,
      );
    // A registered component's outputs are not read here: uri_folder, the default output type.
    return step.inline ? stepOutputType(y, step.outputs[out]) : "uri_folder";
  }
  return "string";
}

/**
 * The command component spec of an inline pipeline step (CLI v2 command component YAML schema), with
 * `code` and `environment` as `azureml:<ARM id>` references (what the SDK writes into componentSpec).
 * Name and version are added by the caller (anonymous-assets.ts).
 */
export function inlineComponentSpec(
  y: PipelineJobYaml,
  step: PipelineStepYaml,
  ids: { codeId?: string; environmentId: string },
): Record<string, unknown> {
  const inline = step.inline;
  if (!inline) throw new Error(`job-yaml: step ${step.name} is not inline`);
  const where = `jobs.${step.name}`;
  const inputs: Record<string, { type: string }> = {};
  for (const [k, v] of Object.entries(step.inputs)) {
    const type = stepInputType(y, v, `${where}.inputs.${k}`);
    if (!LITERAL_TYPES.has(type) && !DATA_TYPES.has(type))
      throw new UserError(
        `job-file: ${where}.inputs.${k}.type ${shown(type)} is not supported (got ${shown(type)}). Use string, integer, number, boolean, uri_file, uri_folder or mltable.`,
      );
    inputs[k] = { type };
  }
  const outputs: Record<string, { type: string }> = {};
  for (const [k, v] of Object.entries(step.outputs)) outputs[k] = { type: stepOutputType(y, v) };
  for (const [, kind = "", name = ""] of inline.command.matchAll(
    /\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_]+)\s*\}\}/g,
  )) {
    const declared = kind === "inputs" ? inputs : outputs;
    if (!(name in declared))
      throw new UserError(
        `job-file: ${where}.command uses \${{${kind}.${name}}} but the step has no ${kind.slice(0, -1)} ${shown(name)} (got ${kind} ${shown(Object.keys(declared))}). Add ${name} under ${where}.${kind}:.`,
      );
  }
  const ref = (id: string) => (id.toLowerCase().startsWith("azureml:") ? id : `azureml:${id}`);
  return {
    $schema: "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json",
    type: "command",
    display_name: inline.displayName ?? step.name,
    ...(inline.description ? { description: inline.description } : {}),
    command: inline.command,
    ...(ids.codeId ? { code: ref(ids.codeId) } : {}),
    environment: ref(ids.environmentId),
    inputs,
    outputs,
  };
}
