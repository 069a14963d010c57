#!/usr/bin/env node
// The workspace test command (`pnpm test`): runs every package's tests through turbo, then prints
// one closing line "tests: N passed, N failed, N skipped" summed over all packages.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });

const extra = process.argv.slice(2);
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=1', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});

let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
const rows = [];
if (existsSync(resultsDir)) {
  for (const f of readdirSync(resultsDir).sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8'));
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    brokenSuites += r.suitesFailed;
    rows.push(`  ${r.package.padEnd(36)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  }
}
console.log('\nTest summary by package:');
for (const row of rows) console.log(row);
// A suite that fails to load counts as a failure even though it ran no test.
const failedTotal = failed + (failed === 0 && brokenSuites > 0 ? brokenSuites : 0);
console.log(`tests: ${passed} passed, ${failedTotal} failed, ${skipped} skipped`);
const status = run.status ?? 1;
process.exit(status !== 0 ? status : failedTotal > 0 || passed === 0 ? 1 : 0);
