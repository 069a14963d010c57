// Which queue an inbox file is for: the `computingSite` of its job dictionary, read before the
// file is claimed, and cached by file identity so that repeated getJobs calls (one per queue)
// do not read and parse every inbox file every time.
import type { BigIntStats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPandaNull } from '@harvester-ts/core';
import { errorCode } from './files.js';

/**
 * The site a job dictionary is for: its `computingSite` (trimmed) when that is a non-empty
 * string, else null (any site). Null too for what is not an object, and for a non-string
 * computingSite: such a file is claimed by whichever queue asks and its content judged then.
 */
export function jobDictSite(dict: unknown): string | null {
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) return null;
  const site = (dict as { computingSite?: unknown }).computingSite;
  if (isPandaNull(site) || typeof site !== 'string') return null;
  return site.trim();
}

/** What tells one version of a file from another (a replaced or rewritten file differs). */
interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

function identity(st: BigIntStats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

/** How long after its last change a file is read again rather than answered from the cache. */
export const INBOX_SITE_SETTLE_MS = 2000;

/**
 * The sites of the files of one inbox directory, by file name. An entry is used only while the
 * file's identity (device, inode, size, modification and change times) is the one it was read
 * with. File times have a coarse granularity on some file systems, so a file rewritten in place
 * with the same size soon after its reading could keep its identity: a file changed less than
 * `settleMs` before it is read is not cached (read again next time). `retain` drops the names no
 * longer listed, so the cache never holds more entries than the inbox has files.
 */
export class InboxSiteCache {
  private readonly entries = new Map<string, FileIdentity & { site: string | null }>();
  private fileReads = 0;

  constructor(
    private readonly dir: string,
    private readonly settleMs: number = INBOX_SITE_SETTLE_MS,
  ) {}

  /** How many files have been read (not answered from the cache) so far. */
  get reads(): number {
    return this.fileReads;
  }

  /** The number of cached entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets every name not in `names` (the current listing of the inbox). */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of this.entries.keys()) if (!keep.has(name)) this.entries.delete(name);
  }

  /** Forgets one name (its file was claimed). */
  forget(name: string): void {
    this.entries.delete(name);
  }

  /**
   * The site of `dir/name`: a site name, null for any site, undefined when the file is gone.
   * A file that cannot be read or parsed is for any site (null, not cached when unreadable):
   * whoever asks claims it, and the claim rejects it with the reason.
   */
  async siteOf(name: string): Promise<string | null | undefined> {
    const path = join(this.dir, name);
    const readAtNs = BigInt(Date.now()) * 1_000_000n;
    let current: BigIntStats;
    try {
      current = await stat(path, { bigint: true });
    } catch (err) {
      if (errorCode(err) === 'ENOENT') {
        this.entries.delete(name);
        return undefined;
      }
      return null;
    }
    const cached = this.entries.get(name);
    if (cached !== undefined && sameFile(cached, identity(current))) return cached.site;
    this.entries.delete(name);
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      return errorCode(err) === 'ENOENT' ? undefined : null;
    }
    try {
      // The identity of the open file, so that the cached site belongs to the content read.
      const opened = await fh.stat({ bigint: true });
      const text = await fh.readFile('utf8');
      this.fileReads += 1;
      let site: string | null = null;
      try {
        site = jobDictSite(JSON.parse(text) as unknown);
      } catch {
        // Not JSON: for any site (rejected once claimed).
      }
      const settledBefore = readAtNs - BigInt(this.settleMs) * 1_000_000n;
      if (opened.mtimeNs < settledBefore && opened.ctimeNs < settledBefore)
        this.entries.set(name, { ...identity(opened), site });
      return site;
    } catch {
      return null;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}
