// offline-sync: one user with `--conversations` 1-1 conversations (one peer each) is away while its
// peers send `--per-conversation` messages each, then reconnects with the feed cursor it had. Measured:
// the time from opening the connection to `messages:offline:stop`, the bytes the server sent on that
// connection until then, and the events. Every message must be replayed exactly once.
//
// The reconnecting device is a raw WebSocket client (the `ws` package the official client uses in Node)
// speaking SignalR's JSON protocol, so that its TCP socket's `bytesRead` is exactly what the server sent:
// the HTTP upgrade response, WebSocket frame headers and the JSON frames. The peers send over REST.
import WebSocket from "ws";
import { pool, provision, restClient } from "../lib/api.mjs";
import { ProcessSampler, round2 } from "../lib/proc.mjs";

export const description = "a user with N conversations reconnects with its cursor after its peers sent M messages: time and bytes to messages:offline:stop";
export const defaults = {
  conversations: 1000,  // peers, one 1-1 conversation each
  perConversation: 10,  // messages each peer sends while the user is away
  bodyBytes: 40,
  sendConcurrency: 32,  // REST sends under way at once
  settle: 2,            // seconds to let the feed's appends finish before reconnecting
  timeout: 120,         // seconds to wait for messages:offline:stop
  provisionConcurrency: 32,
};
export const smoke = { conversations: 5, perConversation: 3, settle: 1, timeout: 30 };

const RS = "\x1e";

export async function run(ctx, p, log) {
  log(`provisioning 1 user and ${p.conversations} peers`);
  const { orgId, users, timing } = await provision(ctx.url, ctx.adminKey, p.conversations + 1, { concurrency: p.provisionConcurrency });
  const [me, ...peers] = users;

  // Connected once, from no change (cursor 0): the feed is empty, the cursor to keep comes with messages:offline:stop.
  const first = await replay(ctx.url, me.token, 0, p.timeout);
  first.ws.close();
  log(`away with cursor ${first.stop.cursor}; ${p.conversations} peers send ${p.perConversation} messages each`);

  const body = "x".repeat(Math.max(1, p.bodyBytes));
  const sendStarted = performance.now();
  await pool(peers.length, p.sendConcurrency, async (i) => {
    const client = restClient(ctx.url, { token: peers[i].token });
    for (let k = 0; k < p.perConversation; k++) {
      await client.post("/v1/messages", { organizationId: orgId, recipientId: me.id, body, clientMessageId: `${i}.${k}` });
    }
  });
  const sendSeconds = round2((performance.now() - sendStarted) / 1000);
  await new Promise((r) => setTimeout(r, p.settle * 1000));

  log("reconnecting with the cursor");
  const sampler = new ProcessSampler(ctx.serverPid).start();
  const again = await replay(ctx.url, me.token, first.stop.cursor, p.timeout);
  sampler.stop();
  again.ws.close();

  const expected = peers.length * p.perConversation;
  const seen = new Map(); // clientMessageId -> times replayed
  for (const m of again.messages) seen.set(m.clientMessageId, (seen.get(m.clientMessageId) ?? 0) + 1);
  const duplicated = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  const lost = expected - seen.size;
  const server = sampler.window(again.openedAt, again.stoppedAt);
  return {
    params: p,
    orgId,
    provisioning: timing,
    sending: { messages: expected, seconds: sendSeconds },
    offlineSync: {
      cursorFrom: first.stop.cursor,
      cursorTo: again.stop.cursor,
      snapshotRequired: again.stop.snapshotRequired,
      replayedReported: again.stop.replayed,
      secondsToOfflineStop: round2((again.stoppedAt - again.openedAt) / 1000),
      secondsToFirstEvent: again.firstEventAt == null ? null : round2((again.firstEventAt - again.openedAt) / 1000),
      bytesReceived: again.bytes,
      bytesPerMessage: Math.round(again.bytes / Math.max(1, expected)),
      jsonBytes: again.jsonBytes,
      events: again.events,
      eventsByName: again.eventsByName,
      cursorNotIncreasing: again.cursorNotIncreasing,
    },
    verification: { expected, replayed: seen.size, lost, duplicated },
    server: { cpuCores: server.cpuCores, rssMaxMB: server.rssMaxBytes == null ? null : Math.round(server.rssMaxBytes / 104857.6) / 10 },
    ok: lost === 0 && duplicated === 0 && !again.stop.snapshotRequired && again.cursorNotIncreasing === 0 && again.stop.replayed === again.events,
  };
}

/**
 * Opens /hubs/chat?cursor= with a raw WebSocket, does the SignalR JSON handshake, and resolves at
 * messages:offline:stop with what came before it: events by name, the messages, bytes read from the socket.
 */
function replay(url, token, cursor, timeoutSeconds) {
  return new Promise((resolve, reject) => {
    const openedAt = performance.now();
    const target = `${url.replace(/^http/, "ws")}/hubs/chat?cursor=${cursor}&access_token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(target, { perMessageDeflate: false });
    const result = { ws, openedAt, events: 0, eventsByName: {}, messages: [], jsonBytes: 0, cursorNotIncreasing: 0, firstEventAt: null };
    let last = cursor;
    let buffered = "";
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no messages:offline:stop in ${timeoutSeconds} s`)); }, timeoutSeconds * 1000);
    // The server closes a connection it has not heard from in 30 s (its client timeout).
    const ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(`{"type":6}${RS}`), 10_000);
    const done = (error) => { clearTimeout(timer); clearInterval(ping); if (error) reject(error); };
    ws.on("open", () => ws.send(`{"protocol":"json","version":1}${RS}`));
    ws.on("error", (e) => done(e));
    ws.on("close", () => done(new Error("the server closed the connection before messages:offline:stop")));
    ws.on("message", (data) => {
      const text = data.toString("utf8");
      result.jsonBytes += Buffer.byteLength(text);
      buffered += text;
      let end;
      while ((end = buffered.indexOf(RS)) >= 0) {
        const frame = JSON.parse(buffered.slice(0, end) || "{}");
        buffered = buffered.slice(end + 1);
        if (frame.error) { done(new Error(`handshake: ${frame.error}`)); return; }
        if (frame.type !== 1) continue; // handshake answer, pings
        const [data0, eventCursor] = frame.arguments;
        if (frame.target === "messages:offline:stop") {
          result.stop = data0;
          result.stoppedAt = performance.now();
          result.bytes = ws._socket.bytesRead; // everything read so far, upgrade response included
          ws.removeAllListeners("close");
          done();
          resolve(result);
          return;
        }
        result.firstEventAt ??= performance.now();
        result.events++;
        result.eventsByName[frame.target] = (result.eventsByName[frame.target] ?? 0) + 1;
        if (frame.target === "message") result.messages.push(data0);
        if (eventCursor != null) {
          if (eventCursor <= last) result.cursorNotIncreasing++;
          else last = eventCursor;
        }
      }
    });
  });
}
