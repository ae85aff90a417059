// A group of three on separate devices, through the real server with the official @microsoft/signalr client: messages,
// membership changes and read receipts arrive live on every member's device.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

const events = ["message", "conversation:change", "message:read", "group:membership:change"];
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

test("a group of three sees its messages, membership changes and read receipts live", async () => {
  const { orgId, users: { owner, ann, ben, cat } } = await provision(server.url, ["owner", "ann", "ben", "cat"]);
  const hubs = {
    owner: await connect(server.url, owner.token, events),
    ann: await connect(server.url, ann.token, events),
    ben: await connect(server.url, ben.token, events),
  };
  try {
    const { group, firstMessage } = await hubs.owner.connection.invoke("CreateGroup", orgId, {
      name: "Launch", memberIds: [ann.id, ben.id], firstMessage: { body: "welcome", clientMessageId: "w-1" },
    });
    assert.equal(firstMessage.sortNumber, 2);
    for (const name of ["ann", "ben"]) {
      const added = await hubs[name].next("group:membership:change", (m) => m.conversationId === group.id);
      assert.deepEqual([added.membership.action, added.membership.userIds], ["add", [owner.id, ann.id, ben.id]]);
      await hubs[name].next("message", (m) => m.id === firstMessage.id);
    }

    // A member sends over the hub to the group's conversation id: the others get it live, the sender's device does not.
    const fromAnn = await hubs.ann.connection.invoke("SendToConversation", group.id, { body: "hi all", clientMessageId: "a-1" });
    for (const name of ["owner", "ben"]) await hubs[name].next("message", (m) => m.id === fromAnn.id, 2_000);
    assert.ok(!hubs.ann.received.some((e) => e.name === "message" && e.payload.id === fromAnn.id), "no echo to the sending device");
    const benEntry = await hubs.ben.next("conversation:change", (c) => c.conversation.id === group.id && c.conversation.lastSortNumber === fromAnn.sortNumber);
    assert.deepEqual([benEntry.conversation.kind, benEntry.conversation.name, benEntry.conversation.unreadCount], ["group", "Launch", 2]);

    // Ben reads: the others get his receipt; once everyone but the owner has read, the owner sees it as the floor.
    await hubs.ben.connection.invoke("MarkRead", group.id, fromAnn.sortNumber);
    for (const name of ["owner", "ann"]) {
      const read = await hubs[name].next("message:read", (r) => r.conversationId === group.id && r.readerId === ben.id, 2_000);
      assert.equal(read.sortNumber, fromAnn.sortNumber);
    }
    await hubs.ann.connection.invoke("MarkRead", group.id, fromAnn.sortNumber);
    await hubs.owner.next("conversation:change", (c) => c.conversation.id === group.id && c.conversation.counterpartyReadSortNumber === fromAnn.sortNumber, 2_000);

    // Cat is added over REST; everyone, Cat included once connected, sees the change in the timeline.
    const catHub = await connect(server.url, cat.token, events);
    hubs.cat = catHub;
    const [, groupId] = group.id.split(":");
    const added = await owner.api.post(`/v1/organizations/${orgId}/groups/${groupId}/members`, { userIds: [cat.id] });
    assert.equal(added.status, 200);
    for (const name of ["owner", "ann", "ben", "cat"]) {
      const change = await hubs[name].next("group:membership:change", (m) => m.conversationId === group.id && m.membership.userIds.includes(cat.id), 2_000);
      assert.equal(change.membership.action, "add");
    }

    // Ben leaves: the rest see it, and Ben gets nothing after his own leave.
    await hubs.ben.connection.invoke("RemoveGroupMember", group.id, ben.id);
    for (const name of ["owner", "ann", "cat"]) {
      await hubs[name].next("group:membership:change", (m) => m.membership.action === "leave" && m.senderId === ben.id, 2_000);
    }
    const afterLeave = await hubs.cat.connection.invoke("SendToConversation", group.id, { body: "bye ben", clientMessageId: "c-1" });
    await hubs.owner.next("message", (m) => m.id === afterLeave.id, 2_000);
    assert.ok(!hubs.ben.received.some((e) => e.name === "message" && e.payload.id === afterLeave.id), "a member who left gets nothing after");
    const benHistory = (await ben.api.get(`/v1/conversations/${group.id}/messages?order=oldest&limit=200`)).body;
    assert.equal(benHistory.at(-1).membership.action, "leave");
  } finally {
    for (const hub of Object.values(hubs)) await hub.stop();
  }
});
