// The published artefact, checked the way a user gets it: packed by pnpm (workspace: and
// catalog: specifiers rewritten), linted by publint, installed with npm into a project outside
// the workspace and imported from a plain Node ESM script.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const ownPkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

describe('the packed @harvester-ts/core', () => {
  let tmp: string;
  let tarball: string;
  let unpacked: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'core-pack-'));
    execFileSync('pnpm', ['pack', '--pack-destination', tmp], { cwd: pkgDir, stdio: 'pipe' });
    const name = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!name) throw new Error(`pnpm pack left no tarball in ${tmp}`);
    tarball = join(tmp, name);
    unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('contains the build and not the sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball]).toString().trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/queue-config.schema.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  });

  it('has a package.json a registry can serve', () => {
    const packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
    const specs = JSON.stringify({ ...packed.dependencies, ...packed.peerDependencies });
    expect(specs).not.toMatch(/workspace:|catalog:/);
    expect(packed.version).toBe(ownPkg.version);
    expect(packed.type).toBe('module');
    expect(Object.keys(packed.exports['.'])).toEqual(['types', 'default']);
    expect(packed.engines.node).toBeDefined();
    expect(packed.peerDependencies.typeorm).toBeDefined();
  });

  it('passes publint --strict', () => {
    const out = execFileSync('pnpm', ['exec', 'publint', '--strict', join(unpacked, 'package')], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    expect(out).toMatch(/All good!/);
  });

  it('imports in a plain Node ESM project outside the workspace', () => {
    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
      { cwd: app, stdio: 'pipe', timeout: 240_000 },
    );
    writeFileSync(
      join(app, 'smoke.mjs'),
      `import * as core from '@harvester-ts/core';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const schema = require('@harvester-ts/core/queue-config.schema.json');
const sub = core.defineSubmitter({
  name: 'Smoke',
  compatibility: '^' + core.CORE_VERSION,
  create: () => ({ submitWorkers: async (ws) => ws.map(() => core.success()) }),
});
const job = new core.JobSpec();
job.PandaID = 1;
console.log(JSON.stringify({
  version: core.CORE_VERSION,
  entities: core.HARVESTER_ENTITIES.map((e) => e.name),
  brand: sub.$$type,
  compatible: core.checkCompatibility(sub).ok,
  schemaHasDefs: typeof schema === 'object' && schema !== null,
  final: job.isFinal === undefined ? 'missing' : 'present',
}));
`,
    );
    const out = JSON.parse(execFileSync('node', ['smoke.mjs'], { cwd: app, encoding: 'utf8' }));
    expect(out).toEqual({
      version: ownPkg.version,
      entities: [
        'JobSpec',
        'WorkSpec',
        'FileSpec',
        'EventSpec',
        'JobWorkerRelation',
        'CommandSpec',
        'DiagSpec',
        'QueueState',
        'ProcessLock',
        'CacheEntry',
        'QueueConfigDump',
        'StatusEvent',
        'SequenceNumber',
      ],
      brand: '@harvester-ts/plugin@1',
      compatible: true,
      schemaHasDefs: true,
      final: 'present',
    });
  });
});
