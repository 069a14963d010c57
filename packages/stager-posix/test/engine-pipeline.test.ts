// End to end through the engine: testkit WMS and batch system, the shared-file messenger and the
// real worker wrapper, with PosixPreparator and PosixStager as the queue's preparator and stager.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileSpec, parseQueueConfigFile, type QueueConfig } from '@harvester-ts/core';
import * as engineModule from '@harvester-ts/engine';
import { Engine, type ModuleImporter, WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import * as testkit from '@harvester-ts/testkit';
import * as stagerPosix from '../src/index.js';
import { hex8, md5hex, naiveAdler32, tempBase } from './helpers.js';

const importer: ModuleImporter = async (specifier) => {
  if (specifier === '@harvester-ts/testkit') return testkit as unknown as Record<string, unknown>;
  if (specifier === '@harvester-ts/engine') return engineModule as unknown as Record<string, unknown>;
  if (specifier === '@harvester-ts/stager-posix') return stagerPosix as unknown as Record<string, unknown>;
  throw new Error(`unknown module ${specifier}`);
};

// The engine's own logger (pino, not a dependency of this package) stays quiet.
process.env.HARVESTER_LOG_LEVEL ??= 'silent';

function rucio(root: string, scope: string, lfn: string): string {
  const h = md5hex(`${scope}:${lfn}`);
  return join(root, scope, h.slice(0, 2), h.slice(2, 4), lfn);
}

describe('PosixPreparator and PosixStager in the engine pipeline', () => {
  let engine: Engine | undefined;
  let cleanup: () => Promise<void> = async () => {};

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    testkit.clearSimulations();
    await cleanup();
  });

  it.each([false, true])('stages in, runs the payload and stages out (zipPerMB: %s)', async (zip) => {
    const t = await tempBase();
    cleanup = t.cleanup;
    const dir = t.base;
    const storage = join(dir, 'storage');
    const input = Buffer.from('input payload bytes\n');
    const inLfn = 'EVNT.1._000001.pool.root.1';
    const inPath = rucio(storage, 'mc23', inLfn);
    await mkdir(dirname(inPath), { recursive: true });
    await writeFile(inPath, input);
    // The payload checks that its input is there and writes its outputs.
    const produce = join(dir, 'produce.sh');
    await writeFile(
      produce,
      `#!/bin/sh\n[ -f ${inLfn} ] || { echo "no input" >&2; exit 3; }\nfor f in "$@"; do cat ${inLfn} > "$f"; echo "$f" >> "$f"; done\n`,
    );
    await chmod(produce, 0o755);

    const wms = new testkit.SimulatedWms();
    const batch = new testkit.SimulatedBatchSystem({
      seed: 7,
      payload: (job) => {
        if (!job.accessPoint) return 99;
        const r = spawnSync('sh', [WORKER_WRAPPER_PATH, job.accessPoint], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        return r.status ?? 98;
      },
    });
    testkit.registerSimulation('default', { batch, wms });
    const section = (name: string, extra: Record<string, unknown> = {}) => ({
      module: '@harvester-ts/testkit',
      name,
      ...extra,
    });
    const queues = parseQueueConfigFile({
      TEST_QUEUE: {
        mapType: 'OneToOne',
        maxWorkers: 5,
        nQueueLimitWorker: 5,
        nQueueLimitJob: 5,
        submitter: section('TestkitSubmitter'),
        monitor: section('TestkitMonitor', { unknownGraceSeconds: 0 }),
        sweeper: section('TestkitSweeper'),
        workerMaker: section('TestkitWorkerMaker'),
        preparator: {
          module: '@harvester-ts/stager-posix',
          name: 'PosixPreparator',
          storageRoot: storage,
          stagingRoot: join(dir, 'staging'),
          mode: 'copy',
        },
        stager: {
          module: '@harvester-ts/stager-posix',
          name: 'PosixStager',
          destinationRoot: join(dir, 'dest'),
          zipDir: join(dir, 'zips'),
        },
        messenger: {
          module: '@harvester-ts/engine',
          name: 'SharedFileMessenger',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
          accessPoint: join(dir, 'workers', '${workerID}'),
        },
      },
    }) as Record<string, QueueConfig>;
    const fast = { schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 10 } };
    engine = await Engine.create({
      config: {
        harvesterId: 'test-h',
        pluginCallTimeoutMs: 20_000,
        jobFetcher: { ...fast, lookupIntervalMs: 0 },
        preparator: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
        submitter: { ...fast, lookupIntervalMs: 0 },
        monitor: { ...fast, checkIntervalMs: 0 },
        propagator: { ...fast, updateIntervalMs: 60_000, retryIntervalMs: 0 },
        stager: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
        eventFeeder: fast,
        sweeper: { ...fast, checkIntervalMs: 0, keepFinishedMs: 3_600_000, keepFailedMs: 3_600_000 },
        commandManager: fast,
      },
      queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: { type: 'sqlite', path: join(dir, 'harvester.db') },
      importer,
    });
    const outs = ['HITS.1._000001.pool.root.1', 'HITS.1._000002.pool.root.1'];
    const job = testkit.makePandaJob({
      PandaID: 9001,
      taskID: 1,
      inFiles: [
        { lfn: inLfn, scope: 'mc23', fsize: input.length, checksum: `ad:${hex8(naiveAdler32(input))}` },
      ],
      outFiles: outs,
      scope: 'mc23',
      transformation: produce,
      jobPars: outs.join(' '),
      computingSite: 'TEST_QUEUE',
    });
    wms.addJobs(zip ? { ...job, zipPerMB: 1 } : job);
    await engine.runUntilIdle({ timeoutMs: 90_000 });
    expect(wms.finalStatusOf(9001)).toBe('finished');

    // The staged input copy.
    expect(await readFile(join(dir, 'staging', '9001', inLfn))).toEqual(input);
    const files = await engine.db.ds.getRepository(FileSpec).find({ where: { PandaID: 9001 } });
    if (!zip) {
      for (const lfn of outs) {
        const dest = rucio(join(dir, 'dest'), 'mc23', lfn);
        const bytes = await readFile(dest);
        expect(bytes.toString()).toBe(`${input.toString()}${lfn}\n`);
        const f = files.find((x) => x.lfn === lfn)!;
        expect(f).toMatchObject({
          status: 'finished',
          chksum: `ad:${hex8(naiveAdler32(bytes))}`,
          fsize: bytes.length,
        });
      }
    } else {
      const z = files.find((f) => f.fileType === 'zip_output')!;
      expect(z).toMatchObject({ status: 'finished', isZip: true });
      const bytes = await readFile(rucio(join(dir, 'dest'), 'panda', z.lfn));
      expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
      expect(z.chksum).toBe(`ad:${hex8(naiveAdler32(bytes))}`);
      for (const lfn of outs) expect(existsSync(rucio(join(dir, 'dest'), 'mc23', lfn))).toBe(false);
    }
  });
});
