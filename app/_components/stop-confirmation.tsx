import type { Confirmation } from './confirm-dialog.tsx';

/** What stopping a line's simulated PLC does, said before it is done (here and on the line page). */
export function stopConfirmation(lineName: string, processName: string): Confirmation {
  return {
    title: `Stop the simulated PLC of ${lineName}?`,
    body: (
      <>
        <p>
          <strong>{processName}</strong> stops. Line {lineName} then has no PLC to read: its values stop updating and show as bad, and its communication-loss
          alarms fire for everyone watching.
        </p>
        <p className="text-sm text-muted">It stays stopped until an operator starts the simulation again from the line page.</p>
      </>
    ),
    confirm: 'Stop the PLC',
  };
}
