import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-SE6PU5WR.js";import"../chunks/chunk-E2KKM5S6.js";import"../chunks/chunk-6K3ZL6HM.js";import"../chunks/chunk-N3GNPKMC.js";import"../chunks/chunk-7ZMYAI2E.js";import"../chunks/chunk-3ZQ4KW3K.js";import"../chunks/chunk-YING5K4P.js";import"../chunks/chunk-CP3N7AVU.js";import"../chunks/chunk-PBJSJI5Y.js";import"../chunks/chunk-BLQX6YVX.js";import"../chunks/chunk-QHEKJZZT.js";import"../chunks/chunk-ZY63Y4KL.js";import"../chunks/chunk-5366XWBW.js";import"../chunks/chunk-UQDJOELD.js";import"../chunks/chunk-O65Y2Y3Y.js";import{runOnRunner}from"../chunks/chunk-PDKRTIZU.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-VLUWDGMH.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-WOLZS6II.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-63TPE7S4.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
