// The tenant-wide views: alerts (key expiry ahead, access lost, locked environments, key versions
// still needed), the audit log of admin calls (with the filters GET /api/audit takes), and the
// tenant's licences (the subscriptions that entitle it to customer-managed keys).
import { value, UsageError } from "./args";
import { show, type Command } from "./command";
import { columns } from "./format";

export const TENANT_COMMANDS: Command[] = [
  {
    words: ["alerts"], api: "listAlerts", params: [], role: "Keys.Admin",
    summary: "Alerts, newest first: keys expiring, access lost, environments locked (too long), key versions still needed.",
    async run(ctx) {
      const body = (await ctx.client.request("Keys.Admin", "GET", "alerts")).body;
      return show(ctx, body, () => body.value.length === 0 ? "No alerts." : columns(["RAISED", "SEVERITY", "KIND", "POLICY", "ENVIRONMENT", "DUE", "MESSAGE"],
        body.value.map((a: any) => [a.raisedAt, a.severity, a.kind, a.policy, a.environmentId, a.dueAt, a.message])));
    },
  },
  {
    words: ["audit"], api: "getAudit", params: [], role: "Keys.Admin", required: [],
    options: { top: "at most this many entries, 1 to 1000 (default 100)", since: "only entries at or after this ISO 8601 date and time", caller: "only this caller's calls (an object id)" },
    summary: "The audit log of admin calls, newest first: when, who, what, target, result.",
    async run(ctx) {
      const query = new URLSearchParams();
      for (const name of ["top", "since", "caller"]) {
        const v = value(ctx.args, name);
        if (v !== undefined) query.set(name, v);
      }
      const body = (await ctx.client.request("Keys.Admin", "GET", `audit${query.size ? `?${query}` : ""}`)).body;
      return show(ctx, body, () => columns(["AT", "CALLER", "ROLES", "OPERATION", "METHOD", "TARGET", "STATUS", "RESULT"],
        body.value.map((a: any) => [a.at, a.callerOid, (a.callerRoles ?? []).join(","), a.operation, a.method, a.target, a.status, a.errorCode ? `${a.result} (${a.errorCode})` : a.result])));
    },
  },
  {
    words: ["licenses", "show"], api: "getTenantLicenses", params: [], role: "Platform.Admin",
    summary: "The tenant's subscriptions and whether they entitle it to customer-managed keys.",
    async run(ctx) {
      const body = (await ctx.client.request("Platform.Admin", "GET", "tenant/licenses")).body;
      return show(ctx, body, () => [
        `subscriptions: ${body.subscriptions.length ? body.subscriptions.join(", ") : "-"}`,
        `entitled to customer-managed keys: ${body.entitledToCustomerManagedKey ? `yes (${body.entitlingSubscriptions.join(", ")})` : "no"}`,
        `updated: ${body.updatedAt ?? "-"}`,
      ].join("\n"));
    },
  },
  {
    words: ["licenses", "set"], api: "putTenantLicenses", params: ["<subscription...>"], role: "Platform.Admin",
    summary: "Record the tenant's subscriptions (replacing the list), e.g. keyward licenses set \"Microsoft 365 E5\".",
    async run(ctx, subscriptions) {
      if (subscriptions.some((s) => !s.trim())) throw new UsageError("a subscription name cannot be empty");
      const body = (await ctx.client.request("Platform.Admin", "PUT", "tenant/licenses", { subscriptions })).body;
      if (!body.entitledToCustomerManagedKey) {
        ctx.note("None of these entitles the tenant to customer-managed keys: adding environments to a policy will be refused (LicenseRequired). " +
          "The reference's subscriptions are Microsoft 365 / Office 365 A5, E5 or G5, and the Microsoft 365 A5/E5/F5/G5 Compliance, Information Protection and Governance, Insider Risk Management and F5 Security & Compliance add-ons.");
      }
      return show(ctx, body, () => `Recorded ${body.subscriptions.length} subscription(s); entitled to customer-managed keys: ${body.entitledToCustomerManagedKey ? `yes (${body.entitlingSubscriptions.join(", ")})` : "no"}.`);
    },
  },
];

