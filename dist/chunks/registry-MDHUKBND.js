import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{AliasEventSchema,HashingStream,ModelCardSchema,Registry,formatModelRef,hashFile,openRegistry,parseModelRef}from"./chunk-ERA4GUMF.js";import{BlobNotFoundError,displayLocation,openStore,parseRegistryUri,registrySecrets}from"./chunk-WT4Z4HR3.js";import"./chunk-UQDJOELD.js";import"./chunk-6CUG2M2M.js";import"./chunk-V7KL2H4I.js";import"./chunk-ZJYLMAUO.js";import"./chunk-PI2ZI5QB.js";import"./chunk-W7DAD5SN.js";import"./chunk-ULLSPTIG.js";import"./chunk-2LQNAG57.js";import"./chunk-S3GO6OFL.js";import"./chunk-PF3IZH5T.js";export{AliasEventSchema,BlobNotFoundError,HashingStream,ModelCardSchema,Registry,displayLocation,formatModelRef,hashFile,openRegistry,openStore,parseModelRef,parseRegistryUri,registrySecrets};
