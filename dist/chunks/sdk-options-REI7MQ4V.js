import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{credentialOptions,storageOptions}from"./chunk-FJYGYBTN.js";import"./chunk-L5YWMLHF.js";import"./chunk-W7PEYX4N.js";import"./chunk-2LQNAG57.js";import"./chunk-S3GO6OFL.js";import"./chunk-PF3IZH5T.js";export{credentialOptions,storageOptions};
