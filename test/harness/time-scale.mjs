// Preloaded (node --import) into an action run by the end-to-end tests that talk to the Azure stand-ins:
// timers of a second or more run MLOPS_TEST_TIME_SCALE times faster, so a Retry-After of 10 s is honoured
// as 10 ms. Shorter timers (sockets, the server's own bookkeeping) keep their real length.
const scale = Number(process.env.MLOPS_TEST_TIME_SCALE) || 1;
const original = globalThis.setTimeout;
globalThis.setTimeout = function scaledSetTimeout(fn, ms, ...args) {
  const wait = typeof ms === "number" && ms >= 1000 ? ms / scale : ms;
  return original.call(this, fn, wait, ...args);
};
