/** Live performance of a deployed model: captured predictions joined with later labels, per plant and window. */
export {
  type JoinedFormat,
  type LivePerformanceOptions,
  type LivePerformanceResult,
  type LiveTask,
  livePerformance,
  parseDuration,
  type WindowPerformance,
} from "./live-performance";
export { type PerformanceStepOptions, type PerformanceStepResult, runMonitorPerformance } from "./performance-step";
