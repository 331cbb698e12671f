import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-TTYCPE2Q.js";import"../chunks/chunk-E2KKM5S6.js";import"../chunks/chunk-QZBKBZYR.js";import"../chunks/chunk-6K3ZL6HM.js";import"../chunks/chunk-OHXSLT5X.js";import"../chunks/chunk-7ZMYAI2E.js";import"../chunks/chunk-GUDXTFZF.js";import"../chunks/chunk-YING5K4P.js";import"../chunks/chunk-557A7WJO.js";import"../chunks/chunk-PBJSJI5Y.js";import"../chunks/chunk-BLQX6YVX.js";import"../chunks/chunk-3K4BZQX6.js";import"../chunks/chunk-OXP5QJNS.js";import"../chunks/chunk-5366XWBW.js";import"../chunks/chunk-O65Y2Y3Y.js";import{runOnRunner}from"../chunks/chunk-RP5SQ2RX.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-WOLZS6II.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
