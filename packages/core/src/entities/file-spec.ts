import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import {
  type FileStatus,
  type FileType,
  INPUT_FILE_TYPES,
  OUTPUT_FILE_TYPES,
} from '../status/file-status.js';
import {
  BigIntColumn,
  bigintToNumber,
  IntColumn,
  JsonColumn,
  StringColumn,
  TextColumn,
  TimeColumn,
} from './columns.js';
import type { JsonObject } from './json.js';

/** Free-form attributes of a file that have no column of their own. */
export interface FileAttributes extends JsonObject {
  guid?: string;
  dataset?: string;
}

/** An input or output file of a job (Harvester's FileSpec, file_table). */
@Entity('file_table')
@Index('idx_file_job_type', ['PandaID', 'fileType'])
@Index('idx_file_lfn_endpoint', ['lfn', 'endpoint', 'status'])
@Index('idx_file_group', ['groupID', 'groupStatus'])
export class FileSpec {
  /** From seq_table (SequenceName.fileID). */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  fileID!: number;

  @BigIntColumn()
  PandaID!: number;

  @BigIntColumn({ nullable: true })
  taskID!: number | null;

  @StringColumn(255)
  lfn!: string;

  @Index()
  @StringColumn(32)
  status!: FileStatus;

  @BigIntColumn({ nullable: true })
  fsize!: number | null;

  /** `ad:<adler32>` or `md:<md5>`, as the WMS gives it. */
  @StringColumn(128, { nullable: true })
  chksum!: string | null;

  /** Where the file is (inputs: after preparation; outputs: where the worker left it). */
  @TextColumn({ nullable: true })
  path!: string | null;

  @StringColumn(32)
  fileType!: FileType;

  @StringColumn(255, { nullable: true })
  eventRangeID!: string | null;

  @TimeColumn()
  modificationTime!: Date | null;

  @JsonColumn()
  fileAttributes!: FileAttributes | null;

  @Column({ type: 'boolean', default: false })
  isZip!: boolean;

  @Index()
  @BigIntColumn({ nullable: true })
  zipFileID!: number | null;

  @IntColumn({ nullable: true })
  objstoreID!: number | null;

  /** DDM endpoint (ddmEndPointIn/ddmEndPointOut). */
  @StringColumn(255, { nullable: true })
  endpoint!: string | null;

  @StringColumn(255, { nullable: true })
  groupID!: string | null;

  @StringColumn(64, { nullable: true })
  groupStatus!: string | null;

  @Index()
  @TimeColumn()
  groupUpdateTime!: Date | null;

  @IntColumn({ default: 0 })
  attemptNr!: number;

  /** Set when no active job uses the file any more, so a sweeper may delete it. */
  @Index()
  @Column({ type: 'boolean', default: false })
  todelete!: boolean;

  @StringColumn(255, { nullable: true })
  scope!: string | null;

  @IntColumn({ nullable: true })
  pathConvention!: number | null;

  @Index()
  @StringColumn(255, { nullable: true })
  provenanceID!: string | null;

  @Index()
  @BigIntColumn({ nullable: true })
  workerID!: number | null;

  @TextColumn({ nullable: true })
  url!: string | null;

  /** Files that go into this zip file (not persisted; filled by the engine for zipOutput). */
  associatedFiles: FileSpec[] = [];

  isInput(): boolean {
    return INPUT_FILE_TYPES.has(this.fileType);
  }

  isOutput(): boolean {
    return OUTPUT_FILE_TYPES.has(this.fileType);
  }

  get guid(): string | undefined {
    return this.fileAttributes?.guid;
  }

  get dataset(): string | undefined {
    return this.fileAttributes?.dataset;
  }
}
