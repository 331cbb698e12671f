/**
 * mlops registry: browse a registry (a directory or Azure Blob Storage) without a server.
 *
 *   mlops registry list                       models, latest versions, aliases
 *   mlops registry show <name>                a model's versions and aliases
 *   mlops registry show <name@version|alias>  one version: metrics, params, signature, lineage, files
 *   mlops registry history <name> [--alias A] alias moves with actor, approvers and reason
 *   mlops registry diff <ref> <ref|version>   what changed between two versions
 *   mlops registry report [--out FILE]        the registry as a static HTML page
 *
 * Every command takes --registry URI (default .mlops/registry in the workspace) and --json.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { EXIT } from "../runtime/failure";
import { UserError } from "../shared/errors";
import { DEFAULT_REGISTRY, displayLocation, openRegistry, parseRegistryUri } from "../shared/registry";
import {
  describeModel,
  describeVersion,
  diffText,
  diffVersions,
  historyText,
  listModels,
  listText,
  modelHistory,
  modelText,
  renderRegistryHtml,
  versionText,
} from "../shared/registry-view";

const SUBCOMMANDS = ["list", "show", "history", "diff", "report"] as const;
const FLAGS: Record<string, "value" | "switch"> = {
  registry: "value",
  json: "switch",
  alias: "value",
  out: "value",
  model: "value",
  help: "switch",
};

export const REGISTRY_USAGE = `usage: mlops registry <command> [arguments] [--registry URI] [--json]

commands:
  list                          models with their latest version, version count and aliases
  show <name>                   a model's versions (metrics, aliases, commit, source) and aliases
  show <name@version|@alias>    one version: metrics, params, signature, lineage, tags, files
  history <name> [--alias A]    alias moves (audit events) with actor, approvers, reason and run
  diff <ref> <ref>              what changed between two versions (the second may be a bare version)
  report [--out FILE] [--model NAME ...]
                                a static HTML page of the registry (default registry.html)

--registry  a directory, file:// URL or Azure Blob URL (default: ${DEFAULT_REGISTRY} in the workspace)
--json      print the data as JSON instead of text`;

function parse(argv: string[]): { args: string[]; flags: Record<string, string[]> } {
  const args: string[] = [];
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h") {
      flags.help = ["true"];
      continue;
    }
    if (!a.startsWith("--")) {
      args.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const kind = FLAGS[key];
    if (!kind) {
      throw new UserError(
        `mlops registry: unknown flag --${key} (got ${JSON.stringify(a)}). Flags are: ${Object.keys(FLAGS)
          .map((f) => `--${f}`)
          .join(", ")}.`,
      );
    }
    let value = "true";
    if (eq > 0) value = a.slice(eq + 1);
    else if (kind === "value") {
      value = argv[++i] ?? "";
      if (value === "" || value.startsWith("--")) {
        throw new UserError(
          `mlops registry: --${key} needs a value (got ${value ? JSON.stringify(value) : "nothing"}). Write --${key} <value>.`,
        );
      }
    }
    (flags[key] ??= []).push(value);
  }
  return { args, flags };
}

function needArgs(command: string, args: string[], count: number, what: string): void {
  if (args.length !== count) {
    throw new UserError(
      `mlops registry ${command}: expected ${what} (got ${args.length === 0 ? "nothing" : args.map((x) => JSON.stringify(x)).join(" ")}). See mlops registry --help.`,
    );
  }
}

/** Runs one registry command; prints to stdout; returns the exit code. Mistakes are UserErrors. */
export async function registryCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void = (t) => console.log(t),
): Promise<number> {
  const { args, flags } = parse(argv);
  const [command, ...rest] = args;
  if (!command || flags.help) {
    out(REGISTRY_USAGE);
    return command || flags.help ? EXIT.ok : EXIT.failed;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(command)) {
    throw new UserError(
      `mlops registry: unknown command ${JSON.stringify(command)}. Use one of: ${SUBCOMMANDS.join(", ")}.`,
    );
  }
  const uri = flags.registry?.at(-1) ?? DEFAULT_REGISTRY;
  const location = parseRegistryUri(uri, { env });
  if (location.kind === "file" && !existsSync(location.dir)) {
    throw new UserError(
      `registry: ${location.dir} does not exist (got ${JSON.stringify(uri)}). Pass --registry with the directory or URL of an existing registry.`,
    );
  }
  const reg = openRegistry(uri, { env });
  // Shown without credentials (a SAS in the URI never reaches the output).
  const where = displayLocation(location);
  const json = flags.json !== undefined;
  const print = (data: unknown, text: string) => out(json ? JSON.stringify(data, null, 2) : text);
  switch (command) {
    case "list": {
      needArgs(command, rest, 0, "no arguments");
      const models = await listModels(reg);
      print({ registry: where, models }, listText(models, where));
      return 0;
    }
    case "show": {
      needArgs(command, rest, 1, "one model reference, e.g. failure-predictor or failure-predictor@3");
      const ref = rest[0]!;
      if (ref.includes("@")) {
        const view = await describeVersion(reg, ref);
        print(view, versionText(view));
      } else {
        const view = await describeModel(reg, ref);
        print(view, modelText(view));
      }
      return 0;
    }
    case "history": {
      needArgs(command, rest, 1, "one model name");
      const events = await modelHistory(reg, rest[0]!, flags.alias?.at(-1));
      print(events, historyText(events, rest[0]!));
      return 0;
    }
    case "diff": {
      needArgs(
        command,
        rest,
        2,
        "two versions, e.g. failure-predictor@2 failure-predictor@3 (or failure-predictor@2 3)",
      );
      const d = await diffVersions(reg, rest[0]!, rest[1]!);
      print(d, diffText(d));
      return 0;
    }
    case "report": {
      needArgs(command, rest, 0, "no arguments (choose models with --model)");
      const wanted = flags.model;
      const listed = await listModels(reg);
      const names = wanted ?? listed.map((m) => m.name);
      const views = [];
      for (const name of names) views.push(await describeModel(reg, name));
      const file = resolve(flags.out?.at(-1) ?? "registry.html");
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, renderRegistryHtml(views, { registry: where }));
      print({ report: file, models: names }, `wrote ${file} (${names.length} model${names.length === 1 ? "" : "s"})`);
      return 0;
    }
  }
  return EXIT.failed;
}
