/**
 * What `onnxruntime-node` resolves to in the bundle (scripts/build.mjs points the import here): the copy
 * in dist/node_modules when it has this machine's binary, else the installed package (see
 * onnxruntime-location.ts). The entries check first and refuse an unsupported platform with one line, so
 * the error below is only reached when that check was skipped.
 */
import { createRequire } from "node:module";
import { UserError } from "../errors";
import { findOnnxRuntime, unsupportedPlatformMessage } from "./onnxruntime-location";

export function loadOnnxRuntime(): Record<string, unknown> {
  const dir = findOnnxRuntime(import.meta.url);
  if (!dir) throw new UserError(unsupportedPlatformMessage(process.platform, process.arch, "cli"));
  return createRequire(import.meta.url)(dir) as Record<string, unknown>;
}
