// Enterprise policies, with the reference's two tabs: All policies, and Environments with
// policies. A key vault administrator also creates policies here.
import { useState } from "react";
import { Button, Tab, TabList, Title1 } from "@fluentui/react-components";
import { useConsole } from "../context";
import { isKeysAdmin } from "../auth/session";
import { navigate, paths } from "../router";
import { AllPoliciesTab } from "./AllPoliciesTab";
import { EnvironmentsWithPoliciesTab } from "./EnvironmentsWithPoliciesTab";
import { CreatePolicyPanel } from "./CreatePolicyPanel";

export function PoliciesPage() {
  const { session } = useConsole();
  const tab = new URLSearchParams(location.search).get("tab") === "environments" ? "environments" : "all";
  const [creating, setCreating] = useState(false);
  return (
    <>
      <div className="page-title">
        <Title1 as="h1">Enterprise policies</Title1>
        {isKeysAdmin(session) ? <Button appearance="primary" onClick={() => setCreating(true)} aria-expanded={creating}>Create policy</Button> : null}
      </div>
      {creating ? <CreatePolicyPanel onClose={() => setCreating(false)} /> : null}
      <TabList selectedValue={tab} onTabSelect={(_, d) => navigate(d.value === "environments" ? paths.environmentsWithPolicies() : paths.policies())} aria-label="Enterprise policies views">
        <Tab value="all">All policies</Tab>
        <Tab value="environments">Environments with policies</Tab>
      </TabList>
      <div className="tab-panel" role="tabpanel" aria-label={tab === "all" ? "All policies" : "Environments with policies"}>
        {tab === "all" ? <AllPoliciesTab /> : <EnvironmentsWithPoliciesTab />}
      </div>
    </>
  );
}
