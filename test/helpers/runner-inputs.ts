/**
 * An action's inputs parsed as the runner wrapper parses them (runtime/runner.ts): every input the step
 * leaves out or empties gets action.yml's default, then the action's schema reads them. For tests that check
 * what a step's `with:` block means without running the action.
 */
import type { z } from "zod";
import { fillDefaults, type InputShape, parseInputs } from "../../runtime/inputs";
import { readActionMeta } from "../../runtime/metadata";

function withDefaults(action: string, shape: InputShape, given: Record<string, string>) {
  const meta = readActionMeta(action);
  return fillDefaults(shape, given, (name) => meta.inputs?.[name]?.default ?? "");
}

export function parseAsRunner<S extends z.ZodObject<InputShape>>(
  action: string,
  schema: S,
  given: Record<string, string>,
): z.output<S> {
  return parseInputs(schema, withDefaults(action, schema.shape, given));
}

/** One input of a step, read as the runner reads it (for inputs whose neighbours are required). */
export function inputAsRunner<S extends z.ZodObject<InputShape>, K extends keyof S["shape"] & string>(
  action: string,
  schema: S,
  name: K,
  given: string,
): z.output<S["shape"][K]> {
  const field = schema.shape[name]!;
  return field.parse(withDefaults(action, { [name]: field }, { [name]: given })[name]) as z.output<S["shape"][K]>;
}
