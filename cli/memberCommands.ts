// `environments members add|remove|list`: who may use an environment's data. A platform admin
// grants Read or ReadWrite; the data API answers 403 to anyone else.
import { value, UsageError } from "./args";
import type { Command } from "./command";
import { columns } from "./format";
import { EXIT } from "./command";

const e = encodeURIComponent;

export const MEMBER_COMMANDS: Command[] = [
  {
    words: ["environments", "members", "add"], api: "putEnvironmentMember", params: ["<id>", "<objectId>"], role: "Platform.Admin",
    options: { access: "Read or ReadWrite (default ReadWrite)" },
    summary: "Let a principal (its Entra object id) use the environment's data, or change its access.",
    async run(ctx, [id, objectId]) {
      const access = value(ctx.args, "access") ?? "ReadWrite";
      if (access !== "Read" && access !== "ReadWrite") throw new UsageError("--access must be Read or ReadWrite");
      const body = (await ctx.client.request("Platform.Admin", "PUT", `environments/${e(id)}/members/${e(objectId)}`, { access })).body;
      ctx.print(ctx.json ? JSON.stringify(body, null, 2) : `${objectId} may now use environment ${id}'s data (${body.access}).`);
      return EXIT.ok;
    },
  },
  {
    words: ["environments", "members", "remove"], api: "deleteEnvironmentMember", params: ["<id>", "<objectId>"], role: "Platform.Admin",
    summary: "Take a principal's access to the environment's data away.",
    async run(ctx, [id, objectId]) {
      await ctx.client.request("Platform.Admin", "DELETE", `environments/${e(id)}/members/${e(objectId)}`);
      ctx.print(ctx.json ? JSON.stringify({ environmentId: id, objectId, removed: true }, null, 2) : `${objectId} no longer reaches environment ${id}'s data.`);
      return EXIT.ok;
    },
  },
  {
    words: ["environments", "members", "list"], api: "listEnvironmentMembers", params: ["<id>"], role: "Platform.Admin",
    summary: "The principals that may use the environment's data, with their access.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "GET", `environments/${e(id)}/members`)).body;
      ctx.print(ctx.json ? JSON.stringify(body, null, 2)
        : columns(["OBJECT ID", "ACCESS", "GRANTED BY", "GRANTED AT"], body.value.map((m: any) => [m.objectId, m.access, m.grantedBy, m.grantedAt])));
      return EXIT.ok;
    },
  },
];
