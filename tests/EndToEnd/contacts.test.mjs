// Two users become contacts through the real server with the official @microsoft/signalr client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const contactEvents = ["contact:requested", "contact:confirmed", "contact:rejected", "contact:removed"];

let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  server = await start(dataDir);
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("request, the other side hears it, confirm, both list each other, remove", async () => {
  const { users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const aliceHub = await connect(server.url, alice.token, contactEvents);
  const bobHub = await connect(server.url, bob.token, contactEvents);
  try {
    // A hub call is answered once the connection's events are subscribed.
    await aliceHub.connection.invoke("ListContacts", null);
    await bobHub.connection.invoke("ListContacts", null);

    const requested = await aliceHub.connection.invoke("RequestContact", bob.id);
    assert.equal(requested.contactId, bob.id);
    assert.equal(requested.state, "requestedByMe");

    const heard = await bobHub.next("contact:requested", (c) => c.contactId === alice.id);
    assert.deepEqual(
      { userId: heard.userId, state: heard.state, actorId: heard.actorId },
      { userId: bob.id, state: "requestedByThem", actorId: alice.id });

    const confirmed = await bobHub.connection.invoke("ConfirmContact", alice.id);
    assert.equal(confirmed.state, "confirmed");
    const aliceHeard = await aliceHub.next("contact:confirmed", (c) => c.contactId === bob.id);
    assert.equal(aliceHeard.actorId, bob.id);

    const aliceList = await aliceHub.connection.invoke("ListContacts", null);
    assert.deepEqual(aliceList.map((c) => [c.contactId, c.state, c.profile.id]), [[bob.id, "confirmed", bob.id]]);
    const bobList = (await bob.api.get("/v1/me/contacts?state=confirmed")).body;
    assert.deepEqual(bobList.map((c) => [c.contactId, c.state, c.profile.displayName]), [[alice.id, "confirmed", "alice"]]);

    await aliceHub.connection.invoke("RemoveContact", bob.id);
    const removed = await bobHub.next("contact:removed", (c) => c.contactId === alice.id);
    assert.deepEqual({ state: removed.state, actorId: removed.actorId }, { state: null, actorId: alice.id });
    assert.deepEqual((await bob.api.get("/v1/me/contacts")).body, []);
    assert.deepEqual(await aliceHub.connection.invoke("ListContacts", null), []);
  } finally {
    await aliceHub.stop();
    await bobHub.stop();
  }
});

test("a user of another organization cannot be asked: the same not-found as a missing user", async () => {
  const { users: { alice } } = await provision(server.url, ["alice"]);
  const { users: { stranger } } = await provision(server.url, ["stranger"]);
  const refusal = async (id) => {
    const error = await alice.api.put(`/v1/me/contacts/${id}`).then(() => null, (e) => e);
    assert.equal(error?.status, 404);
    return error.problem;
  };
  const hidden = await refusal(stranger.id);
  const missing = await refusal(`ghost-${Date.now()}`);
  assert.equal(hidden.code, "not-found");
  assert.equal(hidden.detail, missing.detail);
  assert.deepEqual((await stranger.api.get("/v1/me/contacts")).body, []);
});
