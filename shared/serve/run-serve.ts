import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { jsonLogger } from "./json-logger";
import type { ServeArgs } from "./serve-args";
import { startServer } from "./server";

/** What a registry ref resolves to: the model (path or bytes) and, when the registry knows them, name and version. */
export interface ResolvedModel {
  model: string | Uint8Array;
  name?: string;
  version?: string;
}

export interface RunServeOptions {
  /** Called when `args.model` is not an existing file (e.g. `models:/failure-predictor@champion`). */
  resolveModel?: (ref: string) => Promise<ResolvedModel>;
  /** Defaults to JSON lines on stdout at `args.logLevel`. */
  logger?: Logger;
  /** Stops the server like SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
}

/**
 * Runs the server until SIGTERM/SIGINT (or `signal`), then drains in-flight requests and resolves 0.
 * Shared by the bundled entry (main.ts) and `mlops serve`, which passes `resolveModel` for registry refs.
 */
export async function runServe(args: ServeArgs, options: RunServeOptions = {}): Promise<number> {
  const logger = options.logger ?? jsonLogger(undefined, args.logLevel);
  let resolved: ResolvedModel;
  if (existsSync(args.model)) resolved = { model: modelFile(args.model) };
  else if (options.resolveModel) resolved = await options.resolveModel(args.model);
  else {
    throw new UserError(
      `model: file not found (got ${shown(args.model)}). Pass the path of an .onnx file; \`mlops serve --model <ref>\` resolves registry refs.`,
    );
  }
  const { logLevel: _level, model: _ref, ...rest } = args;
  const name = args.modelName ?? resolved.name;
  const version = args.modelVersion ?? resolved.version;
  const server = await startServer({
    ...rest,
    model: resolved.model,
    ...(name === undefined ? {} : { modelName: name }),
    ...(version === undefined ? {} : { modelVersion: version }),
    logger,
  });
  logger.info(`ready in ${Math.round(process.uptime() * 1000)} ms`);
  const handlers: [NodeJS.Signals, () => void][] = [];
  const reason = await new Promise<string>((resolve) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const h = () => resolve(sig);
      handlers.push([sig, h]);
      process.once(sig, h);
    }
    options.signal?.addEventListener("abort", () => resolve("abort"), { once: true });
    if (options.signal?.aborted) resolve("abort");
  });
  // A second signal while draining gets Node's default (exit at once): the operator's way to force it.
  for (const [sig, h] of handlers) process.off(sig, h);
  logger.info(`${reason}: finishing in-flight requests`);
  await server.close();
  return 0;
}

/**
 * The .onnx file of a model path: the file itself, or `model.onnx` in a folder or one level below it (Azure ML
 * mounts a registered model folder under AZUREML_MODEL_DIR, sometimes inside a folder named after the upload).
 */
export function modelFile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const direct = join(path, "model.onnx");
  if (existsSync(direct)) return direct;
  const nested = readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(path, d.name, "model.onnx"))
    .filter((f) => existsSync(f));
  if (nested.length === 1) return nested[0]!;
  throw new UserError(
    `model: no single model.onnx in the folder (got ${shown(path)} with ${shown(readdirSync(path).slice(0, 10))}${nested.length > 1 ? `, and ${nested.length} nested ones` : ""}). Mount or pass the folder that holds the registered model's model.onnx.`,
  );
}
