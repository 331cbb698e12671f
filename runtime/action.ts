import type { z } from "zod";
import type { ActionContext } from "./context";
import type { InputShape } from "./inputs";

/**
 * An action: its input schema (keys = the input names in action.yml), the names of its outputs (the keys of
 * action.yml's `outputs:`, the only names its `setOutput` accepts) and what it does with them.
 */
export interface ActionDefinition<
  S extends z.ZodObject<InputShape> = z.ZodObject<InputShape>,
  O extends string = string,
> {
  /** The folder name under actions/. */
  name: string;
  inputs: S;
  outputs: readonly O[];
  /** Inputs whose values are masked before anything else runs and never echoed in errors. */
  secrets?: readonly (keyof S["shape"] & string)[];
  run(inputs: z.output<S>, ctx: ActionContext<O>): Promise<void>;
}

/** Typed where it is written; erased to the common type so every action fits one table. */
export function defineAction<S extends z.ZodObject<InputShape>, const O extends string>(
  def: ActionDefinition<S, O>,
): ActionDefinition {
  return def as unknown as ActionDefinition;
}
