import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z.object({
  model: input.requiredString("a registry reference such as my-model@champion or a path to an .onnx file"),
  registry: defaulted(input.string()),
  "base-image": defaulted(input.string()),
  platforms: defaulted(input.list()),
  targets: input.list(),
  username: input.string(),
  password: input.string(),
  acr: defaulted(input.boolean()),
  insecure: input.list(),
  "oci-layout": input.string(),
  "source-date-epoch": input.integer({ min: 0 }),
  "smoke-request": input.string(),
});

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["digest", "image", "images", "platforms", "layout-path", "smoke-test"] as const;
