import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{AliasEventSchema,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,formatModelRef,hashFile,openRegistry,parseModelRef}from"./chunk-FGNO6YUS.js";import{BlobNotFoundError,displayLocation,openStore,parseRegistryUri,registrySecrets}from"./chunk-BTU2GSFE.js";import"./chunk-JUZ25CJB.js";import"./chunk-6CUG2M2M.js";import"./chunk-6QZO2PBU.js";import"./chunk-JV5QIRNQ.js";import"./chunk-VAIDHA7J.js";import"./chunk-PI2ZI5QB.js";import"./chunk-W7PEYX4N.js";import"./chunk-2LQNAG57.js";import"./chunk-PF3IZH5T.js";export{AliasEventSchema,BlobNotFoundError,HashingStream,ModelCardSchema,Registry,assertAlias,assertModelName,displayLocation,formatModelRef,hashFile,openRegistry,openStore,parseModelRef,parseRegistryUri,registrySecrets};
