// One environment: its state (Locked shown loudly, with the reason and Unlock), key type and
// version, encryption status with the reference's explanation, the running operation's live
// progress, History, backups, members and change policy. Read again every second, so a lock
// shows within 2 s of the API answering 423.
import { useState } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Spinner, Title1 } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll, toFailure } from "../api/usePoll";
import { seg, type ApiFailure } from "../api/client";
import type { Environment, Operation } from "../api/types";
import { isPlatformAdmin } from "../auth/session";
import { ErrorBar } from "../components/ErrorBar";
import { StateBadge, StatusBadge } from "../components/StatusBadge";
import { ProgressCell } from "../components/ProgressCell";
import { AppLink, paths } from "../router";
import { KEY_TYPE_LABELS, MOVING, STATUS_EXPLANATIONS, keyVersionOf } from "../statusText";
import { HistorySection } from "./HistorySection";
import { BackupsSection } from "./BackupsSection";
import { MembersSection } from "./MembersSection";
import { ChangePolicySection } from "./ChangePolicySection";

export function EnvironmentPage({ id }: { id: string }) {
  const { api, session } = useConsole();
  const env = usePoll(() => api.get<Environment>(`environments/${seg(id)}`), 1000, `GET /api/environments/${id}`);
  const [unlockError, setUnlockError] = useState<ApiFailure>();
  const [unlocking, setUnlocking] = useState(false);

  if (env.loading) return <Spinner label="Loading the environment" />;
  if (!env.data) {
    return (
      <>
        <Title1 as="h1">Environment</Title1>
        <ErrorBar error={env.error} doing={`Reading environment ${id}`} />
        <p><AppLink to={paths.environments()}>Back to Environments</AppLink></p>
      </>
    );
  }
  const e = env.data;
  const enc = e.encryption;
  const platform = isPlatformAdmin(session);
  const unlock = async () => {
    setUnlocking(true);
    setUnlockError(undefined);
    try {
      await api.call("POST", `environments/${seg(e.id)}/unlock`);
      await env.reload();
    } catch (err) {
      setUnlockError(toFailure(err, "POST unlock"));
    } finally {
      setUnlocking(false);
    }
  };

  return (
    <>
      <p className="breadcrumb"><AppLink to={paths.environments()}>Environments</AppLink> / {e.id}</p>
      <div className="page-title">
        <Title1 as="h1">{e.displayName}</Title1>
        <StateBadge state={e.state} />
      </div>
      <ErrorBar error={env.error} doing={`Reading environment ${id}`} note="Read again every second." />
      {e.state === "Locked" ? (
        <MessageBar intent="error" layout="multiline" className="locked-banner" data-testid="locked-banner" role="alert">
          <MessageBarBody>
            <MessageBarTitle>Locked</MessageBarTitle>
            No one can read or write this environment's data (the data API answers 423 EnvironmentLocked).
            {" "}Reason: <strong data-testid="locked-reason">{enc.lockedReason ?? "access to the key was lost"}</strong>. Restore the key's access in the vault;
            keyward unlocks on its own when it sees the access back, or now with Unlock.
          </MessageBarBody>
          {platform ? <MessageBarActions><Button appearance="primary" onClick={unlock} disabled={unlocking}>Unlock</Button></MessageBarActions> : null}
        </MessageBar>
      ) : null}
      <ErrorBar error={unlockError} doing="Unlock" />

      <section aria-labelledby="encryption-heading" className="section">
        <h2 id="encryption-heading">Encryption</h2>
        <dl className="facts">
          <dt>State</dt><dd><StateBadge state={e.state} />{e.dataOperation ? <span className="muted"> ({e.dataOperation})</span> : null}</dd>
          <dt>Key type</dt><dd data-testid="key-type">{KEY_TYPE_LABELS[enc.keyType]}</dd>
          <dt>Enterprise policy</dt><dd>{enc.policy ? <AppLink to={paths.policy(enc.policy)}>{enc.policy}</AppLink> : "none"}</dd>
          <dt>Key version</dt><dd><code className="break">{keyVersionOf(enc.keyId)}</code></dd>
          <dt>Encryption status</dt>
          <dd><StatusBadge status={enc.status} /> <span data-testid="status-explanation">{STATUS_EXPLANATIONS[enc.status]}</span>{enc.warning ? <div>{enc.warning}</div> : null}</dd>
          <dt>Progress</dt><dd className="progress-dd"><ProgressCell progress={enc.progress} running={MOVING.includes(enc.status)} label="Encryption progress" /></dd>
          <dt>Region, type</dt><dd>{e.region}, {e.type}{e.managed ? ", Managed Environment" : ", not a Managed Environment"}</dd>
        </dl>
      </section>
      {enc.activeOperationId ? <RunningOperation operationId={enc.activeOperationId} /> : null}
      <HistorySection environmentId={e.id} running={!!enc.activeOperationId} />
      <BackupsSection environment={e} />
      <MembersSection environmentId={e.id} />
      {platform ? <ChangePolicySection environment={e} /> : null}
    </>
  );
}

/** The operation running on the environment, read every second: its current step and progress. */
function RunningOperation({ operationId }: { operationId: string }) {
  const { api } = useConsole();
  const op = usePoll(() => api.get<Operation>(`operations/${seg(operationId)}`), 1000, `GET /api/operations/${operationId}`);
  const current = op.data?.steps.filter((s) => s.status === "Running").pop() ?? op.data?.steps[op.data.steps.length - 1];
  return (
    <section aria-labelledby="running-heading" className="section" data-testid="running-operation">
      <h2 id="running-heading">Running: {op.data?.operation ?? "operation"}</h2>
      <ErrorBar error={op.error} doing={`Reading operation ${operationId}`} note="Read again every second." />
      {op.data ? (
        <>
          <p>Status <strong>{op.data.status}</strong>{current ? <>, step <strong>{current.name}</strong>{current.detail ? ` (${current.detail})` : ""}</> : null}.</p>
          <ProgressCell progress={op.data.progress} running={op.data.status === "Running"} label="Operation progress" />
        </>
      ) : null}
    </section>
  );
}
