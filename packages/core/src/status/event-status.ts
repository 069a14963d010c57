// Event-range statuses (Harvester's EventSpec). eventStatus is what the worker reported;
// subStatus is the harvester's bookkeeping until the WMS acknowledged the event.

export const EventStatus = {
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  fatal: 'fatal',
  cancelled: 'cancelled',
} as const;
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];
export const EVENT_STATUSES: readonly EventStatus[] = Object.values(EventStatus);

export const EventSubStatus = {
  running: 'running',
  /** Output of the event not yet staged out. */
  transferring: 'transferring',
  finished: 'finished',
  failed: 'failed',
  /** Acknowledged by the WMS. */
  done: 'done',
} as const;
export type EventSubStatus = (typeof EventSubStatus)[keyof typeof EventSubStatus];
export const EVENT_SUB_STATUSES: readonly EventSubStatus[] = Object.values(EventSubStatus);

export function isEventSubStatus(value: unknown): value is EventSubStatus {
  return typeof value === 'string' && (EVENT_SUB_STATUSES as readonly string[]).includes(value);
}
