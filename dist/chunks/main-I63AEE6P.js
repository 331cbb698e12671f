import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-JX7XSYWF.js";import"./chunk-6K3ZL6HM.js";import"./chunk-3ZQ4KW3K.js";import"./chunk-YING5K4P.js";import"./chunk-CP3N7AVU.js";import"./chunk-PBJSJI5Y.js";import"./chunk-BLQX6YVX.js";import"./chunk-QHEKJZZT.js";import"./chunk-ZY63Y4KL.js";import"./chunk-5366XWBW.js";import"./chunk-UQDJOELD.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-VR2LC7WP.js";import"./chunk-WOLZS6II.js";import"./chunk-3Q6OZGRV.js";import"./chunk-6CUG2M2M.js";import"./chunk-63TPE7S4.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
