// Which machines the suite runs on, and which ONNX Runtime it loads there. No onnxruntime import here:
// the entries check the platform before anything loads it.
export {
  BUNDLED_PLATFORMS,
  bindingPath,
  findOnnxRuntime,
  locateOnnxRuntime,
  onnxRuntimeCandidates,
  unsupportedPlatformMessage,
} from "./onnxruntime-location";
