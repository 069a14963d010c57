// File types and statuses (Harvester's FileSpec).

export const FileType = {
  input: 'input',
  aux_input: 'aux_input',
  output: 'output',
  log: 'log',
  es_output: 'es_output',
  zip_output: 'zip_output',
  checkpoint: 'checkpoint',
} as const;
export type FileType = (typeof FileType)[keyof typeof FileType];
export const FILE_TYPES: readonly FileType[] = Object.values(FileType);

export const INPUT_FILE_TYPES: ReadonlySet<FileType> = new Set<FileType>([
  FileType.input,
  FileType.aux_input,
]);
export const OUTPUT_FILE_TYPES: ReadonlySet<FileType> = new Set<FileType>([
  FileType.output,
  FileType.log,
  FileType.es_output,
  FileType.zip_output,
]);

export const FileStatus = {
  // input
  to_prepare: 'to_prepare',
  triggered: 'triggered',
  preparing: 'preparing',
  ready: 'ready',
  // output
  defined: 'defined',
  pending: 'pending',
  zipping: 'zipping',
  zipped: 'zipped',
  post_zipping: 'post_zipping',
  transferring: 'transferring',
  finished: 'finished',
  // checkpoint
  renewed: 'renewed',
  done: 'done',
  // any
  failed: 'failed',
} as const;
export type FileStatus = (typeof FileStatus)[keyof typeof FileStatus];
export const FILE_STATUSES: readonly FileStatus[] = Object.values(FileStatus);

export function isFileType(value: unknown): value is FileType {
  return typeof value === 'string' && (FILE_TYPES as readonly string[]).includes(value);
}

export function isFileStatus(value: unknown): value is FileStatus {
  return typeof value === 'string' && (FILE_STATUSES as readonly string[]).includes(value);
}
