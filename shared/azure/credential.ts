import type { TokenCredential } from "@azure/identity";

/**
 * DefaultAzureCredential, loaded on first use so actions that never talk to Azure do not pay for
 * @azure/identity at start-up. In a workflow it picks up what azure/login (OIDC) left: the Azure CLI
 * session, or AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_FEDERATED_TOKEN_FILE. AZURE_TOKEN_CREDENTIALS
 * (e.g. AzureCliCredential) narrows the chain.
 */
export function lazyDefaultCredential(): TokenCredential {
  let inner: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      // sdk-options too: it brings the outbound HTTP agent (undici), which the parse worker never needs.
      inner ??= Promise.all([import("@azure/identity"), import("./sdk-options")]).then(
        ([m, o]) => new m.DefaultAzureCredential(o.credentialOptions()),
      );
      return (await inner).getToken(scopes, options);
    },
  };
}
