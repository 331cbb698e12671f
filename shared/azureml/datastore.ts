/**
 * A workspace's Azure Blob datastore: find it (the default one unless named), get a container client
 * with the datastore's own credentials (account key or SAS via listSecrets) or the caller's identity,
 * upload a directory under a prefix and download a prefix to a directory.
 *
 * Shapes: Datastores_Get / Datastores_List (isDefault) / Datastores_ListSecrets, api-version 2024-10-01
 * (azure-rest-api-specs, machinelearningservices stable/2024-10-01/examples/Datastore/get.json and listSecrets.json).
 */
import { createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { TokenCredential } from "@azure/identity";
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { type ArmClient, isLoopback } from "../azure/arm";
import { storageOptions } from "../azure/sdk-options";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { mapBounded } from "../map-bounded";

export interface DatastoreRecord {
  id?: string;
  name: string;
  properties: {
    datastoreType?: string;
    isDefault?: boolean;
    accountName?: string;
    containerName?: string;
    /** Storage endpoint suffix, e.g. core.windows.net. */
    endpoint?: string;
    protocol?: string;
    credentials?: { credentialsType?: string };
  };
}

export interface OpenedDatastore {
  record: DatastoreRecord;
  container: ContainerClient;
  /** The account key or SAS read from listSecrets: callers mask it. */
  secret?: string;
}

/** Find a datastore by name, or the workspace's default datastore when `name` is empty. */
export async function getDatastore(arm: ArmClient, workspacePath: string, name?: string): Promise<DatastoreRecord> {
  if (name) {
    const r = await arm.getIfExists<DatastoreRecord>(`${workspacePath}/datastores/${encodeURIComponent(name)}`);
    if (!r)
      throw new UserError(
        `datastore: no datastore ${shown(name)} in the workspace (got 404). Use the name shown by az ml datastore list, or leave it empty for the default datastore.`,
      );
    return r;
  }
  const list = await arm.get<{ value?: DatastoreRecord[] }>(`${workspacePath}/datastores`, {
    query: { isDefault: "true" },
  });
  // Only the datastore flagged as default: picking another one silently would upload code and read models elsewhere.
  const found = (list.value ?? []).find((d) => d.properties?.isDefault === true);
  if (!found)
    throw new UserError(
      `datastore: the workspace has no default datastore (got ${list.value?.length ?? 0} datastore(s), none marked default). Check the workspace's datastores in Azure ML studio: a workspace is created with workspaceblobstore as its default.`,
    );
  return found;
}

/** https://<account>.blob.<suffix>, or path-style http(s)://<host:port>/<account> for an emulator on this machine. */
export function blobServiceUrl(d: DatastoreRecord): string {
  const p = d.properties;
  const protocol = (p.protocol || "https").replace(/:$/, "");
  const suffix = (p.endpoint || "core.windows.net").replace(/^\.+|\/+$/g, "");
  const host = suffix.replace(/:\d+$/, "");
  if (isLoopback(host)) return `${protocol}://${suffix}/${p.accountName}`;
  return `${protocol}://${p.accountName}.blob.${suffix}`;
}

/** Open the datastore's container with the datastore's credentials, or with `credential` for identity-based access. */
export async function openDatastore(
  arm: ArmClient,
  workspacePath: string,
  record: DatastoreRecord,
  credential: TokenCredential,
): Promise<OpenedDatastore> {
  const p = record.properties;
  if (p.datastoreType && p.datastoreType !== "AzureBlob")
    throw new UserError(
      `datastore: ${shown(record.name)} is a ${p.datastoreType} datastore (got ${shown(p.datastoreType)}). Use an Azure Blob datastore, such as workspaceblobstore.`,
    );
  if (!p.accountName || !p.containerName)
    throw new UserError(
      `datastore: ${shown(record.name)} has no storage account or container (got ${shown({ account: p.accountName, container: p.containerName })}). Check the datastore in Azure ML Studio.`,
    );
  const url = blobServiceUrl(record);
  const type = p.credentials?.credentialsType ?? "None";
  let service: BlobServiceClient;
  let secret: string | undefined;
  if (type === "AccountKey" || type === "Sas") {
    const s = await arm.request<{ secretsType?: string; key?: string; sasToken?: string }>(
      "POST",
      `${workspacePath}/datastores/${encodeURIComponent(record.name)}/listSecrets`,
    );
    if (s.body?.secretsType === "AccountKey" && s.body.key) {
      secret = s.body.key;
      service = new BlobServiceClient(url, new StorageSharedKeyCredential(p.accountName, s.body.key), storageOptions());
    } else if (s.body?.secretsType === "Sas" && s.body.sasToken) {
      secret = s.body.sasToken.replace(/^\?/, "");
      service = new BlobServiceClient(`${url}?${secret}`, new AnonymousCredential(), storageOptions());
    } else {
      throw new UserError(
        `datastore: listSecrets for ${shown(record.name)} returned no usable secret (got secretsType ${shown(s.body?.secretsType)}). Give the identity the "AzureML Data Scientist" role, or use an identity-based datastore.`,
      );
    }
  } else {
    // Identity-based datastore: the caller's own token must have Storage Blob Data Contributor on the account.
    service = new BlobServiceClient(url, credential, storageOptions());
  }
  return { record, container: service.getContainerClient(p.containerName), secret };
}

/** Every file under `dir` (relative '/'-separated paths), skipping `.git` and anything `skip` rejects. */
export async function listFiles(dir: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      const rel = relative(dir, abs).split(sep).join("/");
      if (e.name === ".git" || skip(rel)) continue;
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) out.push(rel);
    }
  }
  await walk(dir);
  return out.sort();
}

