// The terminal view of `harvester run`: counts of jobs and workers by state, redrawn in place,
// with warnings and errors printed above it as they come.
import type { Writable } from 'node:stream';
import { JOB_SUB_STATUSES, WORKER_STATUSES } from '@harvester-ts/core';
import type { StateCounts } from '../store/queries.js';

// The pipeline order of core's lists.
const JOB_ORDER: readonly string[] = JOB_SUB_STATUSES;
const WORKER_ORDER: readonly string[] = WORKER_STATUSES;

function line(label: string, counts: Record<string, number>, order: readonly string[]): string {
  const keys = [
    ...order.filter((k) => k in counts),
    ...Object.keys(counts).filter((k) => !order.includes(k)),
  ];
  const parts = keys.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${k} ${counts[k]}`);
  return `${label.padEnd(8)} ${parts.length ? parts.join('  ') : '-'}`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

export function renderProgress(
  header: string,
  counts: StateCounts,
  startedAt: number,
  now = Date.now(),
): string[] {
  const final = ['finished', 'failed', 'cancelled', 'missed']
    .filter((s) => (counts.jobs[s] ?? 0) > 0)
    .map((s) => `${s} ${counts.jobs[s]}`);
  return [
    `${header} · up ${duration(now - startedAt)}`,
    line('jobs', counts.jobSubStatuses, JOB_ORDER),
    `${''.padEnd(8)} ${final.length ? `final: ${final.join('  ')}` : 'final: -'}`,
    line('workers', counts.workers, WORKER_ORDER),
  ];
}

export class ProgressDisplay {
  private drawn = 0;
  private last: string[] = [];

  constructor(private readonly out: Writable) {}

  /** Replaces the block on screen. */
  show(lines: string[]): void {
    this.last = lines;
    this.out.write(this.clear() + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }

  /** Prints a line above the block (it scrolls away with the terminal), then redraws the block. */
  alert(text: string): void {
    this.out.write(`${this.clear()}\x1b[2K${text}\n`);
    this.drawn = 0;
    if (this.last.length) this.show(this.last);
  }

  /** Leaves the last block on screen. */
  stop(): void {
    this.drawn = 0;
  }

  private clear(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
  }
}

/** A pino destination that shows warnings and errors through the display, one short line each. */
export function alertStream(display: ProgressDisplay): { write(chunk: string): void } {
  const names: Record<number, string> = { 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(chunk: string) {
      for (const text of chunk.split('\n').filter(Boolean)) {
        try {
          const rec = JSON.parse(text) as Record<string, unknown>;
          const ctx = ['agent', 'queue', 'plugin', 'workerID', 'PandaID']
            .filter((k) => rec[k] !== undefined)
            .map((k) => `${k}=${String(rec[k])}`);
          const err = (rec.err as { message?: string } | undefined)?.message;
          display.alert(
            `${names[rec.level as number] ?? 'LOG'} ${String(rec.msg ?? '')}${ctx.length ? ` (${ctx.join(' ')})` : ''}${err ? `: ${err}` : ''}`,
          );
        } catch {
          display.alert(text);
        }
      }
    },
  };
}
