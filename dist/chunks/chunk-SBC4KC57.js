import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{findOnnxRuntime,unsupportedPlatformMessage}from"./chunk-OBASIJTY.js";import{UserError}from"./chunk-W7PEYX4N.js";import{createRequire}from"node:module";function loadOnnxRuntime(){let dir=findOnnxRuntime(import.meta.url);if(!dir)throw new UserError(unsupportedPlatformMessage(process.platform,process.arch,"cli"));return createRequire(import.meta.url)(dir)}var ort=loadOnnxRuntime(),registerBackend=ort.registerBackend,env=ort.env,InferenceSession=ort.InferenceSession,Tensor=ort.Tensor,TRACE=ort.TRACE,TRACE_FUNC_BEGIN=ort.TRACE_FUNC_BEGIN,TRACE_FUNC_END=ort.TRACE_FUNC_END,TRACE_EVENT_BEGIN=ort.TRACE_EVENT_BEGIN,TRACE_EVENT_END=ort.TRACE_EVENT_END,listSupportedBackends=ort.listSupportedBackends,onnxruntime_node_default=ort;export{registerBackend,env,InferenceSession,Tensor,TRACE,TRACE_FUNC_BEGIN,TRACE_FUNC_END,TRACE_EVENT_BEGIN,TRACE_EVENT_END,listSupportedBackends,onnxruntime_node_default};
