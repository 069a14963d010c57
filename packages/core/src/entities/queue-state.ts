import { Entity, Index, PrimaryColumn } from 'typeorm';
import { IntColumn, StringColumn, TimeColumn } from './columns.js';

/**
 * Per-queue scheduling state (Harvester's PandaQueueSpec, pq_table): fetch and submission
 * leases and the worker/job limits in force. One row per `<queue>:<resourceType>:<jobType>`.
 */
@Entity('pq_table')
export class QueueState {
  /** `<queueName>:<resourceType>:<jobType>`; "ANY" is the catch-all. */
  @PrimaryColumn({ type: 'varchar', length: 255 })
  uniqueName!: string;

  @Index()
  @StringColumn(128)
  queueName!: string;

  @IntColumn({ nullable: true })
  nQueueLimitJob!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitWorker!: number | null;

  @IntColumn({ nullable: true })
  maxWorkers!: number | null;

  @Index()
  @TimeColumn()
  jobFetchTime!: Date | null;

  @Index()
  @TimeColumn()
  submitTime!: Date | null;

  @StringColumn(255, { nullable: true })
  lockedBy!: string | null;

  @Index()
  @StringColumn(128, { nullable: true })
  siteName!: string | null;

  @StringColumn(64, { default: 'ANY' })
  jobType!: string;

  @StringColumn(64, { default: 'ANY' })
  resourceType!: string;

  @IntColumn({ nullable: true })
  nNewWorkers!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitJobRatio!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitJobMax!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitJobMin!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitWorkerRatio!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitWorkerMax!: number | null;

  @IntColumn({ nullable: true })
  nQueueLimitWorkerMin!: number | null;
}

/** The pq_table key of a queue × resource type × job type. */
export function queueStateKey(queueName: string, resourceType = 'ANY', jobType = 'ANY'): string {
  return `${queueName}:${resourceType}:${jobType}`;
}
