import { z } from "zod";
import { defaulted, input } from "../../runtime/inputs";

export const inputs = z
  .object({
    data: input.list(),
    name: input.requiredString("the dataset's name in the registry, e.g. plant-data"),
    registry: defaulted(input.string()),
    alias: input.string(),
    copy: defaulted(input.enumeration(["local", "all"] as const)),
    "time-column": input.string(),
    tags: input.structured(z.record(z.string(), z.coerce.string()), "a map of tag names to strings"),
  })
  .superRefine((i, ctx) => {
    if (!i.data?.length)
      ctx.addIssue({
        code: "custom",
        path: ["data"],
        message: "is required: paths, globs or blob URIs of the data to snapshot",
      });
  });

/** The names of the outputs in action.yml: the only ones this action may set. */
export const outputs = ["dataset-uri", "version", "created", "rows", "files", "time-range"] as const;
