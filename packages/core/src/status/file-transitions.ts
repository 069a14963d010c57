// File status machines, one per kind of file (harvester-facts §2.3; DESIGN §3).
//
// input kinds (input, aux_input)
//   to_prepare -> triggered | preparing | ready | failed
//   triggered  -> preparing | ready | failed
//   preparing  -> ready | failed
//   ready, failed: final.
// output kinds (output, log, es_output, zip_output)
//   defined      -> zipping | zipped | transferring | finished | failed
//   pending      -> defined | zipping | zipped | failed      (ES outputs waiting to be zipped)
//   zipping      -> post_zipping | transferring | finished | failed
//   post_zipping -> transferring | finished | failed
//   zipped       -> finished | failed                       (members of a zip: follow the zip file)
//   transferring -> finished | failed
//   finished, failed: final.
// checkpoint
//   renewed -> done; done: final.
//
// A status that does not belong to the kind of the file (e.g. `ready` for an output file) is
// refused with a reason, as is an unknown file type or status.

import type { ErrorContext } from '../errors.js';
import { FILE_STATUSES, FileStatus, FileType, INPUT_FILE_TYPES, OUTPUT_FILE_TYPES } from './file-status.js';
import {
  checkTableTransition,
  freezeTransitionTable,
  isTableStatus,
  showStatus,
  type TransitionCheck,
  type TransitionTable,
  throwIfRefused,
  transitionRefused,
} from './transition-check.js';

/** The three file machines: which one a file follows depends on its fileType. */
export const FileKind = {
  input: 'input',
  output: 'output',
  checkpoint: 'checkpoint',
} as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];
export const FILE_KINDS: readonly FileKind[] = Object.values(FileKind);

export type InputFileStatus =
  | typeof FileStatus.to_prepare
  | typeof FileStatus.triggered
  | typeof FileStatus.preparing
  | typeof FileStatus.ready
  | typeof FileStatus.failed;

export type OutputFileStatus =
  | typeof FileStatus.defined
  | typeof FileStatus.pending
  | typeof FileStatus.zipping
  | typeof FileStatus.post_zipping
  | typeof FileStatus.zipped
  | typeof FileStatus.transferring
  | typeof FileStatus.finished
  | typeof FileStatus.failed;

export type CheckpointFileStatus = typeof FileStatus.renewed | typeof FileStatus.done;

const F = FileStatus;

export const INPUT_FILE_TRANSITIONS: TransitionTable<InputFileStatus> =
  freezeTransitionTable<InputFileStatus>({
    to_prepare: [F.triggered, F.preparing, F.ready, F.failed],
    triggered: [F.preparing, F.ready, F.failed],
    preparing: [F.ready, F.failed],
    ready: [],
    failed: [],
  });

export const OUTPUT_FILE_TRANSITIONS: TransitionTable<OutputFileStatus> =
  freezeTransitionTable<OutputFileStatus>({
    defined: [F.zipping, F.zipped, F.transferring, F.finished, F.failed],
    pending: [F.defined, F.zipping, F.zipped, F.failed],
    zipping: [F.post_zipping, F.transferring, F.finished, F.failed],
    post_zipping: [F.transferring, F.finished, F.failed],
    zipped: [F.finished, F.failed],
    transferring: [F.finished, F.failed],
    finished: [],
    failed: [],
  });

export const CHECKPOINT_FILE_TRANSITIONS: TransitionTable<CheckpointFileStatus> =
  freezeTransitionTable<CheckpointFileStatus>({
    renewed: [F.done],
    done: [],
  });

/** The transition table of each file kind; its keys are the statuses of that kind. */
export const FILE_TRANSITIONS: {
  readonly input: TransitionTable<InputFileStatus>;
  readonly output: TransitionTable<OutputFileStatus>;
  readonly checkpoint: TransitionTable<CheckpointFileStatus>;
} = Object.freeze({
  input: INPUT_FILE_TRANSITIONS,
  output: OUTPUT_FILE_TRANSITIONS,
  checkpoint: CHECKPOINT_FILE_TRANSITIONS,
});

function tableOf(kind: FileKind): TransitionTable<FileStatus> {
  // Each kind's table only has some of the file statuses as keys; lookups go through isTableStatus.
  return FILE_TRANSITIONS[kind] as TransitionTable<FileStatus>;
}

/** The machine a file type follows; undefined for an unknown file type. */
export function fileKindOf(fileType: string): FileKind | undefined {
  if (INPUT_FILE_TYPES.has(fileType as FileType)) return FileKind.input;
  if (OUTPUT_FILE_TYPES.has(fileType as FileType)) return FileKind.output;
  if (fileType === FileType.checkpoint) return FileKind.checkpoint;
  return undefined;
}

/** Statuses a file of this type may have (empty for an unknown file type). */
export function fileStatusesOf(fileType: string): readonly FileStatus[] {
  const kind = fileKindOf(fileType);
  if (kind === undefined) return [];
  const table = tableOf(kind);
  return FILE_STATUSES.filter((s) => isTableStatus(table, s));
}

/**
 * May a file of `fileType` go from `from` to `to`? Refused, with a reason, for an unknown file
 * type, an unknown status, or a status of another kind of file.
 */
export function checkFileTransition(fileType: string, from: string, to: string): TransitionCheck {
  const kind = fileKindOf(fileType);
  if (kind === undefined) return transitionRefused(`unknown file type ${showStatus(fileType)}`);
  const table = tableOf(kind);
  for (const status of [from, to]) {
    if (!(FILE_STATUSES as readonly unknown[]).includes(status)) {
      return transitionRefused(`unknown file status ${showStatus(status)}`);
    }
    if (!isTableStatus(table, status)) {
      return transitionRefused(
        `file status ${status} is not a status of ${kind} files (fileType ${fileType}; ` +
          `${kind} statuses: ${fileStatusesOf(fileType).join(', ')})`,
      );
    }
  }
  return checkTableTransition(table, `${kind} file status`, from, to);
}

/**
 * Throws IllegalTransitionError (entity `file`, context with `fileType` plus `context`, e.g.
 * `{ fileID, lfn }`) when refused; returns whether the status changes.
 */
export function assertFileTransition(
  fileType: string,
  from: string,
  to: string,
  context: ErrorContext = {},
): boolean {
  return throwIfRefused('file', from, to, checkFileTransition(fileType, from, to), { fileType, ...context });
}

/** Statuses a file of `fileType` in `from` may change to (empty if final, unknown or foreign). */
export function nextFileStatuses(fileType: string, from: string): readonly FileStatus[] {
  const kind = fileKindOf(fileType);
  if (kind === undefined) return [];
  const table = tableOf(kind);
  return isTableStatus(table, from) ? table[from] : [];
}
