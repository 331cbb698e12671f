import { describe, expect, it } from "vitest";
import { LazyAzureStore } from "./lazy-azure-store";
import { openStore } from "./registry-location";

describe("Azure registry stores open on first use", () => {
  it("openStore returns at once without touching the Azure SDK; opening errors surface on the first operation", async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: "AccountName=acct;AccountKey=not;BlobEndpoint=::not a url::" };
    const store = openStore("https://acct.blob.core.windows.net/models/prod", { env });
    expect(store).toBeInstanceOf(LazyAzureStore);
    expect(store.kind).toBe("azure");
    expect(store.location).toBe("https://acct.blob.core.windows.net/models/prod");
    await expect(store.readText("models/x/latest.json")).rejects.toThrow(
      /registry: the Azure connection string is malformed \(got a value of \d+ characters\)/,
    );
  });

  it("opens the real store once, however many operations start together", async () => {
    let opened = 0;
    const real = { readText: async (k: string) => `text of ${k}`, exists: async () => true };
    const store = new LazyAzureStore("https://acct.blob.core.windows.net/c", async () => {
      opened++;
      return real as never;
    });
    const got = await Promise.all([store.readText("a"), store.readText("b"), store.exists("c")]);
    expect(got).toEqual(["text of a", "text of b", true]);
    expect(opened).toBe(1);
  });
});
