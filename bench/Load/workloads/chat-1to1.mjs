// chat-1to1: every user sends to random contacts in the organization at a set total rate
// (`--rate`), or as fast as acknowledgements come back (`--rate=0`: saturation, closed loop).
import { chatDefaults, runChat } from "../lib/chat.mjs";

export const description = "1-1 messages between random contacts at a set rate (--rate=0: saturation)";
export const defaults = { ...chatDefaults };
export const smoke = { users: 6, contacts: 3, rate: 30, duration: 3, warmup: 0, drainTimeout: 10, workers: 2 };
export const run = (ctx, params, log) => runChat(ctx, params, log);
