import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { blobServiceUrl, downloadPrefix } from "./datastore";

describe("datastore", () => {
  it("refuses a blob name that would leave the download folder, before writing anything", async () => {
    // Blob names are free text; '..' segments survive a listing. No request reaches a download.
    const container = {
      async *listBlobsFlat() {
        yield { name: "out/../../evil.sh" };
      },
      getBlobClient() {
        throw new Error("must not download");
      },
    } as unknown as ContainerClient;
    const dir = mkdtempSync(join(tmpdir(), "ds-dl-"));
    await expect(downloadPrefix(container, "out", dir)).rejects.toThrow(
      /datastore: a blob name leaves the download folder \(got "out\/\.\.\/\.\.\/evil\.sh"\)\. Write the job's outputs without '\.\.'/,
    );
    expect(existsSync(join(dir, "..", "evil.sh"))).toBe(false);
  });

  it("builds account URLs for Azure clouds and path-style URLs for an emulator on this machine", () => {
    const d = (endpoint: string, protocol = "https") => ({
      name: "x",
      properties: { accountName: "acct", endpoint, protocol },
    });
    expect(blobServiceUrl(d("core.windows.net"))).toBe("https://acct.blob.core.windows.net");
    expect(blobServiceUrl(d("core.chinacloudapi.cn"))).toBe("https://acct.blob.core.chinacloudapi.cn");
    expect(blobServiceUrl(d("127.0.0.1:10000", "http"))).toBe("http://127.0.0.1:10000/acct");
  });
});
