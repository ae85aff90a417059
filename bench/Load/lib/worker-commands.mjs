// The main thread's commands to a workload's worker thread: `start` (no answer), `stop` and `close` (answered with
// what the handler resolves to). A handler's failure is posted as `failed`, which fails the run.
import { parentPort } from "node:worker_threads";

export function serveCommands({ start, stop, close }) {
  parentPort.on("message", (command) => {
    const reply = command.type === "start" ? (start(command), undefined)
      : command.type === "stop" ? stop()
        : command.type === "close" ? close()
          : Promise.reject(new Error(`unknown command ${command.type}`));
    reply?.then((m) => parentPort.postMessage(m), (e) => parentPort.postMessage({ type: "failed", error: String(e?.stack ?? e) }));
  });
}