/** Upload every file under `dir` to `<prefix>/<relative path>`. Returns the number of files and bytes. */
export async function uploadDirectory(
  container: ContainerClient,
  dir: string,
  prefix: string,
  opts: { skip?: (rel: string) => boolean; logger?: Logger; concurrency?: number } = {},
): Promise<{ files: number; bytes: number }> {
  const files = await listFiles(dir, opts.skip);
  let bytes = 0;
  // No upload is still running when the caller sees an error.
  await mapBounded(files, opts.concurrency ?? 8, async (rel) => {
    const abs = join(dir, ...rel.split("/"));
    const { size } = await stat(abs);
    bytes += size;
    await container.getBlockBlobClient(joinKey(prefix, rel)).uploadFile(abs);
  });
  opts.logger?.debug(`uploaded ${files.length} file(s), ${bytes} bytes to ${container.containerName}/${prefix}`);
  return { files: files.length, bytes };
}

/** Download every blob under `prefix/` into `dir`, keeping relative paths. Returns the relative paths. */
export async function downloadPrefix(container: ContainerClient, prefix: string, dir: string): Promise<string[]> {
  const base = prefix.replace(/\/+$/, "");
  const got: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: base ? `${base}/` : "" })) {
    const rel = base ? b.name.slice(base.length + 1) : b.name;
    if (!rel || rel.endsWith("/")) continue;
    const target = resolve(dir, ...rel.split("/"));
    if (!target.startsWith(resolve(dir) + sep))
      throw new UserError(
        `datastore: a blob name leaves the download folder (got ${shown(b.name)}). Write the job's outputs without '..' in their paths.`,
      );
    await mkdir(dirname(target), { recursive: true });
    const res = await container.getBlobClient(b.name).download();
    if (!res.readableStreamBody) throw new Error(`datastore: empty download body for ${b.name}`);
    await pipeline(res.readableStreamBody, createWriteStream(target));
    got.push(rel);
  }
  return got.sort();
}

export function joinKey(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ""))
    .filter(Boolean)
    .join("/");
}

/** `azureml://datastores/<name>/paths/<path>` → its parts (undefined when the URI is not of that form). */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const m =
    /^azureml:\/\/(?:subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.*)$/i.exec(
      uri.trim(),
    );
  return m?.[1] === undefined ? undefined : { datastore: m[1], path: (m[2] ?? "").replace(/\/+$/, "") };
}

export function datastoreUri(datastore: string, path: string): string {
  return `azureml://datastores/${datastore}/paths/${joinKey(path)}/`;
}
