import type { Readable } from "node:stream";
import type { AzureStore } from "./azure-store";
import type { BlobStore } from "./blob-store";
import type { CardFile } from "./model-card";

/**
 * An Azure Blob store that loads the Azure SDK and opens the real store on its first operation. Errors
 * of opening (a malformed connection string) surface there, with the same messages.
 */
export class LazyAzureStore implements BlobStore {
  readonly kind = "azure" as const;
  private real: Promise<AzureStore> | undefined;

  constructor(
    readonly location: string,
    private readonly open: () => Promise<AzureStore>,
  ) {}

  /** The opened store (opened once). */
  resolve(): Promise<AzureStore> {
    this.real ??= this.open();
    return this.real;
  }

  async readText(key: string): Promise<string | undefined> {
    return (await this.resolve()).readText(key);
  }
  async writeText(key: string, text: string, mode: "create" | "overwrite"): Promise<boolean> {
    return (await this.resolve()).writeText(key, text, mode);
  }
  async writeBytes(key: string, body: Uint8Array, file: Pick<CardFile, "sha256" | "md5">): Promise<boolean> {
    return (await this.resolve()).writeBytes(key, body, file);
  }
  async exists(key: string): Promise<boolean> {
    return (await this.resolve()).exists(key);
  }
  async openRead(key: string, range?: { start: number; end: number }): Promise<Readable> {
    return (await this.resolve()).openRead(key, range);
  }
  async writeStream(key: string, body: Readable, file?: Pick<CardFile, "size" | "sha256" | "md5">): Promise<void> {
    return (await this.resolve()).writeStream(key, body, file);
  }
  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    return (await this.resolve()).list(prefix);
  }
  async listChildren(prefix: string): Promise<string[]> {
    return (await this.resolve()).listChildren(prefix);
  }
  async delete(key: string): Promise<void> {
    return (await this.resolve()).delete(key);
  }
  async serverCopy(from: BlobStore, fromKey: string, toKey: string, file: CardFile): Promise<boolean> {
    return (await this.resolve()).serverCopy(from, fromKey, toKey, file);
  }
  async properties(key: string): Promise<{ size: number; sha256?: string; copyStatus?: string } | undefined> {
    return (await this.resolve()).properties(key);
  }
}
