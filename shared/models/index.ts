export {
  displayModelSpec,
  type ModelSource,
  modelSecrets,
  modelUriOf,
  openRegistryFor,
  parseModelSpec,
  referenceIn,
  type ResolvedModel,
  type ResolveOptions,
  resolveModel,
} from "./resolve-model";
