import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z.object({
  model: input.requiredString("a model reference such as my-model@challenger or my-model@3"),
  "from-registry": defaulted(input.string()),
  "to-registry": input.string(),
  "alias-registry": input.string(),
  "subscription-id": input.string(),
  "resource-group": input.string(),
  "azure-endpoint": defaulted(input.string()),
  alias: defaulted(input.string()),
  "require-decision": input.enumeration(["promote", "promote-breaking", "reject"] as const),
  "allow-breaking-contract": defaulted(input.boolean()),
  force: defaulted(input.boolean()),
  "expected-champion": input.string().transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v === "none") return null;
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1) return n;
    ctx.addIssue({
      code: "custom",
      message: 'expected a version number, or "none" when there must be no champion yet',
    });
    return undefined;
  }),
  reason: input.string(),
  "dry-run": defaulted(input.boolean()),
  rollback: defaulted(input.boolean()),
  "rollback-to": input.integer({ min: 1 }),
  // "none" records the actor alone (an empty value is the action.yml default, as for every defaulted input).
  environment: defaulted(input.string()).transform((v) => (v === "none" ? "" : v)),
  "github-token": input.string(),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = [
  "version",
  "model-uri",
  "azureml-model-id",
  "previous-version",
  "promoted",
  "audit-event",
] as const;
