// Offline sync through the real server with the official SignalR client: a device that reconnects with the last
// cursor it got (`/hubs/chat?cursor=`) gets what it missed once, then `messages:offline:stop`, then live events once;
// also through the client's automatic reconnect, with the cursor set in `onreconnecting`.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as signalR from "@microsoft/signalr";
import { dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const feedEvents = ["message", "conversation:change", "message:read", "message:delivered", "message:updated", "message:recalled", "message:deleted"];

/**
 * A device that keeps every event with its cursor and the last cursor it got (null cursors ignored). `hubUrl()` is
 * where it connects: with `?cursor=` once it has one. `token()` may wait (it is asked again on every reconnect).
 */
function device(url, token, { reconnect } = {}) {
  const d = { events: [], cursor: null, waiters: [] };
  d.hubUrl = () => `${url}/hubs/chat${d.cursor == null ? "" : `?cursor=${d.cursor}`}`;
  let builder = new signalR.HubConnectionBuilder()
    .withUrl(d.hubUrl(), { accessTokenFactory: token, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None);
  if (reconnect) builder = builder.withAutomaticReconnect(reconnect);
  d.connection = builder.build();
  const record = (name) => (data, cursor) => {
    d.events.push({ name, data, cursor });
    if (name === "messages:offline:stop") d.cursor = data.cursor;
    else if (cursor != null) d.cursor = cursor;
    for (const w of [...d.waiters]) if (w.name === name && w.match(data)) { d.waiters.splice(d.waiters.indexOf(w), 1); w.ok(data); }
  };
  for (const name of [...feedEvents, "messages:offline:stop"]) d.connection.on(name, record(name));
  d.next = (name, match = () => true, timeoutMs = 10_000) => {
    const past = d.events.find((e) => e.name === name && match(e.data));
    if (past) return Promise.resolve(past.data);
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no '${name}' event within ${timeoutMs} ms`)), timeoutMs);
      d.waiters.push({ name, match, ok: (x) => { clearTimeout(timer); ok(x); } });
    });
  };
  /** A place in the events; `since(mark)` is every event from it on. */
  d.mark = () => d.events.length;
  d.since = (mark) => d.events.slice(mark);
  return d;
}

const bodiesOf = (events) => events.filter((e) => e.name === "message").map((e) => e.data.body);

/** Every cursor above the one before it, the stop's at least the last event's. */
function assertCursorsIncrease(events, from) {
  let last = from;
  for (const e of events) {
    const cursor = e.name === "messages:offline:stop" ? e.data.cursor : e.cursor;
    if (cursor == null) continue;
    if (e.name === "messages:offline:stop") assert.ok(cursor >= last, `offline:stop cursor ${cursor} below ${last}`);
    else assert.ok(cursor > last, `${e.name} cursor ${cursor} not above ${last}`);
    last = cursor;
  }
}

test("a device that reconnects with its cursor gets what it missed once, then offline:stop, then live events once", async () => {
  const dataDir = dataDirectory();
  const server = await start(dataDir);
  try {
    const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
    const send = async (body) => (await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: bob.id, body, clientMessageId: `k-${body}` })).body;

    const bobHub = device(server.url, () => bob.token);
    await bobHub.connection.start();
    await bobHub.connection.invoke("ListConversations", orgId, null);
    await send("one");
    await bobHub.next("message", (m) => m.body === "one");
    const cursor = bobHub.events.find((e) => e.name === "message").cursor;
    assert.equal(typeof cursor, "number");
    await bobHub.next("conversation:change");
    const before = bobHub.cursor;
    await bobHub.connection.stop();

    const two = await send("two");
    const three = await send("three");
    const four = await send("four");
    await alice.api.post(`/v1/conversations/${two.conversationId}/messages/${two.sortNumber}/recall`);

    // The same client, reconnected at the URL with its cursor.
    const mark = bobHub.mark();
    bobHub.connection.baseUrl = bobHub.hubUrl();
    await bobHub.connection.start();
    const stop = await bobHub.next("messages:offline:stop");
    const replay = bobHub.since(mark);
    const stopAt = replay.findIndex((e) => e.name === "messages:offline:stop");
    const replayed = replay.slice(0, stopAt);

    // Exactly the three missed messages, once each, in order; the recalled one as its tombstone.
    const messages = replayed.filter((e) => e.name === "message").map((e) => e.data);
    assert.deepEqual(messages.map((m) => m.sortNumber), [two.sortNumber, three.sortNumber, four.sortNumber]);
    assert.equal(messages[0].body, "");
    assert.equal(messages[0].recalled?.byUserId, alice.id);
    assert.deepEqual(messages.slice(1).map((m) => m.body), ["three", "four"]);
    assert.ok(replayed.every((e) => e.cursor > before), "nothing at or before the cursor it came with");
    assertCursorsIncrease(replayed, before);
    assert.equal(stop.snapshotRequired, false);
    assert.equal(stop.replayed, replayed.length);
    assert.equal(stop.cursor, Math.max(...replayed.map((e) => e.cursor)));

    // Then live, once.
    await send("five");
    await bobHub.next("message", (m) => m.body === "five");
    await new Promise((r) => setTimeout(r, 500));
    const after = bobHub.since(mark);
    assert.deepEqual(bodiesOf(after), ["", "three", "four", "five"]);
    assertCursorsIncrease(after, before);

    // The other organization's user and a reconnect with a cursor from the future get none of it.
    const { users: { eve } } = await provision(server.url, ["eve"]);
    const eveHub = device(server.url, () => eve.token);
    eveHub.cursor = stop.cursor;
    eveHub.connection.baseUrl = eveHub.hubUrl();
    await eveHub.connection.start();
    const eveStop = await eveHub.next("messages:offline:stop");
    assert.equal(eveStop.replayed, 0);
    assert.deepEqual(eveHub.events.filter((e) => e.name === "message"), []);
    await eveHub.connection.stop();
    await bobHub.connection.stop();
  } finally {
    await server.stop();
    removeDataDirectory(dataDir);
  }
});

test("the client's automatic reconnect resumes from the cursor set in onreconnecting, across a server restart", { timeout: 120_000 }, async () => {
  const dataDir = dataDirectory();
  let server = await start(dataDir);
  const port = server.port;
  try {
    const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
    const send = async (body) => (await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: bob.id, body, clientMessageId: `k-${body}` })).body;

    // Reconnect attempts wait for the gate (the token factory is asked on every attempt), so that what bob misses is
    // sent before he is back.
    let gate = Promise.resolve();
    let open;
    const bobHub = device(server.url, async () => { await gate; return bob.token; }, { reconnect: { nextRetryDelayInMilliseconds: () => 300 } });
    bobHub.connection.onreconnecting(() => { bobHub.connection.baseUrl = bobHub.hubUrl(); });
    await bobHub.connection.start();
    await bobHub.connection.invoke("ListConversations", orgId, null);
    await send("one");
    await bobHub.next("message", (m) => m.body === "one");
    await bobHub.next("conversation:change");
    const before = bobHub.cursor;

    // The server goes away (a graceful stop: the feed is stored) and comes back on the same port and store.
    gate = new Promise((r) => { open = r; });
    const reconnected = new Promise((r) => bobHub.connection.onreconnected(r));
    const mark = bobHub.mark();
    await server.stop();
    server = await start(dataDir, { port });
    await send("two");
    await send("three");
    open();
    await reconnected;
    const stop = await bobHub.next("messages:offline:stop");
    assert.equal(stop.snapshotRequired, false);
    await send("four");
    await bobHub.next("message", (m) => m.body === "four");
    await new Promise((r) => setTimeout(r, 500));

    const after = bobHub.since(mark);
    const stopAt = after.findIndex((e) => e.name === "messages:offline:stop");
    assert.deepEqual(bodiesOf(after.slice(0, stopAt)), ["two", "three"]);
    assert.deepEqual(bodiesOf(after.slice(stopAt)), ["four"]);
    assertCursorsIncrease(after, before);
    await bobHub.connection.stop();
  } finally {
    await server.stop();
    removeDataDirectory(dataDir);
  }
});
