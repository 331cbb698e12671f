import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-WYPM4GPB.js";import"./chunk-A64G3XDF.js";import"./chunk-QMYHASYZ.js";import"./chunk-7DHZ4FKD.js";import"./chunk-RRN25X3L.js";import"./chunk-FOZJA23P.js";import"./chunk-47MNQTGP.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-JUZ25CJB.js";import"./chunk-ULXIIYLV.js";import"./chunk-VR2LC7WP.js";import"./chunk-6CUG2M2M.js";import"./chunk-EYLD66SN.js";import"./chunk-3Q6OZGRV.js";import"./chunk-PI2ZI5QB.js";import"./chunk-W7PEYX4N.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
