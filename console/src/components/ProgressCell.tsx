// A running operation's progress as a bar with its numbers (done of total items).
import { Field, ProgressBar } from "@fluentui/react-components";
import type { Progress } from "../api/types";

export function ProgressCell({ progress, label, running }: { progress: Progress | null | undefined; label: string; running: boolean }) {
  if (!progress && !running) return <span>—</span>;
  const total = progress?.total ?? 0;
  const done = progress?.done ?? 0;
  const fraction = total > 0 ? Math.min(1, done / total) : undefined;
  const text = progress ? `${done} of ${total} ${progress.unit}` : "starting";
  return (
    <Field validationMessage={text} validationState="none" label={{ children: label, className: "visually-hidden" }}>
      <ProgressBar value={fraction} max={1} thickness="large" aria-valuetext={text} data-testid="progress" data-done={done} data-total={total} />
    </Field>
  );
}
