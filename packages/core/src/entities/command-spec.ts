import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, JsonColumn, StringColumn, TimeColumn } from './columns.js';
import type { JsonObject } from './json.js';

/** Commands the WMS sends to the harvester; the command string is `<COMMAND>:<siteName>`. */
export const CommandName = {
  KILL_WORKERS: 'KILL_WORKERS',
  SYNC_WORKERS_KILL: 'SYNC_WORKERS_KILL',
  SET_N_WORKERS_JOBTYPE: 'SET_N_WORKERS_JOBTYPE',
  REPORT_WORKER_STATS: 'REPORT_WORKER_STATS',
} as const;
export type CommandName = (typeof CommandName)[keyof typeof CommandName];

/** The agent that handles each command. */
export const COMMAND_RECEIVERS: Readonly<Record<CommandName, string>> = {
  KILL_WORKERS: 'sweeper',
  SYNC_WORKERS_KILL: 'sweeper',
  SET_N_WORKERS_JOBTYPE: 'submitter',
  REPORT_WORKER_STATS: 'propagator',
};

/** A command received from the WMS (Harvester's CommandSpec, command_table). */
@Entity('command_table')
@Index('idx_command_receiver', ['receiver', 'processed'])
export class CommandSpec {
  /** The WMS's command_id. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  commandID!: number;

  @StringColumn(255)
  command!: string;

  @StringColumn(64)
  receiver!: string;

  /** The command's parameters; a WMS value that is not an object is stored as `{ value }`. */
  @JsonColumn()
  params!: JsonObject | null;

  @Column({ type: 'boolean', default: false })
  ackRequested!: boolean;

  @Column({ type: 'boolean', default: false })
  processed!: boolean;

  @TimeColumn()
  creationTime!: Date | null;
}
