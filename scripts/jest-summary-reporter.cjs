// Writes this package's jest totals to <repo>/.test-results/<package>.json so that
// scripts/run-tests.mjs can print one closing line for the whole workspace.
const { mkdirSync, writeFileSync, readFileSync } = require('node:fs');
const { join, basename } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '..', '.test-results');
    mkdirSync(dir, { recursive: true });
    let name = basename(process.cwd());
    try {
      name = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).name || name;
    } catch {}
    const file = join(dir, `${name.replace(/[^a-zA-Z0-9._-]/g, '_')}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        package: name,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites,
        runtimeErrors: results.numRuntimeErrorTestSuites,
      }),
    );
  }
}
module.exports = SummaryReporter;
