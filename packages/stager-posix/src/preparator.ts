// PosixPreparator: inputs from a storage root at Rucio deterministic paths, verified (size,
// adler32 or md5) and copied, hard-linked or symlinked into a per-job staging directory, or used
// where they are (direct).
import { rm, stat } from 'node:fs/promises';
import {
  definePreparator,
  fatal,
  type InputFileAttributes,
  type JobSpec,
  type Outcome,
  type PluginDefinition,
  type PluginLogger,
  retryLater,
  success,
} from '@harvester-ts/core';
import { z } from 'zod';
import { digestFile, digestFor, expectedChecksum, type FileDigests } from './checksum.js';
import {
  copyToTemp,
  errnoOf,
  exists,
  hardlinkAtomic,
  messageOf,
  replaceWithTemp,
  symlinkAtomic,
} from './fs-util.js';
import { assertRealpathUnder, ensureDirUnder, rucioPath, safeJoin, UnsafePathError } from './paths.js';

export const POSIX_COMPATIBILITY = '^0.1.0';

export const posixPreparatorOptions = z
  .object({
    /** Root of the storage holding the inputs at `<root>/<scope>/<md5[0:2]>/<md5[2:4]>/<lfn>`. */
    storageRoot: z.string().min(1),
    /** Per-job staging directories `<stagingRoot>/<PandaID>/` (needed unless mode is direct). */
    stagingRoot: z.string().min(1).optional(),
    /** copy, hardlink or symlink into the staging directory; direct: the storage file itself. */
    mode: z.enum(['copy', 'hardlink', 'symlink', 'direct']).default('copy'),
    /** Verify adler32/md5 checksums given by the WMS (sizes are always checked when given). */
    verifyChecksums: z.boolean().default(true),
    /** Scope for inputs without one. */
    defaultScope: z.string().min(1).optional(),
  })
  .superRefine((o, issues) => {
    if (o.mode !== 'direct' && o.stagingRoot === undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['stagingRoot'],
        message: `stagingRoot is needed for mode ${o.mode}`,
      });
    }
  });

export type PosixPreparatorOptions = z.output<typeof posixPreparatorOptions>;

/** An input that cannot be prepared for good (the job fails). */
class InputError extends Error {}

interface Located {
  lfn: string;
  storagePath: string;
  /** Where the job will read it (the storage path in direct mode). */
  localPath: string;
}

export class PosixPreparatorImpl {
  constructor(
    private readonly options: PosixPreparatorOptions,
    private readonly logger: PluginLogger,
  ) {}

  /** Where each input is in storage and where the job reads it; throws UnsafePathError. */
  locate(job: JobSpec, lfn: string, attrs: InputFileAttributes): Located {
    const scope = attrs.scope ?? this.options.defaultScope;
    if (scope === undefined || scope === null || scope === '') {
      throw new InputError(`input ${JSON.stringify(lfn)} has no scope`);
    }
    const storagePath = rucioPath(this.options.storageRoot, scope, lfn);
    if (this.options.mode === 'direct') return { lfn, storagePath, localPath: storagePath };
    return { lfn, storagePath, localPath: this.stagingPath(job, lfn) };
  }

  stagingDir(job: JobSpec): string {
    if (!Number.isSafeInteger(job.PandaID) || job.PandaID < 0) {
      throw new UnsafePathError(`unsafe PandaID ${JSON.stringify(job.PandaID)}`);
    }
    return safeJoin(this.options.stagingRoot!, [{ what: 'PandaID', value: String(job.PandaID) }]);
  }

  stagingPath(job: JobSpec, lfn: string): string {
    return safeJoin(this.options.stagingRoot!, [
      { what: 'PandaID', value: String(job.PandaID) },
      { what: 'LFN', value: lfn },
    ]);
  }

  async trigger(job: JobSpec, signal: AbortSignal | undefined): Promise<Outcome> {
    const inputs = job.getInputFileAttributes();
    const located: Located[] = [];
    try {
      for (const [lfn, attrs] of Object.entries(inputs)) located.push(this.locate(job, lfn, attrs));
    } catch (err) {
      return fatal(messageOf(err));
    }
    const paths: Record<string, { path: string }> = {};
    for (const [i, loc] of located.entries()) {
      if (signal?.aborted) return retryLater('stage-in interrupted');
      const attrs = inputs[loc.lfn]!;
      try {
        await this.prepareOne(job, loc, attrs, signal);
        paths[loc.lfn] = { path: loc.localPath };
      } catch (err) {
        job.setInputFilePaths(paths);
        if (err instanceof InputError || err instanceof UnsafePathError) return fatal(err.message);
        if (signal?.aborted || (err as Error)?.name === 'AbortError') {
          return retryLater(`stage-in of ${loc.lfn} interrupted`);
        }
        return retryLater(`stage-in of ${loc.lfn} (${i + 1}/${located.length}) failed: ${messageOf(err)}`);
      }
    }
    job.setInputFilePaths(paths);
    this.logger.info(
      { PandaID: job.PandaID, files: located.length, mode: this.options.mode },
      'inputs prepared',
    );
    return success();
  }

