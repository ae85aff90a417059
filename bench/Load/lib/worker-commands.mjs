// The main thread's commands to a workload's worker thread: `start` (no answer), `stop`, `close` and any other
// command the worker serves (answered with what the handler resolves to). A handler's failure is posted as
// `failed`, which fails the run.
import { parentPort } from "node:worker_threads";

export function serveCommands(handlers) {
  parentPort.on("message", (command) => {
    const handler = Object.hasOwn(handlers, command.type) ? handlers[command.type] : undefined;
    const reply = !handler ? Promise.reject(new Error(`unknown command ${command.type}`))
      : command.type === "start" ? (handler(command), undefined)
        : Promise.resolve().then(() => handler(command));
    reply?.then((m) => parentPort.postMessage(m), (e) => parentPort.postMessage({ type: "failed", error: String(e?.stack ?? e) }));
  });
}
