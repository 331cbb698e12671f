import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{CaptureFile,CaptureWriter,runCaptureWriter}from"./chunk-LS6WSOAU.js";import"./chunk-ZJFJA3XU.js";import"./chunk-3WAO4U4N.js";import"./chunk-RLHMBC6C.js";export{CaptureFile,CaptureWriter,runCaptureWriter};