  private async prepareOne(
    job: JobSpec,
    loc: Located,
    attrs: InputFileAttributes,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { lfn, storagePath } = loc;
    let size: number;
    try {
      const st = await stat(storagePath);
      if (!st.isFile()) throw new InputError(`input ${lfn}: ${storagePath} is not a regular file`);
      size = st.size;
    } catch (err) {
      if (err instanceof InputError) throw err;
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') {
        throw new InputError(`input ${lfn} is missing from storage: ${storagePath} does not exist`);
      }
      throw err;
    }
    // A symlink inside the storage must not lead out of it.
    await assertRealpathUnder(this.options.storageRoot, storagePath);
    this.checkSize(lfn, attrs.fsize, size, storagePath);

    const expected = this.options.verifyChecksums
      ? expectedChecksum(attrs.checksum)
      : { kind: 'none' as const };
    if (expected.kind === 'invalid') {
      throw new InputError(`input ${lfn}: checksum ${JSON.stringify(expected.text)} is not adler32 or md5`);
    }
    const verify = (got: FileDigests, where: string): void => {
      this.checkSize(lfn, attrs.fsize, got.size, where);
      if (expected.kind === 'none') return;
      const digest = digestFor(expected, got);
      if (digest !== expected.digest) {
        throw new InputError(
          `input ${lfn}: ${expected.kind} checksum mismatch at ${where}: expected ${expected.digest}, got ${digest}`,
        );
      }
    };
    const md5 = expected.kind === 'md5';

    if (this.options.mode === 'direct') {
      if (expected.kind !== 'none') verify(await digestFile(storagePath, { md5, signal }), storagePath);
      return;
    }
    await ensureDirUnder(this.options.stagingRoot!, this.stagingDir(job));
    const target = loc.localPath;
    if (this.options.mode === 'copy') {
      // Checksummed as it is copied: what is verified is what the job will read.
      const { temp, digests } = await copyToTemp(storagePath, target, { md5, signal });
      try {
        verify(digests, storagePath);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      await replaceWithTemp(temp, target);
      return;
    }
    if (expected.kind !== 'none') verify(await digestFile(storagePath, { md5, signal }), storagePath);
    if (this.options.mode === 'hardlink') {
      try {
        await hardlinkAtomic(storagePath, target);
      } catch (err) {
        if (errnoOf(err) !== 'EXDEV' && errnoOf(err) !== 'EPERM') throw err;
        this.logger.warn(
          { PandaID: job.PandaID, lfn, code: errnoOf(err) },
          'cannot hard-link from storage; copying instead',
        );
        const { temp, digests } = await copyToTemp(storagePath, target, { md5, signal });
        try {
          verify(digests, storagePath);
        } catch (e) {
          await rm(temp, { force: true });
          throw e;
        }
        await replaceWithTemp(temp, target);
      }
      return;
    }
    await symlinkAtomic(storagePath, target);
  }

  private checkSize(lfn: string, want: number | null, got: number, where: string): void {
    if (want !== null && want !== undefined && Number(want) !== got) {
      throw new InputError(`input ${lfn}: size mismatch at ${where}: expected ${want} bytes, got ${got}`);
    }
  }

  async check(job: JobSpec): Promise<Outcome> {
    try {
      for (const [lfn, attrs] of Object.entries(job.getInputFileAttributes())) {
        const { localPath } = this.locate(job, lfn, attrs);
        if (!(await exists(localPath))) {
          return fatal(`input ${lfn}: ${localPath} vanished after it was prepared`);
        }
      }
    } catch (err) {
      if (err instanceof InputError || err instanceof UnsafePathError) return fatal(err.message);
      return retryLater(`cannot check the stage-in: ${messageOf(err)}`);
    }
    return success();
  }

  async resolve(job: JobSpec): Promise<Outcome> {
    const paths: Record<string, { path: string }> = {};
    try {
      for (const [lfn, attrs] of Object.entries(job.getInputFileAttributes())) {
        paths[lfn] = { path: this.locate(job, lfn, attrs).localPath };
      }
    } catch (err) {
      return fatal(messageOf(err));
    }
    job.setInputFilePaths(paths);
    return success();
  }
}

export const PosixPreparator: PluginDefinition<'preparator', PosixPreparatorOptions> = definePreparator({
  name: 'PosixPreparator',
  compatibility: POSIX_COMPATIBILITY,
  description:
    'Inputs from a POSIX storage root at Rucio deterministic paths, size- and checksum-verified, copied, linked or used in place.',
  options: posixPreparatorOptions,
  create(options, ctx) {
    const impl = new PosixPreparatorImpl(options, ctx.logger);
    return {
      triggerPreparation: (job, call) => impl.trigger(job, call?.signal),
      checkStageInStatus: (job) => impl.check(job),
      resolveInputPaths: (job) => impl.resolve(job),
    };
  },
});
