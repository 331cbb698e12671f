/**
 * An action's inputs parsed as the runner wrapper parses them (runtime/runner.ts): every input the step
 * leaves out or empties gets action.yml's default, then the action's schema reads them. For tests that check
 * what a step's `with:` block means without running the action.
 */
import type { z } from "zod";
import { fillDefaults, type InputShape, parseInputs } from "../../runtime/inputs";
import { readActionMeta } from "../../runtime/metadata";

export function parseAsRunner<S extends z.ZodObject<InputShape>>(
  action: string,
  schema: S,
  given: Record<string, string>,
): z.output<S> {
  const meta = readActionMeta(action);
  return parseInputs(
    schema,
    fillDefaults(schema.shape, given, (name) => meta.inputs?.[name]?.default ?? ""),
  );
}
