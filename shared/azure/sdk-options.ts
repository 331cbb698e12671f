import type { DefaultAzureCredentialOptions } from "@azure/identity";
import type { StoragePipelineOptions } from "@azure/storage-blob";
import { outboundAgent } from "../net";

/*
 * Options for every Azure SDK client (storage, identity): the suite's outbound agent, so the SDK follows
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY by the same rule as every other client here. Given an agent, the SDK
 * skips its own proxy policy, which reads the same variables with other rules (one proxy for all schemes,
 * NO_PROXY names matched exactly or by a leading dot only). Storage's options type does not declare
 * `agent`, but its pipeline passes every option on to the core pipeline, which honours it.
 */

export function storageOptions(options: StoragePipelineOptions = {}): StoragePipelineOptions {
  return { ...options, agent: outboundAgent() } as StoragePipelineOptions;
}

export function credentialOptions(options: DefaultAzureCredentialOptions = {}): DefaultAzureCredentialOptions {
  return { ...options, agent: outboundAgent() };
}
