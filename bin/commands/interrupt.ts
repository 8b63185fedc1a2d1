/** Ctrl-C and SIGTERM abort the work once; everything started is then stopped and reported. */
export function abortOnSignals(): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${signal} again: still stopping processes and writing the report…\n`);
      return;
    }
    process.stderr.write(`\n${signal}: stopping…\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}
