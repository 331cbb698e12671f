import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TokenCredential } from "@azure/identity";
import { lazyDefaultCredential } from "../azure/credential";
import { shown, UserError } from "../errors";
import type { BlobStore } from "./blob-store";
import { FileStore } from "./file-store";
import { LazyAzureStore } from "./lazy-azure-store";

export type RegistryLocation =
  | { kind: "file"; dir: string }
  | {
      kind: "azure";
      account: string;
      container: string;
      prefix: string;
      /** Service URL, e.g. https://acct.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1. */
      serviceUrl?: string;
      /** SAS token from the URI's query string (no leading '?'). */
      sas?: string;
    };

export interface LocationOptions {
  /** Environment to read connection strings and SAS tokens from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Base for relative paths and the default registry (default env.GITHUB_WORKSPACE or cwd). */
  workspace?: string;
  /** Azure credential when no connection string or SAS applies (default DefaultAzureCredential). */
  credential?: TokenCredential;
  /** Bound on each small Azure request (default 30 s), so an endpoint that does not answer fails instead of hanging. */
  timeoutMs?: number;
  /** Name of the input, for error messages (default "registry"). */
  what?: string;
}

/**
 * The registry of a command that names none (the `mlops registry` commands): the actions' `registry` inputs
 * take their default from action.yml, which says the same.
 */
export const DEFAULT_REGISTRY = ".mlops/registry";

const CONTAINER = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

/**
 * Parse a registry URI: a directory path, file://..., https://<account>.blob.core.windows.net/<container>/<prefix>,
 * a path-style endpoint such as Azurite's http://127.0.0.1:10000/<account>/<container>/<prefix>, or
 * azblob://<account>/<container>/<prefix>. Empty means DEFAULT_REGISTRY in the workspace.
 */
export function parseRegistryUri(uri: string | undefined, opts: LocationOptions = {}): RegistryLocation {
  const env = opts.env ?? process.env;
  const what = opts.what ?? "registry";
  const workspace = opts.workspace ?? env.GITHUB_WORKSPACE ?? process.cwd();
  const text = (uri ?? "").trim();
  if (!text) return { kind: "file", dir: resolve(workspace, DEFAULT_REGISTRY) };
  if (text.startsWith("file:")) {
    try {
      return { kind: "file", dir: fileURLToPath(text) };
    } catch (e) {
      throw new UserError(
        `${what}: invalid file URL (got ${shown(text)}). Use file:///absolute/path or a plain path.`,
        {
          cause: e,
        },
      );
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return { kind: "file", dir: isAbsolute(text) ? text : resolve(workspace, text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch (e) {
    throw new UserError(
      `${what}: invalid URL (got ${shown(redact(text))}). Use https://<account>.blob.core.windows.net/<container>/<prefix>.`,
      {
        cause: e,
      },
    );
  }
  const sas = url.search.length > 1 ? url.search.slice(1) : undefined;
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  let account: string | undefined;
  let serviceUrl: string | undefined;
  if (scheme === "azblob") {
    account = url.hostname;
  } else if (scheme === "https" || scheme === "http") {
    const m = /^([a-z0-9]+)\.blob\./i.exec(url.hostname);
    if (m?.[1]) {
      account = m[1];
      serviceUrl = `${url.protocol}//${url.host}`;
    } else {
      account = parts.shift();
      serviceUrl = `${url.protocol}//${url.host}/${account ?? ""}`;
    }
  } else {
    throw new UserError(
      `${what}: unsupported registry scheme (got ${shown(`${scheme}://`)}). Use a path, file://, https://<account>.blob.core.windows.net/<container>/<prefix> or azblob://<account>/<container>/<prefix>.`,
    );
  }
  const container = parts.shift();
  if (!account || !container)
    throw new UserError(
      `${what}: Azure registry URL needs an account and a container (got ${shown(redact(text))}). Use https://<account>.blob.core.windows.net/<container>/<prefix>.`,
    );
  if (!CONTAINER.test(container))
    throw new UserError(
      `${what}: invalid container name (got ${shown(container)}). Use 3-63 lowercase letters, digits and single hyphens.`,
    );
  return { kind: "azure", account, container, prefix: parts.join("/"), serviceUrl, sas };
}

/** The location without credentials, safe to print. */
export function displayLocation(loc: RegistryLocation): string {
  if (loc.kind === "file") return loc.dir;
  const base = loc.serviceUrl ?? `https://${loc.account}.blob.core.windows.net`;
  return [base, loc.container, loc.prefix].filter(Boolean).join("/");
}

function connectionStringFor(account: string, env: Record<string, string | undefined>): string | undefined {
  const specific = env[`AZURE_STORAGE_CONNECTION_STRING_${account.toUpperCase()}`];
  if (specific) return specific;
  const general = env.AZURE_STORAGE_CONNECTION_STRING;
  if (!general) return undefined;
  const name = /(?:^|;)\s*AccountName=([^;]+)/i.exec(general)?.[1];
  if (/UseDevelopmentStorage=true/i.test(general)) return account === "devstoreaccount1" ? general : undefined;
  return name === undefined || name === account ? general : undefined;
}

/**
 * Values that must never be printed for this registry: SAS tokens, connection strings, account keys.
 * Actions pass them to `core.setSecret`.
 */
export function registrySecrets(uri: string | undefined, opts: LocationOptions = {}): string[] {
  const env = opts.env ?? process.env;
  let loc: RegistryLocation;
  try {
    loc = parseRegistryUri(uri, opts);
  } catch {
    const q = (uri ?? "").indexOf("?");
    return q >= 0 ? [(uri ?? "").slice(q + 1)] : [];
  }
  if (loc.kind === "file") return [];
  const out: string[] = [];
  if (loc.sas) out.push(loc.sas, ...(new URLSearchParams(loc.sas).getAll("sig") ?? []));
  const cs = connectionStringFor(loc.account, env);
  if (cs) {
    out.push(cs);
    for (const m of cs.matchAll(/(?:AccountKey|SharedAccessSignature)=([^;]+)/gi)) if (m[1]) out.push(m[1]);
  }
  if (env.AZURE_STORAGE_SAS_TOKEN) out.push(env.AZURE_STORAGE_SAS_TOKEN);
  if (env.AZURE_STORAGE_KEY) out.push(env.AZURE_STORAGE_KEY);
  return out.filter((s) => s.length >= 6);
}

/**
 * Build the store for a location. Azure stores are opened on first use (connection string per account or
 * general, SAS, account key, then identity), so an action on a file registry never loads the Azure SDK.
 */
export function openStore(uri: string | undefined, opts: LocationOptions = {}): BlobStore {
  const loc = parseRegistryUri(uri, opts);
  if (loc.kind === "file") return new FileStore(loc.dir);
  const env = opts.env ?? process.env;
  return new LazyAzureStore(displayLocation(loc), () =>
    import("./azure-open").then((m) =>
      m.openAzureStore(loc, {
        connectionString: connectionStringFor(loc.account, env),
        sasToken: loc.sas ?? env.AZURE_STORAGE_SAS_TOKEN?.replace(/^\?/, ""),
        accountKey: env.AZURE_STORAGE_KEY,
        credential: opts.credential ?? lazyDefaultCredential(),
        timeoutMs: opts.timeoutMs,
        what: opts.what ?? "registry",
      }),
    ),
  );
}

function redact(text: string): string {
  const q = text.indexOf("?");
  return q < 0 ? text : `${text.slice(0, q)}?<redacted>`;
}
