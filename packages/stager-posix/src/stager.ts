// PosixStager: outputs copied to a destination root (Rucio deterministic or flat layout),
// atomically and without replacing what is there, with size and adler32 recorded in the
// FileSpecs; zipOutput writes real (STORE) zip files.
import { rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  defineStager,
  type FileSpec,
  fatal,
  type JobSpec,
  type Outcome,
  type PluginDefinition,
  type PluginLogger,
  retryLater,
  success,
} from '@harvester-ts/core';
import { z } from 'zod';
import {
  digestFile,
  digestFor,
  type ExpectedChecksum,
  expectedChecksum,
  type FileDigests,
} from './checksum.js';
import { copyToTemp, errnoOf, exists, messageOf, placeTempNoClobber } from './fs-util.js';
import { assertComponent, ensureDirUnder, flatPath, rucioPath, safeJoin, UnsafePathError } from './paths.js';
import { POSIX_COMPATIBILITY } from './preparator.js';
import { writeZip, ZipError } from './zip.js';

export const posixStagerOptions = z.object({
  /** Root the outputs are copied under. */
  destinationRoot: z.string().min(1),
  /** rucio: `<root>/<scope>/<md5[0:2]>/<md5[2:4]>/<lfn>`; flat: `<root>/<lfn>`. */
  layout: z.enum(['rucio', 'flat']).default('rucio'),
  /** Scope of outputs without one. */
  defaultScope: z.string().min(1).default('panda'),
  /** Directory zip files are written to; default: next to the first member. */
  zipDir: z.string().min(1).optional(),
  /** A file whose copy failed temporarily this many times (attemptNr) is failed. */
  maxAttempts: z.number().int().min(1).default(3),
});

export type PosixStagerOptions = z.output<typeof posixStagerOptions>;

/** A condition that fails the whole job (a hostile path, a conflicting destination). */
class JobError extends Error {}

const isDone = (f: FileSpec): boolean => f.status === 'finished' || f.status === 'failed';

export class PosixStagerImpl {
  constructor(
    private readonly options: PosixStagerOptions,
    private readonly logger: PluginLogger,
  ) {}

  destinationOf(f: FileSpec): string {
    if (this.options.layout === 'flat') return flatPath(this.options.destinationRoot, f.lfn);
    const scope =
      f.scope === null || f.scope === undefined || f.scope === '' ? this.options.defaultScope : f.scope;
    return rucioPath(this.options.destinationRoot, scope, f.lfn);
  }

  async triggerStageOut(job: JobSpec, signal: AbortSignal | undefined): Promise<Outcome> {
    const files = job.getOutputFileSpecs().filter((f) => f.path && f.status !== 'zipped');
    const log = this.logger.child({ PandaID: job.PandaID });
    const temporary: string[] = [];
    for (const f of files) {
      if (signal?.aborted) return retryLater('stage-out interrupted');
      try {
        await this.stageOne(f, log, signal);
      } catch (err) {
        if (err instanceof JobError || err instanceof UnsafePathError) return fatal(err.message);
        if (signal?.aborted || (err as Error)?.name === 'AbortError')
          return retryLater('stage-out interrupted');
        const diag = `stage-out of ${f.lfn} failed: ${messageOf(err)}`;
        if (f.attemptNr >= this.options.maxAttempts) {
          log.warn({ lfn: f.lfn, attemptNr: f.attemptNr, diag }, 'giving up on the output');
          f.status = 'failed';
        } else {
          temporary.push(diag);
        }
      }
    }
    if (temporary.length > 0) return retryLater(temporary.join('; '));
    return success();
  }

  private async stageOne(f: FileSpec, log: PluginLogger, signal: AbortSignal | undefined): Promise<void> {
    const source = resolve(f.path!);
    const dest = this.destinationOf(f);
    try {
      const st = await stat(source);
      if (!st.isFile())
        throw Object.assign(new Error(`${source} is not a regular file`), { code: 'ENOTFILE' });
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENOTFILE') {
        log.warn({ lfn: f.lfn, path: source, code }, 'output missing; the file fails');
        f.status = 'failed';
        return;
      }
      throw err;
    }
    const recorded = expectedChecksum(f.chksum);
    await ensureDirUnder(this.options.destinationRoot, dirname(dest));
    if (await exists(dest)) {
      // A retry of a copy that made it: compare instead of copying again.
      const ours = await digestFile(source, { md5: recorded.kind === 'md5', signal });
      this.checkRecorded(f, source, recorded, ours);
      await this.sameAsThere(f, dest, ours, log, signal);
      this.finish(f, dest, ours);
      return;
    }
    const { temp, digests } = await copyToTemp(source, dest, { md5: recorded.kind === 'md5', signal });
    try {
      this.checkRecorded(f, source, recorded, digests);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    // Placed only if nothing got there meanwhile (another process staging the same file).
    if (!(await placeTempNoClobber(temp, dest))) await this.sameAsThere(f, dest, digests, log, signal);
    this.finish(f, dest, digests);
  }

