import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
var UserError=class extends Error{constructor(message,options={}){super(message,options.cause===void 0?void 0:{cause:options.cause});this.options=options}options;name="UserError";get code(){return this.options.code}},ConflictError=class extends UserError{constructor(message,options={}){super(message,{...options,code:"conflict"})}};function isUserError(e){return e instanceof UserError||e instanceof Error&&e.name==="UserError"}function shown(value,max=80){let s=typeof value=="string"?JSON.stringify(value):JSON.stringify(value)??String(value);return s.length>max?`${s.slice(0,max-1)}\u2026`:s}export{UserError,ConflictError,isUserError,shown};
