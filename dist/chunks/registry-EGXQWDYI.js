import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{AliasEventSchema,HashingStream,ModelCardSchema,Registry,formatModelRef,hashFile,openRegistry,parseModelRef}from"./chunk-WQVLUDQI.js";import{BlobNotFoundError,displayLocation,openStore,parseRegistryUri,registrySecrets}from"./chunk-VQ4KHYSL.js";import"./chunk-6CUG2M2M.js";import"./chunk-CQLDGY76.js";import"./chunk-U6OQLC4X.js";import"./chunk-VAIDHA7J.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-2LQNAG57.js";import"./chunk-PF3IZH5T.js";export{AliasEventSchema,BlobNotFoundError,HashingStream,ModelCardSchema,Registry,displayLocation,formatModelRef,hashFile,openRegistry,openStore,parseModelRef,parseRegistryUri,registrySecrets};