  /** What the worker (or a zipper) recorded must match what is there. */
  private checkRecorded(f: FileSpec, source: string, recorded: ExpectedChecksum, got: FileDigests): void {
    if (recorded.kind === 'adler32' || recorded.kind === 'md5') {
      const digest = digestFor(recorded, got);
      if (digest !== recorded.digest) {
        throw new JobError(
          `output ${f.lfn}: ${recorded.kind} of ${source} is ${digest}, but ${recorded.digest} was recorded`,
        );
      }
    }
    if (f.fsize !== null && f.fsize !== undefined && Number(f.fsize) !== got.size) {
      throw new JobError(`output ${f.lfn}: ${source} has ${got.size} bytes, but ${f.fsize} were recorded`);
    }
  }

  /** The destination exists: fine when it has our content (idempotent retry), fatal otherwise. */
  private async sameAsThere(
    f: FileSpec,
    dest: string,
    ours: FileDigests,
    log: PluginLogger,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const there = await digestFile(dest, { signal });
    if (there.adler32 !== ours.adler32 || there.size !== ours.size) {
      throw new JobError(
        `output ${f.lfn}: ${dest} exists with different content (adler32 ${there.adler32}, ${there.size} bytes; ours ${ours.adler32}, ${ours.size} bytes)`,
      );
    }
    log.info({ lfn: f.lfn, dest }, 'output already at its destination with the same checksum');
  }

  private finish(f: FileSpec, dest: string, digests: FileDigests): void {
    f.chksum = `ad:${digests.adler32}`;
    f.fsize = digests.size;
    f.url = pathToFileURL(dest).href;
    f.status = 'finished';
  }

  async checkStageOutStatus(job: JobSpec): Promise<Outcome> {
    // Copies are synchronous; anything left transferring (e.g. by an earlier version) is checked.
    for (const f of job.files.filter((x) => x.isOutput() && x.status === 'transferring')) {
      try {
        const dest = this.destinationOf(f);
        const st = await stat(dest).catch(() => undefined);
        f.status = st?.isFile() ? 'finished' : 'failed';
      } catch (err) {
        return fatal(messageOf(err));
      }
    }
    return success();
  }

  async zipOutput(job: JobSpec, signal: AbortSignal | undefined): Promise<Outcome> {
    const zips = job.files.filter((f) => f.isZip && f.associatedFiles.length > 0 && !isDone(f));
    for (const zip of zips) {
      if (signal?.aborted) return retryLater('zipping interrupted');
      try {
        assertComponent('zip LFN', zip.lfn);
        const members = zip.associatedFiles.map((m) => {
          assertComponent('member LFN', m.lfn);
          if (!m.path) throw new JobError(`zip ${zip.lfn}: member ${m.lfn} has no path`);
          return { name: m.lfn, path: resolve(m.path) };
        });
        const dir = this.options.zipDir ?? dirname(members[0]!.path);
        const target = safeJoin(dir, [{ what: 'zip LFN', value: zip.lfn }]);
        if (this.options.zipDir !== undefined) await ensureDirUnder(this.options.zipDir, dir);
        const result = await writeZip(target, members, signal);
        for (const [i, m] of zip.associatedFiles.entries()) {
          const r = result.members[i]!;
          m.fsize = r.size;
          m.chksum ??= `ad:${r.adler32}`;
        }
        zip.path = target;
        zip.fsize = result.size;
        zip.chksum = `ad:${result.adler32}`;
        this.logger.info(
          { PandaID: job.PandaID, zip: zip.lfn, members: members.length, size: result.size },
          'outputs zipped',
        );
      } catch (err) {
        if (err instanceof JobError || err instanceof UnsafePathError || err instanceof ZipError) {
          return fatal(err.message);
        }
        if (errnoOf(err) === 'ENOENT') return fatal(`zip ${zip.lfn}: ${messageOf(err)}`);
        return retryLater(`zip ${zip.lfn}: ${messageOf(err)}`);
      }
    }
    return success();
  }
}

export const PosixStager: PluginDefinition<'stager', PosixStagerOptions> = defineStager({
  name: 'PosixStager',
  compatibility: POSIX_COMPATIBILITY,
  description:
    'Outputs copied atomically to a POSIX destination root (Rucio deterministic or flat layout) with adler32 recorded; real zip files for zipped outputs.',
  options: posixStagerOptions,
  create(options, ctx) {
    const impl = new PosixStagerImpl(options, ctx.logger);
    return {
      triggerStageOut: (job, call) => impl.triggerStageOut(job, call?.signal),
      checkStageOutStatus: (job) => impl.checkStageOutStatus(job),
      zipOutput: (job, call) => impl.zipOutput(job, call?.signal),
    };
  },
});
