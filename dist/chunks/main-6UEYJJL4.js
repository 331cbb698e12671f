import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-GTSIJDJK.js";import"./chunk-AQMWOECN.js";import"./chunk-DYWE33UQ.js";import"./chunk-E2KKM5S6.js";import"./chunk-5GMQKR4B.js";import"./chunk-FTOXZLSA.js";import"./chunk-ZGSQOITX.js";import"./chunk-6K3ZL6HM.js";import"./chunk-MSBHNOXE.js";import"./chunk-YING5K4P.js";import"./chunk-DXGM7P4G.js";import"./chunk-PBJSJI5Y.js";import"./chunk-HUWKY52R.js";import"./chunk-7CWMUGVJ.js";import"./chunk-6KDLPWI3.js";import"./chunk-GRC3P4YH.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-JUZ25CJB.js";import"./chunk-VR2LC7WP.js";import"./chunk-ULXIIYLV.js";import"./chunk-RW4WUUR2.js";import"./chunk-3Q6OZGRV.js";import"./chunk-6CUG2M2M.js";import"./chunk-PI2ZI5QB.js";import"./chunk-W7PEYX4N.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
