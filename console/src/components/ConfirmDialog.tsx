// A confirmation that says what the action replaces, erases or takes down, with the API's
// answer shown inside the dialog if it refuses (the dialog stays open so the user sees why).
import { useState, type ReactNode } from "react";
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Spinner } from "@fluentui/react-components";
import { ErrorBar } from "./ErrorBar";
import { toFailure } from "../api/usePoll";
import type { ApiFailure } from "../api/client";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  /** Runs the action; a thrown ApiFailure is shown in the dialog. */
  onConfirm(): Promise<void>;
  onClose(): void;
  /**
   * After a confirmed action, once the dialog has finished closing: the place for anything that
   * removes the dialog's trigger or page (a page opened, a panel closed). Done at once, while the
   * dialog's focus trap lets go, such a change left the page aria-hidden (Fluent's modalizer).
   */
  onConfirmed?(): void;
  danger?: boolean;
}

/** How long Fluent's dialog takes to close and release the page. */
const CLOSE_SETTLE_MS = 400;

export function ConfirmDialog({ open, title, confirmLabel, children, onConfirm, onClose, onConfirmed, danger }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure>();
  const close = () => {
    if (busy) return;
    setError(undefined);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setBusy(false);
      onClose();
      if (onConfirmed) setTimeout(onConfirmed, CLOSE_SETTLE_MS);
    } catch (err) {
      setBusy(false);
      setError(toFailure(err, title));
    }
  };
  // Not mounted while closed: a closed Fluent Dialog mounting while another one closes (a page
  // opened from a dialog) left the page aria-hidden.
  if (!open) return null;
  return (
    <Dialog open onOpenChange={(_, d) => { if (!d.open) close(); }} modalType="alert">
      <DialogSurface aria-describedby={undefined}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent className="dialog-content">
            {children}
            <ErrorBar error={error} doing={title} />
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={close} disabled={busy}>Cancel</Button>
            <Button appearance="primary" onClick={confirm} disabled={busy} className={danger ? "danger-button" : undefined}
              icon={busy ? <Spinner size="tiny" /> : undefined}>{confirmLabel}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
