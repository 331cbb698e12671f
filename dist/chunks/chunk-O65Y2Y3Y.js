import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
function lazyDefaultCredential(){let inner;return{async getToken(scopes,options){return inner??=import("./esm-7LW6D2YM.js").then(m=>new m.DefaultAzureCredential),(await inner).getToken(scopes,options)}}}export{lazyDefaultCredential};
