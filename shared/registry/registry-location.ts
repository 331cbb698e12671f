import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type StoragePipelineOptions, StorageSharedKeyCredential } from "@azure/storage-blob";
import { lazyDefaultCredential } from "../azure/credential";
import { shown, UserError } from "../errors";
import type { AzureAuth } from "./azure-store";
import { AzureStore } from "./azure-store";
import type { BlobStore } from "./blob-store";
import { FileStore } from "./file-store";

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

const CONTAINER = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

/**
 * Parse a registry URI: a directory path, file://..., https://<account>.blob.core.windows.net/<container>/<prefix>,
 * a path-style endpoint such as Azurite's http://127.0.0.1:10000/<account>/<container>/<prefix>, or
 * azblob://<account>/<container>/<prefix>. Empty means `.mlops/registry` in the workspace.
 */
export function parseRegistryUri(uri: string | undefined, opts: LocationOptions = {}): RegistryLocation {
  const env = opts.env ?? process.env;
  const what = opts.what ?? "registry";
  const workspace = opts.workspace ?? env.GITHUB_WORKSPACE ?? process.cwd();
  const text = (uri ?? "").trim();
  if (!text) return { kind: "file", dir: resolve(workspace, ".mlops/registry") };
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

/** Build the store for a location: connection string (per account or general), SAS, account key, then identity. */
export function openStore(uri: string | undefined, opts: LocationOptions = {}): BlobStore {
  const env = opts.env ?? process.env;
  const loc = parseRegistryUri(uri, opts);
  if (loc.kind === "file") return new FileStore(loc.dir);
  const location = displayLocation(loc);
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      maxTries: 3,
      retryDelayInMs: 200,
      maxRetryDelayInMs: 2_000,
    },
    keepAliveOptions: { enable: true },
  };
  const serviceUrl = loc.serviceUrl ?? `https://${loc.account}.blob.core.windows.net`;
  let service: BlobServiceClient;
  let auth: AzureAuth;
  const cs = connectionStringFor(loc.account, env);
  const sas = loc.sas ?? env.AZURE_STORAGE_SAS_TOKEN?.replace(/^\?/, "");
  if (cs) {
    try {
      service = BlobServiceClient.fromConnectionString(cs, pipeline);
    } catch (e) {
      throw new UserError(
        `${opts.what ?? "registry"}: the Azure connection string is malformed (got a value of ${cs.length} characters). Copy it again from the storage account's Access keys page.`,
        { cause: e },
      );
    }
    const key = /(?:^|;)\s*AccountKey=([^;]+)/i.exec(cs)?.[1];
    const name = /(?:^|;)\s*AccountName=([^;]+)/i.exec(cs)?.[1] ?? loc.account;
    auth = key ? { kind: "shared-key", credential: new StorageSharedKeyCredential(name, key) } : { kind: "sas" };
  } else if (sas) {
    service = new BlobServiceClient(`${serviceUrl}?${sas}`, undefined, pipeline);
    auth = { kind: "sas" };
  } else if (env.AZURE_STORAGE_KEY) {
    const credential = new StorageSharedKeyCredential(loc.account, env.AZURE_STORAGE_KEY);
    service = new BlobServiceClient(serviceUrl, credential, pipeline);
    auth = { kind: "shared-key", credential };
  } else {
    const credential = opts.credential ?? lazyDefaultCredential();
    service = new BlobServiceClient(serviceUrl, credential, pipeline);
    auth = { kind: "token" };
  }
  return new AzureStore(location, service, service.getContainerClient(loc.container), loc.prefix, auth, opts.timeoutMs);
}

function redact(text: string): string {
  const q = text.indexOf("?");
  return q < 0 ? text : `${text.slice(0, q)}?<redacted>`;
}
