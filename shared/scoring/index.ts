export { buildFeeds, bindingTensor, FeedBuffers, type NanPolicy } from "./feeds";
export { type ModelScorer, openModelScorer } from "./model-scorer";
export { checkTask, chooseOutput, inferTask, type OutputChoice } from "./outputs";
