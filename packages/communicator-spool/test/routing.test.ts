// Routing by computingSite: a job naming a site is handed only to that queue, unsited jobs to any
// queue, malformed files are rejected whoever asks; instances sharing an inbox never hand a job
// out twice or to the wrong queue, and the pre-claim site cache never answers for a file that
// has changed.
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CallOptions,
  type Communicator,
  type GetJobsRequest,
  instantiatePlugin,
  type JobParams,
  type PluginContext,
} from '@harvester-ts/core';
import { makePandaJob, testPluginContext } from '@harvester-ts/testkit';
import { moveNoReplace } from '../src/files.js';
import { InboxSiteCache, jobDictSite } from '../src/inbox-sites.js';
import { claimedJobFileName, SpoolCommunicator } from '../src/index.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'harvester-spool-routing-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function spool(ctx: PluginContext = testPluginContext()): Promise<Communicator> {
  return instantiatePlugin(SpoolCommunicator, 'communicator', { root }, ctx, {
    queue: undefined,
    section: 'communicator',
    module: '@harvester-ts/communicator-spool',
    exportName: 'SpoolCommunicator',
  });
}

function request(siteName: string, nJobs: number): GetJobsRequest {
  return {
    siteName,
    nodeName: 'node1',
    prodSourceLabel: 'managed',
    computingElement: siteName,
    nJobs,
    additionalCriteria: {},
  };
}

const ls = async (...dir: string[]): Promise<string[]> => (await readdir(join(root, ...dir))).sort();

async function drop(name: string, content: unknown): Promise<void> {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  await writeFile(join(root, 'inbox', name), text);
}

/** A job dictionary for `site` (undefined: no computingSite key). */
function job(PandaID: number, site?: unknown): JobParams {
  const dict = makePandaJob({ PandaID });
  if (site !== undefined) dict.computingSite = site as string;
  return dict;
}

async function getJobs(c: Communicator, site: string, n = 100, call?: CallOptions): Promise<number[]> {
  const outcome = await c.getJobs(request(site, n), call);
  if (outcome.kind !== 'success') throw new Error(`expected success, got ${outcome.kind}: ${outcome.diag}`);
  return outcome.value.map((j) => Number(j.PandaID));
}

describe('jobDictSite', () => {
  it('is the non-empty computingSite, else null (any site)', () => {
    expect(jobDictSite({ computingSite: 'local' })).toBe('local');
    expect(jobDictSite({ computingSite: ' local ' })).toBe('local');
    for (const none of [undefined, null, '', '  ', 'NULL'])
      expect(jobDictSite({ PandaID: 1, computingSite: none })).toBeNull();
    expect(jobDictSite({ PandaID: 1 })).toBeNull();
    expect(jobDictSite({ computingSite: 42 })).toBeNull();
    expect(jobDictSite([{ computingSite: 'local' }])).toBeNull();
    expect(jobDictSite('local')).toBeNull();
    expect(jobDictSite(null)).toBeNull();
  });
});

