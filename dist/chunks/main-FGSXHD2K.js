import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-TTDFLJES.js";import"./chunk-6K3ZL6HM.js";import"./chunk-GUDXTFZF.js";import"./chunk-YING5K4P.js";import"./chunk-557A7WJO.js";import"./chunk-PBJSJI5Y.js";import"./chunk-BLQX6YVX.js";import"./chunk-3K4BZQX6.js";import"./chunk-OXP5QJNS.js";import"./chunk-5366XWBW.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-VR2LC7WP.js";import"./chunk-WOLZS6II.js";import"./chunk-3Q6OZGRV.js";import"./chunk-6CUG2M2M.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
