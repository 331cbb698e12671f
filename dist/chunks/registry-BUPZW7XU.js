import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{AliasEventSchema,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,formatModelRef,hashFile,openRegistry,parseModelRef}from"./chunk-OU5T6H6D.js";import"./chunk-UQDJOELD.js";import"./chunk-6CUG2M2M.js";import{BlobNotFoundError,DEFAULT_REGISTRY,displayLocation,openStore,parseRegistryUri,registrySecrets}from"./chunk-6JJMPNIF.js";import"./chunk-JUZ25CJB.js";import"./chunk-OWGMS73H.js";import"./chunk-KWAZAHWH.js";import"./chunk-PI2ZI5QB.js";import"./chunk-L5YWMLHF.js";import"./chunk-W7PEYX4N.js";import"./chunk-2LQNAG57.js";import"./chunk-S3GO6OFL.js";import"./chunk-PF3IZH5T.js";export{AliasEventSchema,BlobNotFoundError,DEFAULT_REGISTRY,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,displayLocation,formatModelRef,hashFile,openRegistry,openStore,parseModelRef,parseRegistryUri,registrySecrets};
