/**
 * mlops: run any action of the suite on this machine with the same inputs and the same code as on the
 * GitHub runner. Inputs come from --<input> flags, defaults from the action's action.yml.
 *
 *   mlops <action> --<input> <value> ... [--summary FILE] [--quiet | --json]
 *     (outputs are printed as JSON on stdout; --quiet/--json keep the log off stderr, for scripts)
 *   mlops <action> --help
 *   mlops serve --model <file|ref> [--registry URI] [--http-port 8080] [--grpc-port 8081]
 *   mlops registry list|show|history|diff|report [...] [--registry URI] [--json]
 *   mlops --version
 *
 * Exit codes (runtime/failure.ts EXIT): 0 ran and passed, 1 a gate refused (rejected candidate, drift,
 * broken data contract, refused promotion), 2 could not run (a mistake in the inputs, files, data or
 * environment), 3 a bug. Errors are one `error: ...` line in a terminal and `::error::` on a runner.
 */
import { writeFileSync } from "node:fs";
import { actions } from "../actions/index";
import { cliContext } from "../runtime/cli-context";
import { fillDefaults, parseInputs } from "../runtime/inputs";
import { defaultFor, readActionMeta } from "../runtime/metadata";
import { describeFailure, EXIT } from "../runtime/failure";
import { UserError } from "../shared/errors";
import { findOnnxRuntime, unsupportedPlatformMessage } from "../shared/platform";

const OWN_FLAGS = new Set(["summary", "quiet", "json", "help"]);

/** The package version, written into the bundle by scripts/build.mjs (`dev` when run from the sources). */
declare const __MLOPS_VERSION__: string | undefined;
export const VERSION = typeof __MLOPS_VERSION__ === "string" ? __MLOPS_VERSION__ : "dev";

export function parseArgs(argv: string[]): { command?: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h") {
      flags.help = "true";
    } else if (a === "-V") {
      flags.version = "true";
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
    "       mlops --version",
    "  outputs are printed as JSON on stdout; --quiet or --json keep the log off stderr",
    "",
    "commands:",
  ];
  for (const name of Object.keys(actions)) lines.push(`  ${name.padEnd(16)} ${readActionMeta(name).description}`);
  lines.push(`  ${"serve".padEnd(16)} Serve a model over the Open Inference Protocol v2 (HTTP and gRPC).`);
  lines.push(
    `  ${"registry".padEnd(16)} Browse a registry: list, show, history, diff, report (mlops registry --help).`,
  );
  lines.push(
    "",
    "mlops <command> --help lists the command's inputs (the same as its action.yml).",
    "",
    "exit codes:",
    `  ${EXIT.ok}  ran, and every gate passed`,
    `  ${EXIT.rejected}  a gate refused: candidate rejected, data drifted or broke its contract, promotion refused`,
    `  ${EXIT.failed}  could not run: a mistake in the inputs, files, data or environment (the error line says which)`,
    `  ${EXIT.bug}  could not run because of a bug in mlops-actions (please report it)`,
  );
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
  // Runner syntax only where a runner reads it; plain lines in a terminal.
  const on = env.GITHUB_ACTIONS === "true" ? "runner" : "terminal";
  let command: string | undefined;
  try {
    if (argv[0] === "registry") {
      command = "registry";
      const { registryCommand } = await import("./registry");
      return await registryCommand(argv.slice(1), env);
    }
    const parsed = parseArgs(argv);
    command = parsed.command;
    const flags = parsed.flags;
    if (flags.version && !command) {
      console.log(`mlops ${VERSION}`);
      return EXIT.ok;
    }
    if (!command || command === "help") {
      if (!command && !flags.help) {
        console.error(usage());
        return EXIT.failed;
      }
      console.log(usage());
      return EXIT.ok;
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
      return EXIT.ok;
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
    const inputs = parseInputs(
      def.inputs,
      fillDefaults(def.inputs.shape, raw, (name) => defaultFor(declared[name]!, env)),
      def.secrets ?? [],
    );
    let failure: { error: unknown } | undefined;
    try {
      await def.run(inputs, run.ctx);
    } catch (error) {
      failure = { error };
    }
    if (flags.summary) writeFileSync(flags.summary, run.summary.join("\n"));
    console.log(JSON.stringify(run.outputs, null, 2));
    if (failure) throw failure.error;
    return EXIT.ok;
  } catch (e) {
    const f = describeFailure(e, { action: command && command in actions ? command : undefined, on });
    if (f.stack) console.error(f.stack);
    console.error(on === "runner" ? `::error::${f.message}` : `error: ${f.message}`);
    return f.exitCode;
  }
}

const invoked = process.argv[1] ?? "";
if (/(?:^|[\\/])(?:cli|mlops)(?:\.[cm]?[jt]s)?$/.test(invoked)) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
