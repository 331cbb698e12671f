import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
function lazyDefaultCredential(){let inner;return{async getToken(scopes,options){return inner??=Promise.all([import("./esm-BLUE2RB5.js"),import("./sdk-options-REI7MQ4V.js")]).then(([m,o])=>new m.DefaultAzureCredential(o.credentialOptions())),(await inner).getToken(scopes,options)}}}export{lazyDefaultCredential};
