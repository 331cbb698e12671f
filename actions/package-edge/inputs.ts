import { z } from "zod";
import { input } from "../../runtime/inputs";

export const inputs = z.object({
  model: input.requiredString("a registry reference such as my-model@champion or a path to an .onnx file"),
  registry: input.string(),
  "base-image": input.string(),
  platforms: input.list(),
  targets: input.list(),
  username: input.string(),
  password: input.string(),
  acr: input.boolean(),
  insecure: input.list(),
  "oci-layout": input.string(),
  "source-date-epoch": input.integer({ min: 0 }),
  "smoke-request": input.string(),
});
