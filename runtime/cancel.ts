/**
 * The workflow was cancelled: the runner sends SIGINT, then SIGTERM about 7.5 s later, then kills
 * (https://docs.github.com/actions/reference/workflows-and-actions/workflow-cancellation). Actions that
 * start work elsewhere (an Azure ML job, a traffic shift) take this signal to stop or undo that work
 * in the time left. A second signal while the first is handled does not end the process early.
 */
export function cancellationSignal(signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const on = (s: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(new CancelledError(s));
  };
  for (const s of signals) process.on(s, on);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) process.off(s, on);
    },
  };
}

export class CancelledError extends Error {
  override readonly name = "CancelledError";
  constructor(readonly signalName: string) {
    super(`cancelled (${signalName})`);
  }
}
