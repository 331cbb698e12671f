import type { Readable } from "node:stream";
import {
  BlobSASPermissions,
  type BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  RestError,
  type StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { UserError } from "../errors";
import { BlobNotFoundError, type BlobStore } from "./blob-store";
import { LazyAzureStore } from "./lazy-azure-store";
import type { CardFile } from "./model-card";

/** Copy Blob From URL (synchronous, verifiable with x-ms-source-content-md5) is limited to 256 MiB. */
const SYNC_COPY_LIMIT = 256 * 1024 * 1024;

export type AzureAuth =
  { kind: "shared-key"; credential: StorageSharedKeyCredential } | { kind: "sas" } | { kind: "token" };

/**
 * A registry in an Azure Blob container (or Azurite), under a prefix. Exclusive create is a Put Blob
 * with `If-None-Match: *`; server-side copies use Copy Blob From URL with the source's MD5, so the
 * service itself checks the bytes it copied.
 */
export class AzureStore implements BlobStore {
  readonly kind = "azure" as const;
  private containerReady: Promise<void> | undefined;

  constructor(
    readonly location: string,
    private readonly service: BlobServiceClient,
    readonly container: ContainerClient,
    private readonly prefix: string,
    readonly auth: AzureAuth,
    /** Bound on each small request (metadata, JSON blobs, listings), so a silent endpoint fails instead of hanging. */
    private readonly timeoutMs = 30_000,
  ) {}

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.timeoutMs);
  }

  private name(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private blob(key: string) {
    return this.container.getBlockBlobClient(this.name(key));
  }

  private async ensureContainer(): Promise<void> {
    this.containerReady ??= this.container
      .createIfNotExists({ abortSignal: this.signal() })
      .then(() => {})
      .catch(() => {
        // No permission to create containers (a container-scoped SAS): the write that follows reports it.
      });
    return this.containerReady;
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const buf = await this.blob(key).downloadToBuffer(0, undefined, { abortSignal: this.signal() });
      return buf.toString("utf8");
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw this.mapError(e, `read ${key}`);
    }
  }

  async writeText(key: string, text: string, mode: "create" | "overwrite"): Promise<boolean> {
    await this.ensureContainer();
    const body = Buffer.from(text);
    try {
      await this.blob(key).upload(body, body.length, {
        abortSignal: this.signal(),
        conditions: mode === "create" ? { ifNoneMatch: "*" } : undefined,
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return true;
    } catch (e) {
      if (mode === "create" && (isStatus(e, 409) || isStatus(e, 412))) return false;
      throw this.mapError(e, `write ${key}`);
    }
  }

  async writeBytes(key: string, body: Uint8Array, file: Pick<CardFile, "sha256" | "md5">): Promise<boolean> {
    await this.ensureContainer();
    try {
      await this.blob(key).upload(body, body.byteLength, {
        abortSignal: AbortSignal.timeout(Math.max(this.timeoutMs, 120_000)),
        conditions: { ifNoneMatch: "*" },
        metadata: { sha256: file.sha256 },
        blobHTTPHeaders: {
          blobContentMD5: Buffer.from(file.md5, "base64"),
          blobContentType: "application/octet-stream",
        },
      });
      return true;
    } catch (e) {
      if (isStatus(e, 409) || isStatus(e, 412)) return false;
      throw this.mapError(e, `write ${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return await this.blob(key).exists({ abortSignal: this.signal() });
    } catch (e) {
      throw this.mapError(e, `read ${key}`);
    }
  }

  async openRead(key: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const res = range
        ? await this.blob(key).download(range.start, Math.max(0, range.end - range.start), { maxRetryRequests: 5 })
        : await this.blob(key).download(0, undefined, { maxRetryRequests: 5 });
      const body = res.readableStreamBody;
      if (!body) throw new Error(`download of ${key} returned no body`);
      return body as Readable;
    } catch (e) {
      if (isStatus(e, 404)) throw new BlobNotFoundError(`${key} not found in ${this.location}`);
      throw this.mapError(e, `read ${key}`);
    }
  }

  async writeStream(key: string, body: Readable, file?: Pick<CardFile, "size" | "sha256" | "md5">): Promise<void> {
    await this.ensureContainer();
    try {
      await this.blob(key).uploadStream(body, 8 * 1024 * 1024, 4, {
        metadata: file ? { sha256: file.sha256 } : undefined,
        blobHTTPHeaders: file
          ? { blobContentMD5: Buffer.from(file.md5, "base64"), blobContentType: "application/octet-stream" }
          : undefined,
      });
    } catch (e) {
      throw this.mapError(e, `write ${key}`);
    }
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    try {
      for await (const b of this.container.listBlobsFlat({ prefix: this.name(prefix), abortSignal: this.signal() })) {
        out.push({ key: b.name.slice(strip), size: b.properties.contentLength ?? 0 });
      }
    } catch (e) {
      if (isStatus(e, 404)) return [];
      throw this.mapError(e, `list ${prefix}`);
    }
    return out;
  }

  async listChildren(prefix: string): Promise<string[]> {
    const full = this.name(prefix);
    const out: string[] = [];
    try {
      for await (const item of this.container.listBlobsByHierarchy("/", { prefix: full, abortSignal: this.signal() })) {
        if (item.kind === "prefix") out.push(item.name.slice(full.length).replace(/\/$/, ""));
      }
    } catch (e) {
      if (isStatus(e, 404)) return [];
      throw this.mapError(e, `list ${prefix}`);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await this.blob(key).deleteIfExists({ abortSignal: this.signal() });
    } catch (e) {
      throw this.mapError(e, `delete ${key}`);
    }
  }

  /** A URL the storage service can read the blob from (with a short-lived read SAS when needed). */
  async readableUrl(key: string): Promise<string | undefined> {
    const blob = this.blob(key);
    const expiresOn = new Date(Date.now() + 60 * 60 * 1000);
    if (this.auth.kind === "sas") return blob.url;
    if (this.auth.kind === "shared-key")
      return blob.generateSasUrl({ permissions: BlobSASPermissions.parse("r"), expiresOn });
    try {
      const startsOn = new Date(Date.now() - 5 * 60 * 1000);
      const key = await this.service.getUserDelegationKey(startsOn, expiresOn);
      const sas = generateBlobSASQueryParameters(
        {
          containerName: this.container.containerName,
          blobName: blob.name,
          permissions: BlobSASPermissions.parse("r"),
          startsOn,
          expiresOn,
        },
        key,
        this.service.accountName,
      );
      return `${blob.url}?${sas.toString()}`;
    } catch {
      return undefined;
    }
  }

  async serverCopy(source: BlobStore, fromKey: string, toKey: string, file: CardFile): Promise<boolean> {
    const from = source instanceof LazyAzureStore ? await source.resolve() : source;
    if (!(from instanceof AzureStore)) return false;
    const sourceUrl = await from.readableUrl(fromKey);
    if (!sourceUrl) return false;
    await this.ensureContainer();
    const target = this.blob(toKey);
    try {
      if (file.size <= SYNC_COPY_LIMIT) {
        await target.syncCopyFromURL(sourceUrl, {
          sourceContentMD5: new Uint8Array(Buffer.from(file.md5, "base64")),
          metadata: { sha256: file.sha256 },
        });
      } else {
        const poller = await target.beginCopyFromURL(sourceUrl, {
          metadata: { sha256: file.sha256 },
          intervalInMs: 500,
        });
        await poller.pollUntilDone();
      }
    } catch (e) {
      if (isStatus(e, 404)) throw new BlobNotFoundError(`${fromKey} not found in ${from.location}`);
      throw this.mapError(e, `copy ${fromKey} to ${toKey}`);
    }
    return true;
  }

  /** Size and the sha256 recorded in the blob's metadata (undefined when the blob is absent). */
  async properties(key: string): Promise<{ size: number; sha256?: string; copyStatus?: string } | undefined> {
    try {
      const p = await this.blob(key).getProperties({ abortSignal: this.signal() });
      return { size: p.contentLength ?? 0, sha256: p.metadata?.sha256, copyStatus: p.copyStatus };
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw this.mapError(e, `read ${key}`);
    }
  }

  /** Turn transport and permission failures into errors the user can act on. */
  mapError(e: unknown, op: string): Error {
    if (e instanceof UserError || e instanceof BlobNotFoundError) return e;
    const err = e as RestError & { code?: string };
    const status = err instanceof RestError ? err.statusCode : undefined;
    const code = (err as { details?: { errorCode?: string } }).details?.errorCode ?? err.code;
    if (status === 403 || status === 401)
      return new UserError(
        `registry ${this.location}: access denied while trying to ${op} (got ${status} ${code ?? ""}). Give the identity or SAS read, write, create and list permissions on the container.`.replace(
          " )",
          ")",
        ),
        { cause: e },
      );
    if (/^(CredentialUnavailableError|AuthenticationError|AggregateAuthenticationError)$/.test(err.name ?? ""))
      // Before the request left: no credential worked. Not an unreachable endpoint.
      return new UserError(
        `registry ${this.location}: no Azure credential could sign in to ${op} (got ${err.name}: ${String(err.message).split("\n")[0]}). In a workflow run azure/login with OIDC (permissions: id-token: write) before this step; on a laptop run az login; or set AZURE_STORAGE_CONNECTION_STRING.`,
        { cause: e },
      );
    if (
      status === undefined ||
      err.name === "AbortError" ||
      err.name === "TimeoutError" ||
      /timeout|ECONN|ENOTFOUND|EAI_AGAIN|socket/i.test(`${code} ${err.message}`)
    )
      return new UserError(
        `registry ${this.location}: storage endpoint unreachable while trying to ${op} (got ${err.name === "AbortError" || err.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : `${code ?? err.name}: ${String(err.message).split("\n")[0]}`}). Check the registry URL, the network and that the storage account exists.`,
        { cause: e },
      );
    return e instanceof Error ? e : new Error(String(e));
  }
}

function isStatus(e: unknown, status: number): boolean {
  return e instanceof RestError && e.statusCode === status;
}
