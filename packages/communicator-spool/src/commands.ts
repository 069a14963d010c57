// Command files of the spool: `commands/<name>.json` holds one command object
// `{command, params?, ackRequested?}` or a list of them. Every command gets a stable numeric
// commandID derived from the file name, its position and its content, so the same file read
// again (or by another instance) gives the same IDs and the engine recognises a command it stored.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** One entry of a command file. */
export const spoolCommandEntry = z.looseObject({
  command: z.string().min(1).max(255),
  params: z.unknown().optional(),
  /** Whether the command file waits for an acknowledgement (default true). */
  ackRequested: z.boolean().optional(),
  /** When the command was issued (ISO time); default: the file's modification time. */
  creationDate: z.iso.datetime({ offset: true }).optional(),
});

export type SpoolCommandEntry = z.infer<typeof spoolCommandEntry>;

/** The content of a command file: one entry or a non-empty list of entries. */
export const spoolCommandFile = z.union([spoolCommandEntry, z.array(spoolCommandEntry).min(1)]);

/**
 * The stable commandID of entry `index` of command file `fileName`: 48 bits of a SHA-256 of
 * file name, position and content (a positive safe integer).
 */
export function spoolCommandID(fileName: string, index: number, entry: unknown): number {
  const digest = createHash('sha256')
    .update(`${fileName}\u0000${index}\u0000${JSON.stringify(entry)}`)
    .digest();
  return digest.readUIntBE(0, 6) || 1;
}

/** The issues of a zod error as one line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