describe('getJobs routes by computingSite', () => {
  it('hands each queue its own jobs and the unsited ones, in name order, up to n', async () => {
    const c = await spool();
    await drop('a.json', job(1, 'local'));
    await drop('b.json', job(2, 'local_batch'));
    await drop('c.json', job(3));
    await drop('d.json', job(4, 'local'));
    await drop('e.json', job(5, 'NULL'));
    await drop('f.json', job(6, ''));
    await drop('g.json', job(7, null));
    await drop('h.json', job(8, 'NOBODY'));
    await drop('i.json', job(9, 'local_batch'));

    expect(await getJobs(c, 'local_batch', 2)).toEqual([2, 3]);
    expect(await ls('inbox')).toEqual(['a.json', 'd.json', 'e.json', 'f.json', 'g.json', 'h.json', 'i.json']);
    expect(await getJobs(c, 'local')).toEqual([1, 4, 5, 6, 7]);
    expect(await getJobs(c, 'local')).toEqual([]);
    expect(await getJobs(c, 'local_batch')).toEqual([9]);
    // A job for a queue nobody asks for stays in the inbox.
    expect(await ls('inbox')).toEqual(['h.json']);
    expect(await ls('rejected')).toEqual([]);
    expect(await ls('claimed')).toEqual([1, 2, 3, 4, 5, 6, 7, 9].map(claimedJobFileName).sort());
  });

  it('hands out the claimed dictionary unchanged (computingSite included)', async () => {
    const c = await spool();
    await drop('a.json', job(1, 'local'));
    const outcome = await c.getJobs(request('local', 1));
    expect(outcome).toEqual({ kind: 'success', value: [job(1, 'local')] });
  });

  it('rejects malformed files whichever queue asks, and leaves other queues’ jobs', async () => {
    const c = await spool();
    await drop('a.json', job(1, 'local_batch'));
    await drop('bad.json', '{"PandaID": 2, "computingSite": "local_batch"');
    await drop('list.json', [{ computingSite: 'local_batch' }]);
    await drop('num.json', job(3, 42));
    expect(await getJobs(c, 'local')).toEqual([]);
    expect(await ls('inbox')).toEqual(['a.json']);
    expect(await ls('rejected')).toEqual([
      'bad.json',
      'bad.json.error',
      'list.json',
      'list.json.error',
      'num.json',
      'num.json.error',
    ]);
    expect(await readFile(join(root, 'rejected', 'bad.json.error'), 'utf8')).toMatch(/invalid JSON/);
    expect(await readFile(join(root, 'rejected', 'list.json.error'), 'utf8')).toMatch(/must be an object/);
    expect(await readFile(join(root, 'rejected', 'num.json.error'), 'utf8')).toMatch(
      /computingSite must be a string, got number/,
    );
    expect(await getJobs(c, 'local_batch')).toEqual([1]);
  });

  it('never hands a job out twice or to the wrong queue when instances race on one inbox', async () => {
    const sites = ['local', 'local_batch'];
    const instances = await Promise.all([spool(), spool(), spool(), spool()]);
    const siteOf = new Map<number, string | null>();
    for (let i = 0; i < 90; i++) {
      const id = 1000 + i;
      const site = i % 3 === 2 ? null : (sites[i % 3] as string);
      siteOf.set(id, site);
      await drop(`job-${id}.json`, job(id, site ?? undefined));
    }
    const asks = instances.map((c, i) => ({ c, site: sites[i % 2] as string }));
    const results = await Promise.all(asks.map(({ c, site }) => getJobs(c, site)));
    const all = results.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((x, y) => x - y)).toEqual([...siteOf.keys()]);
    asks.forEach(({ site }, i) => {
      for (const id of results[i] ?? []) expect([site, null]).toContain(siteOf.get(id));
    });
    expect(await ls('inbox')).toEqual([]);
    expect(await ls('rejected')).toEqual([]);
    expect(await ls('claimed')).toHaveLength(90);
  });

  it('does not route by a stale cached site after a file is replaced under the same name', async () => {
    const c = await spool();
    // Same length, so the rewritten file has the same size.
    await drop('x.json', job(11, 'SITE_B'));
    expect(await getJobs(c, 'SITE_A')).toEqual([]);
    const before = await stat(join(root, 'inbox', 'x.json'));
    // Rewritten in place (same inode and size), modification time set back to what it was.
    await drop('x.json', job(12, 'SITE_A'));
    await utimes(join(root, 'inbox', 'x.json'), before.atime, before.mtime);
    expect((await stat(join(root, 'inbox', 'x.json'))).size).toBe(before.size);
    expect(await getJobs(c, 'SITE_B')).toEqual([]);
    expect(await getJobs(c, 'SITE_A')).toEqual([12]);

    // Replaced atomically (a new file renamed over the old one).
    await drop('y.json', job(13, 'SITE_A'));
    expect(await getJobs(c, 'SITE_B')).toEqual([]);
    await writeFile(join(root, 'inbox', '.y.json'), JSON.stringify(job(14, 'SITE_B')));
    await rename(join(root, 'inbox', '.y.json'), join(root, 'inbox', 'y.json'));
    expect(await getJobs(c, 'SITE_A')).toEqual([]);
    expect(await getJobs(c, 'SITE_B')).toEqual([14]);
    expect(await ls('inbox')).toEqual([]);
  });

  it('puts a claimed job for another site back into the inbox (file replaced between read and claim)', async () => {
    const c = await spool();
    await drop('x.json', job(21, 'local'));
    await drop('y.json', job(22, 'local'));
    let replaced = false;
    // getJobs looks at the signal after reading a file's site and just before claiming it.
    const signal = {
      get aborted() {
        if (!replaced) {
          replaced = true;
          const tmp = join(root, 'inbox', '.x.json');
          writeFileSync(tmp, JSON.stringify(job(23, 'local_batch')));
          renameSync(tmp, join(root, 'inbox', 'x.json'));
        }
        return false;
      },
    } as unknown as AbortSignal;
    expect(await getJobs(c, 'local', 10, { signal })).toEqual([22]);
    expect(replaced).toBe(true);
    expect(await ls('inbox')).toEqual(['x.json']);
    expect(JSON.parse(await readFile(join(root, 'inbox', 'x.json'), 'utf8'))).toEqual(job(23, 'local_batch'));
    expect(await ls('claimed')).toEqual([claimedJobFileName(22)]);
    expect(await ls('rejected')).toEqual([]);
    expect(await getJobs(c, 'local')).toEqual([]);
    expect(await getJobs(c, 'local_batch')).toEqual([23]);
  });
});

