import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{INLINE_ELEMENTS,offloadLargeRequests,runInferenceWorker}from"./chunk-62XUW65Z.js";import"./chunk-EKKBTXP5.js";import"./chunk-ZJFJA3XU.js";import"./chunk-3WAO4U4N.js";import"./chunk-RLHMBC6C.js";export{INLINE_ELEMENTS,offloadLargeRequests,runInferenceWorker};
