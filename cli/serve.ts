/**
 * `mlops serve --model <file|ref> [--registry URI] [--http-port 8080] [--grpc-port 8081|off] ...`: the edge
 * server on this machine, with the model from a file or a registry reference (name@champion,
 * <registry>#name@3). Listens on 127.0.0.1 unless --host or MLOPS_HOST says otherwise.
 */
import { resolveModel } from "../shared/models";
import { UserError } from "../shared/errors";
import { runServe, SERVE_FLAGS, serveArgsFromFlags, serveUsage } from "../shared/serve";

/** On a workstation the server listens on loopback unless --host or MLOPS_HOST says otherwise. */
const LOOPBACK = "127.0.0.1";

export async function serveCommand(flags: Record<string, string>, env: NodeJS.ProcessEnv): Promise<number> {
  if (flags.help) {
    console.log(serveUsage(LOOPBACK).replace(/^Usage: serve/, "usage: mlops serve"));
    return 0;
  }
  const known = new Set<string>([...SERVE_FLAGS, "registry", "quiet", "json"]);
  const unknown = Object.keys(flags).filter((f) => !known.has(f));
  if (unknown.length > 0) {
    throw new UserError(
      `mlops serve: unknown flag --${unknown[0]} (got ${unknown.map((f) => `--${f}`).join(", ")}). Flags are: ${[...SERVE_FLAGS, "registry"].map((f) => `--${f}`).join(", ")}.`,
    );
  }
  const { help: _help, ...serveFlags } = flags;
  const args = serveArgsFromFlags(serveFlags, env, LOOPBACK);
  return runServe(args, {
    resolveModel: async (ref) => {
      const m = (await resolveModel(ref, { registry: flags.registry, env, what: "model" }))!;
      return { model: m.path, name: m.name, version: m.version === undefined ? undefined : String(m.version) };
    },
  });
}
