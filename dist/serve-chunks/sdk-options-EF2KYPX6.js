import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{credentialOptions,storageOptions}from"./chunk-E7SXKQRT.js";import"./chunk-7ING4VFT.js";import"./chunk-3WAO4U4N.js";import"./chunk-NPUP262M.js";import"./chunk-RLHMBC6C.js";export{credentialOptions,storageOptions};
