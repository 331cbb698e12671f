/**
 * Opening an Azure Blob registry store: loaded only when a registry on Azure is first used, because it
 * brings in the Azure Storage SDK (about 1 MB of JavaScript).
 */
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type StoragePipelineOptions, StorageSharedKeyCredential } from "@azure/storage-blob";
import { storageOptions } from "../azure/sdk-options";
import { UserError } from "../errors";
import { type AzureAuth, AzureStore } from "./azure-store";
import { displayLocation, type RegistryLocation } from "./registry-location";

export interface AzureOpenOptions {
  connectionString?: string;
  sasToken?: string;
  accountKey?: string;
  credential: TokenCredential;
  timeoutMs?: number;
  what: string;
}

/** Connection string (per account or general), SAS, account key, then identity: the first that is given. */
export function openAzureStore(loc: Extract<RegistryLocation, { kind: "azure" }>, o: AzureOpenOptions): AzureStore {
  const pipeline: StoragePipelineOptions = storageOptions({
    retryOptions: {
      maxTries: 3,
      retryDelayInMs: 200,
      maxRetryDelayInMs: 2_000,
    },
    keepAliveOptions: { enable: true },
  });
  const serviceUrl = loc.serviceUrl ?? `https://${loc.account}.blob.core.windows.net`;
  let service: BlobServiceClient;
  let auth: AzureAuth;
  const cs = o.connectionString;
  if (cs) {
    try {
      service = BlobServiceClient.fromConnectionString(cs, pipeline);
    } catch (e) {
      throw new UserError(
        `${o.what}: the Azure connection string is malformed (got a value of ${cs.length} characters). Copy it again from the storage account's Access keys page.`,
        { cause: e },
      );
    }
    const key = /(?:^|;)\s*AccountKey=([^;]+)/i.exec(cs)?.[1];
    const name = /(?:^|;)\s*AccountName=([^;]+)/i.exec(cs)?.[1] ?? loc.account;
    auth = key ? { kind: "shared-key", credential: new StorageSharedKeyCredential(name, key) } : { kind: "sas" };
  } else if (o.sasToken) {
    service = new BlobServiceClient(`${serviceUrl}?${o.sasToken}`, undefined, pipeline);
    auth = { kind: "sas" };
  } else if (o.accountKey) {
    const credential = new StorageSharedKeyCredential(loc.account, o.accountKey);
    service = new BlobServiceClient(serviceUrl, credential, pipeline);
    auth = { kind: "shared-key", credential };
  } else {
    service = new BlobServiceClient(serviceUrl, o.credential, pipeline);
    auth = { kind: "token" };
  }
  return new AzureStore(
    displayLocation(loc),
    service,
    service.getContainerClient(loc.container),
    loc.prefix,
    auth,
    o.timeoutMs,
  );
}
