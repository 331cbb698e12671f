// Azure: the credential every Azure client signs in with. The Resource Manager client (arm.ts) is used by
// the Azure ML area and the use cases inside shared/.
export { lazyDefaultCredential } from "./credential";
