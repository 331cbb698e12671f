import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{AliasEventSchema,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,formatModelRef,hashFile,openRegistry,parseModelRef}from"./chunk-6KDLPWI3.js";import{BlobNotFoundError,displayLocation,openStore,parseRegistryUri,registrySecrets}from"./chunk-GRC3P4YH.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-JUZ25CJB.js";import"./chunk-6CUG2M2M.js";import"./chunk-PI2ZI5QB.js";import"./chunk-W7PEYX4N.js";import"./chunk-PF3IZH5T.js";export{AliasEventSchema,BlobNotFoundError,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,displayLocation,formatModelRef,hashFile,openRegistry,openStore,parseModelRef,parseRegistryUri,registrySecrets};
