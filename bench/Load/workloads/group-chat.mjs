// group-chat: groups of 50 members, every member connected and sending to its group at a set total
// rate (`--rate`), or as fast as acknowledgements come back (`--rate=0`: saturation).
import { groupDefaults, runGroups } from "../lib/groups.mjs";

export const description = "groups of --members, every member connected and sending to its group (--rate=0: saturation)";
export const defaults = { ...groupDefaults };
export const smoke = { groups: 2, members: 4, senders: 4, rate: 20, duration: 3, warmup: 0, drainTimeout: 10 };
export const run = (ctx, params, log) => runGroups(ctx, params, log);
