import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
function cancellationSignal(signals=["SIGINT","SIGTERM"]){let controller=new AbortController,on=s=>{controller.signal.aborted||controller.abort(new CancelledError(s))};for(let s of signals)process.on(s,on);return{signal:controller.signal,dispose:()=>{for(let s of signals)process.off(s,on)}}}var CancelledError=class extends Error{constructor(signalName){super(`cancelled (${signalName})`);this.signalName=signalName}signalName;name="CancelledError"};export{cancellationSignal};
