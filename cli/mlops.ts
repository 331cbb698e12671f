/**
 * mlops: run any action of the suite on this machine with the same inputs and the same code as on the
 * GitHub runner. Inputs come from --<input> flags, defaults from the action's action.yml.
 *
 *   mlops <action> --<input> <value> ... [--summary FILE] [--quiet | --json]
 *     (outputs are printed as JSON on stdout; --quiet/--json keep the log off stderr, for scripts)
 *   mlops <action> --help
 *   mlops serve --model <file|ref> [--registry URI] [--http-port 8080] [--grpc-port 8081]
 *   mlops registry list|show|history|diff|report [...] [--registry URI] [--json]
 */
import { writeFileSync } from "node:fs";
import { actions } from "../actions/index";
import { cliContext } from "../runtime/cli-context";
import { parseInputs } from "../runtime/inputs";
import { defaultFor, readActionMeta } from "../runtime/metadata";
import { isUserError, UserError } from "../shared/errors";
import { findOnnxRuntime, unsupportedPlatformMessage } from "../shared/platform";

const OWN_FLAGS = new Set(["summary", "quiet", "json", "help"]);

export function parseArgs(argv: string[]): { command?: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h") {
      flags.help = "true";
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      let value: string;
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i]!;
      else value = "true";
      // A repeated flag builds a list (one item per line), as a multiline input would.
      flags[key] = key in flags ? `${flags[key]}\n${value}` : value;
    } else if (command === undefined) {
      command = a;
    } else {
      throw new UserError(`mlops: unexpected argument ${JSON.stringify(a)}. Give inputs as --<input> <value>.`);
    }
  }
  return { command, flags };
}

function usage(): string {
  const lines = [
    "usage: mlops <command> --<input> <value> ... [--summary FILE] [--quiet | --json]",
    "  outputs are printed as JSON on stdout; --quiet or --json keep the log off stderr",
    "",
    "commands:",
  ];
  for (const name of Object.keys(actions)) lines.push(`  ${name.padEnd(16)} ${readActionMeta(name).description}`);
  lines.push(`  ${"serve".padEnd(16)} Serve a model over the Open Inference Protocol v2 (HTTP and gRPC).`);
  lines.push(`  ${"registry".padEnd(16)} Browse a registry: list, show, history, diff, report (mlops registry --help).`);
  lines.push("", "mlops <command> --help lists the command's inputs (the same as its action.yml).");
  return lines.join("\n");
}

export function actionHelp(name: string): string {
  const meta = readActionMeta(name);
  const lines = [`mlops ${name}: ${meta.description}`, "", "inputs:"];
  for (const [input, m] of Object.entries(meta.inputs ?? {})) {
    const d = m.required ? " (required)" : m.default ? ` (default: ${m.default})` : "";
    lines.push(`  --${input}${d}`, `      ${m.description}`);
  }
  lines.push("", "outputs (printed as JSON):");
  for (const [output, m] of Object.entries(meta.outputs ?? {})) lines.push(`  ${output}: ${m.description}`);
  return lines.join("\n");
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    if (argv[0] === "registry") {
      const { registryCommand } = await import("./registry");
      return await registryCommand(argv.slice(1), env);
    }
    const { command, flags } = parseArgs(argv);
    if (!command || command === "help") {
      console.log(usage());
      return command ? 0 : flags.help ? 0 : 1;
    }
    const supported = () => {
      if (!findOnnxRuntime(import.meta.url))
        throw new UserError(unsupportedPlatformMessage(process.platform, process.arch, "cli"));
    };
    if (command === "serve") {
      supported();
      const { serveCommand } = await import("./serve");
      return await serveCommand(flags, env);
    }
    const load = actions[command];
    if (!load) {
      throw new UserError(
        `mlops: unknown command ${JSON.stringify(command)}. Use one of: ${[...Object.keys(actions), "serve", "registry"].join(", ")}.`,
      );
    }
    if (flags.help) {
      console.log(actionHelp(command));
      return 0;
    }
    const meta = readActionMeta(command);
    const declared = meta.inputs ?? {};
    for (const key of Object.keys(flags)) {
      if (!(key in declared) && !OWN_FLAGS.has(key)) {
        throw new UserError(
          `mlops ${command}: unknown input --${key}. Inputs are: ${Object.keys(declared)
            .map((k) => `--${k}`)
            .join(", ")}.`,
        );
      }
    }
    const raw: Record<string, string> = {};
    for (const [name, m] of Object.entries(declared)) raw[name] = flags[name] ?? defaultFor(m, env);
    supported();
    const def = (await load()).default;
    const run = cliContext({ quiet: flags.quiet === "true" || flags.json === "true", env });
    for (const name of def.secrets ?? []) if (raw[name]) run.ctx.setSecret(raw[name]);
    const inputs = parseInputs(def.inputs, raw, def.secrets ?? []);
    let failure: { error: unknown } | undefined;
    try {
      await def.run(inputs, run.ctx);
    } catch (error) {
      failure = { error };
    }
    if (flags.summary) writeFileSync(flags.summary, run.summary.join("\n"));
    console.log(JSON.stringify(run.outputs, null, 2));
    if (failure) throw failure.error;
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      console.error(`::error::${e.message}`);
    } else {
      console.error((e as Error).stack ?? String(e));
      console.error(
        `::error::unexpected error: ${(e as Error).message}. This is a bug; please report it with the output above.`,
      );
    }
    return 1;
  }
}

const invoked = process.argv[1] ?? "";
if (/(?:^|[\\/])(?:cli|mlops)(?:\.[cm]?[jt]s)?$/.test(invoked)) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
