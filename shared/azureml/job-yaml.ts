/**
 * `az ml job create` YAML (command and pipeline jobs, the CLI v2 schema) read into a plain form, and
 * that form turned into the REST JobBase properties (examples/Job/CommandJob/createOrUpdate.json,
 * examples/Job/PipelineJob/createOrUpdate.json).
 *
 * Supported: `type: command` with command, code, environment (a reference, not an inline image/conda
 * definition), compute, inputs (literals and uri_file/uri_folder/mltable/custom_model paths), outputs,
 * environment_variables, experiment_name, display_name, description, tags, resources, limits.timeout;
 * `type: pipeline` with inputs, outputs, settings (default_compute and the rest passed through) and
 * `jobs:` steps that reference registered components (`component: azureml:<name>:<version>` or
 * `azureml:<name>@latest`), with `${{parent.inputs.x}}` / `${{parent.outputs.x}}` /
 * `${{parent.jobs.<step>.outputs.<o>}}` bindings kept as they are (REST uses the same syntax).
 * Pipeline `jobs` are free-form objects in the spec; each step is written the way the Azure ML SDK
 * serialises a component node: `{ type, componentId, computeId?, inputs: { x: { job_input_type, value } },
 * outputs: { o: { type: "literal", value } } }`.
 */
import { parse as parseYaml } from "yaml";
import { shown, UserError } from "../errors";
import type { JobInput, JobOutput, JobProperties } from "./jobs";

export type YamlInput = string | number | boolean | { type?: string; path?: string; mode?: string; value?: unknown; description?: string };
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

export interface CommandJobYaml extends CommonYaml {
  type: "command";
  command: string;
  code?: string;
  environment?: string;
  environmentVariables: Record<string, string>;
  resources?: { instanceCount?: number; instanceType?: string };
  timeoutSeconds?: number;
}

export interface PipelineStepYaml {
  name: string;
  type: string;
  component: string;
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
  if (!isMap(v)) throw new UserError(`job-file: ${where} must be a map (got ${shown(v)}). Write it as in az ml job create YAML.`);
  return v as Record<string, T>;
}

/** Read the YAML text of `az ml job create -f`. */
export function parseJobYaml(text: string): JobYaml {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UserError(`job-file: not YAML (got ${(e as Error).message.split("\n")[0]}). Fix the file; it is the same YAML as az ml job create -f takes.`);
  }
  if (!isMap(doc)) throw new UserError(`job-file: not a YAML map (got ${shown(doc)}). Start it with type: command or type: pipeline.`);
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
    if (isMap(doc.environment))
      throw new UserError(
        `job-file: environment is an inline definition (got ${shown(doc.environment, 60)}). Register it (az ml environment create) and write environment: azureml:<name>:<version> or azureml:<name>@latest.`,
      );
    const command = str(doc.command, "command");
    if (!command?.trim()) throw new UserError(`job-file: a command job needs command: (got ${shown(doc.command)}). Add the line that trains, e.g. python train.py.`);
    const res = map<unknown>(doc.resources, "resources");
    const limits = map<unknown>(doc.limits, "limits");
    return {
      ...common,
      type: "command",
      command,
      code: str(doc.code, "code"),
      environment: str(doc.environment, "environment"),
      environmentVariables: strMap(doc.environment_variables, "environment_variables"),
      resources:
        res.instance_count !== undefined || res.instance_type !== undefined
          ? { instanceCount: res.instance_count === undefined ? undefined : Number(res.instance_count), instanceType: str(res.instance_type, "resources.instance_type") }
          : undefined,
      timeoutSeconds: limits.timeout === undefined ? undefined : Number(limits.timeout),
    };
  }
  if (type === "pipeline") {
    const jobs = map<unknown>(doc.jobs, "jobs");
    if (Object.keys(jobs).length === 0) throw new UserError("job-file: a pipeline job needs jobs: (got none). Add at least one step that references a component.");
    const steps: PipelineStepYaml[] = Object.entries(jobs).map(([name, raw]) => {
      if (!isMap(raw)) throw new UserError(`job-file: jobs.${name} must be a map (got ${shown(raw)}). Write the step as in az ml job create YAML.`);
      const component = raw.component;
      if (typeof component !== "string")
        throw new UserError(
          `job-file: jobs.${name} is an inline ${String(raw.type ?? "command")} step (got ${component === undefined ? "no component:" : shown(component, 60)}). Only steps that reference a registered component are supported: register it with az ml component create and write component: azureml:<name>:<version>.`,
        );
      return {
        name,
        type: String(raw.type ?? "command"),
        component,
        compute: str(raw.compute, `jobs.${name}.compute`),
        inputs: map<YamlInput>(raw.inputs, `jobs.${name}.inputs`),
        outputs: map<YamlOutput>(raw.outputs, `jobs.${name}.outputs`),
      };
    });
    return { ...common, type: "pipeline", settings: map<unknown>(doc.settings, "settings"), jobs: steps };
  }
  throw new UserError(`job-file: type ${shown(type)} is not supported (got ${shown(type)}). Use type: command or type: pipeline.`);
}

