// One simulated device: a hub connection opened with the official @microsoft/signalr client, over
// WebSockets as the client SDKs do, with the bearer token from sign-in.
import * as signalR from "@microsoft/signalr";

/** Events every device listens to (and any other event a handler is given for); handlers not given are dropped. */
export const hubEvents = ["message", "conversation:change", "message:read"];

/**
 * Opens a connection and resolves when the handshake is done. `handlers` maps event names to
 * functions; `onClose(error)` runs when the connection ends without stop() having been called.
 * With a `cursor` (the last one the device got) the server first replays what the device missed,
 * then sends `messages:offline:stop`.
 */
export async function openHub(url, token, handlers = {}, onClose, cursor) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/chat${cursor == null ? "" : `?cursor=${cursor}`}`, {
      accessTokenFactory: () => token,
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
    })
    .configureLogging(signalR.LogLevel.None)
    .build();
  for (const name of new Set([...hubEvents, ...Object.keys(handlers)])) connection.on(name, handlers[name] ?? noop);
  const device = { connection, stopping: false, closedWith: undefined };
  connection.onclose((error) => {
    device.closedWith = error ?? null;
    if (!device.stopping && onClose) onClose(error);
  });
  await connection.start();
  return device;
}

export async function closeHub(device) {
  if (!device) return;
  device.stopping = true;
  await device.connection.stop();
}

export const isConnected = (device) => device?.connection.state === signalR.HubConnectionState.Connected;

const noop = () => {};
