// Azure Machine Learning: what the adapters need to name a workspace and tell an Azure ML registry target
// from our own. The use cases (train, promote, deploy) drive the rest of this area themselves.
export { type AzureMLConnection, type WorkspaceRef, workspaceRef } from "./workspace";
export { isAzureMLRegistryUri, parseAzureMLModelTarget } from "./registry-uri";
