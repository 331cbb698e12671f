/**
 * The one wrapper every bundled action runs through on the GitHub runner: reads inputs with
 * @actions/core, masks secrets, turns errors into one `::error::` line (user mistakes without a stack,
 * bugs with one and a request to report them), writes the job summary even when the action fails.
 */
import * as core from "@actions/core";
import { findOnnxRuntime, unsupportedPlatformMessage } from "../shared/platform";
import { secretForms } from "../shared/secrets";
import type { Logger } from "../shared/log";
import type { ActionDefinition } from "./action";
import { type ActionContext, githubContext } from "./context";
import { describeFailure } from "./failure";
import { fillDefaults, parseInputs } from "./inputs";
import { type ActionMeta, readActionMeta } from "./metadata";
import { progressLines } from "./progress";

export function runnerContext(): ActionContext {
  const masked: string[] = [];
  const setSecret = (value: string) => {
    if (!value) return;
    masked.push(value);
    for (const form of secretForms(value)) core.setSecret(form);
  };
  const progress = progressLines((line) => core.info(line));
  const logger: Logger = {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    debug: (m) => core.debug(m),
    progress,
  };
  return {
    logger,
    setOutput: (name, value) => {
      if (value === undefined) return;
      core.setOutput(name, typeof value === "object" ? JSON.stringify(value) : String(value));
    },
    summary: (markdown) => {
      core.summary.addRaw(markdown, true);
    },
    setSecret,
    maskedValues: () => masked,
    group: (name, fn) => core.group(name, fn),
    annotate: (level, message, where) => {
      const props = where ? { title: where.title, file: where.file, startLine: where.startLine } : undefined;
      if (level === "error") core.error(message, props);
      else if (level === "warning") core.warning(message, props);
      else core.notice(message, props);
    },
    github: githubContext(process.env),
    env: process.env,
  };
}

/**
 * On a machine without an ONNX Runtime for its platform (a macOS or Windows runner), fail the step with one
 * line before anything is loaded or done. The bundled entries call this before importing the action.
 */
export function refuseUnsupportedPlatform(): boolean {
  if (findOnnxRuntime(import.meta.url)) return false;
  core.setFailed(unsupportedPlatformMessage(process.platform, process.arch, "runner"));
  return true;
}

export async function runOnRunner(def: ActionDefinition): Promise<void> {
  const ctx = runnerContext();
  try {
    const given: Record<string, string> = {};
    for (const name of Object.keys(def.inputs.shape)) given[name] = core.getInput(name);
    // The runner passes action.yml's default only when the step leaves an input out; an empty value (an
    // expression such as ${{ vars.REGISTRY }} that is unset) gets the same default here.
    let meta: ActionMeta | undefined;
    const raw = fillDefaults(def.inputs.shape, given, (name) => {
      meta ??= readActionMeta(def.name);
      return meta.inputs?.[name]?.default ?? "";
    });
    for (const name of def.secrets ?? []) if (raw[name]) ctx.setSecret(raw[name]!);
    const inputs = parseInputs(def.inputs, raw, def.secrets ?? []);
    await def.run(inputs, ctx);
  } catch (e) {
    const failure = describeFailure(e, { action: def.name, on: "runner" });
    if (failure.stack) core.info(failure.stack);
    core.setFailed(failure.message);
  } finally {
    if (process.env.GITHUB_STEP_SUMMARY) {
      try {
        await core.summary.write();
      } catch (e) {
        core.warning(`could not write the job summary: ${(e as Error).message}`);
      }
    }
  }
}