/** A YAML input → REST JobInput (literals as `{ jobInputType: "literal", value }`). */
export function restInput(v: YamlInput, where: string): JobInput {
  if (typeof v !== "object" || v === null) return { jobInputType: "literal", value: String(v) };
  const type = v.type ?? (v.path !== undefined ? "uri_folder" : "literal");
  if (type === "literal" || type === "string" || type === "integer" || type === "number" || type === "boolean")
    return { jobInputType: "literal", value: String(v.value ?? ""), ...(v.description ? { description: v.description } : {}) };
  if (!DATA_TYPES.has(type)) throw new UserError(`job-file: ${where}.type ${shown(type)} is not supported (got ${shown(type)}). Use uri_file, uri_folder, mltable or a literal value.`);
  if (!v.path) throw new UserError(`job-file: ${where} has no path (got ${shown(v)}). Give path: azureml://datastores/<ds>/paths/<path> or a data asset azureml:<name>:<version>.`);
  const mode = v.mode ? INPUT_MODES[v.mode] : undefined;
  if (v.mode && !mode) throw new UserError(`job-file: ${where}.mode ${shown(v.mode)} is not an input mode (got ${shown(v.mode)}). Use ${Object.keys(INPUT_MODES).join(", ")}.`);
  return { jobInputType: type, uri: v.path, ...(mode ? { mode } : {}), ...(v.description ? { description: v.description } : {}) };
}

/** A YAML output → REST JobOutput. */
export function restOutput(v: YamlOutput, where: string): JobOutput {
  const o = typeof v === "object" && v !== null ? v : {};
  const type = o.type ?? "uri_folder";
  if (!DATA_TYPES.has(type)) throw new UserError(`job-file: ${where}.type ${shown(type)} is not an output type (got ${shown(type)}). Use uri_folder or uri_file.`);
  const mode = o.mode ? OUTPUT_MODES[o.mode] : undefined;
  if (o.mode && !mode) throw new UserError(`job-file: ${where}.mode ${shown(o.mode)} is not an output mode (got ${shown(o.mode)}). Use ${Object.keys(OUTPUT_MODES).join(", ")}.`);
  return { jobOutputType: type, ...(o.path ? { uri: o.path } : {}), ...(mode ? { mode } : {}), ...(o.description ? { description: o.description } : {}) };
}

/** Pipeline step bindings as the SDK serialises a node's inputs and outputs. */
function stepInput(v: YamlInput, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null) return { job_input_type: "literal", value: String(v) };
  const r = restInput(v, where);
  return "value" in r ? { job_input_type: "literal", value: r.value } : { job_input_type: r.jobInputType, uri: r.uri, ...(r.mode ? { mode: r.mode } : {}) };
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
      ...(y.timeoutSeconds ? { limits: { jobLimitsType: "Command", timeout: `PT${Math.round(y.timeoutSeconds)}S` } } : {}),
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
      inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k, stepInput(v, `jobs.${s.name}.inputs.${k}`)])),
      outputs: Object.fromEntries(Object.entries(s.outputs).map(([k, v]) => [k, stepOutput(v, `jobs.${s.name}.outputs.${k}`)])),
    };
  }
  return { ...common, jobType: "Pipeline", settings, jobs };
}