describe('InboxSiteCache', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let dir: string;
  beforeEach(async () => {
    dir = join(root, 'dir');
    await mkdir(dir);
  });

  it('reads a file once while it is unchanged, again once it changed, and forgets unlisted names', async () => {
    const cache = new InboxSiteCache(dir, 0);
    await writeFile(join(dir, 'a.json'), JSON.stringify(job(1, 'SITE_A')));
    await writeFile(join(dir, 'b.json'), JSON.stringify(job(2)));
    await writeFile(join(dir, 'c.json'), '{not json');
    await sleep(20);
    for (let i = 0; i < 3; i++) {
      expect(await cache.siteOf('a.json')).toBe('SITE_A');
      expect(await cache.siteOf('b.json')).toBeNull();
      expect(await cache.siteOf('c.json')).toBeNull();
    }
    expect(cache.reads).toBe(3);
    expect(cache.size).toBe(3);

    // Rewritten in place with the same size and modification time: the change time tells.
    const before = await stat(join(dir, 'a.json'));
    await writeFile(join(dir, 'a.json'), JSON.stringify(job(1, 'SITE_B')));
    await utimes(join(dir, 'a.json'), before.atime, before.mtime);
    expect((await stat(join(dir, 'a.json'))).size).toBe(before.size);
    await sleep(20);
    expect(await cache.siteOf('a.json')).toBe('SITE_B');
    expect(cache.reads).toBe(4);
    // Replaced by a rename (another inode).
    await writeFile(join(dir, '.a.json'), JSON.stringify(job(1, 'SITE_A')));
    await rename(join(dir, '.a.json'), join(dir, 'a.json'));
    await sleep(20);
    expect(await cache.siteOf('a.json')).toBe('SITE_A');
    expect(await cache.siteOf('a.json')).toBe('SITE_A');
    expect(cache.reads).toBe(5);

    expect(await cache.siteOf('missing.json')).toBeUndefined();
    cache.retain(['b.json', 'c.json', 'other.json']);
    expect(cache.size).toBe(2);
    cache.forget('b.json');
    expect(cache.size).toBe(1);
    cache.retain([]);
    expect(cache.size).toBe(0);
  });

  it('does not cache a file changed less than settleMs ago', async () => {
    const cache = new InboxSiteCache(dir, 60_000);
    await writeFile(join(dir, 'a.json'), JSON.stringify(job(1, 'SITE_A')));
    expect(await cache.siteOf('a.json')).toBe('SITE_A');
    expect(await cache.siteOf('a.json')).toBe('SITE_A');
    expect(cache.reads).toBe(2);
    expect(cache.size).toBe(0);
  });
});

describe('moveNoReplace', () => {
  it('never replaces a file: a taken name gets a number', async () => {
    await spool();
    const dir = join(root, 'inbox');
    await drop('x.json', 'existing');
    await drop('x.1.json', 'existing 1');
    const from = join(root, 'claimed', 'x.return-1.json');
    await writeFile(from, 'returned');
    expect(await moveNoReplace(from, dir, 'x.json')).toBe('x.2.json');
    expect(await readFile(join(dir, 'x.json'), 'utf8')).toBe('existing');
    expect(await readFile(join(dir, 'x.2.json'), 'utf8')).toBe('returned');
    expect(await ls('claimed')).toEqual([]);
    await writeFile(from, 'again');
    expect(await moveNoReplace(from, dir, 'y.json')).toBe('y.json');
  });
});
