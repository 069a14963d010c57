// harvester inspect job|worker <id>: one job or worker with its whole history, replayed.
import type { Command } from '../cli/command.js';
import { EXIT, UsageError } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { formatTable } from '../cli/table.js';
import { inspectJob, inspectWorker } from '../store/inspect.js';
import { withStore } from '../store/open-store.js';
import type { HistoryEntry } from '../store/queries.js';
import { configFor, parseIds } from './shared.js';

function fmtSeconds(s: number | null): string {
  if (s === null) return '-';
  return s < 60 ? `${s.toFixed(3)} s` : `${Math.floor(s / 60)} min ${(s % 60).toFixed(0)} s`;
}

function renderHistory(entries: HistoryEntry[]): string {
  const t0 = entries[0] ? Date.parse(entries[0].at) : 0;
  return formatTable(
    ['+s', 'at', 'what', 'change', 'by', 'diag'],
    entries.map((e) => [
      ((Date.parse(e.at) - t0) / 1000).toFixed(3),
      e.at,
      `${e.entity} ${e.id}`,
      `${e.from ?? '(new)'} → ${e.to ?? '?'}`,
      e.agent,
      e.diag,
    ]),
    120,
  );
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show one job or worker: its state, files or jobs, full status history with timings, diagnostics.',
  usage: 'inspect job|worker <id> [--json]',
  description:
    'The history replays every status change (of the job, its files and workers, or of the worker\n' +
    'and its jobs) in the order it was recorded, with the agent that made it and its diagnostic.',
  options: {},
  examples: ['harvester inspect job 1001', 'harvester inspect worker 3 --json'],
  json: true,
  async run(input) {
    const [what, ...rest] = input.positionals;
    if (what !== 'job' && what !== 'worker')
      throw new UsageError("say what to inspect: 'job <PandaID>' or 'worker <workerID>'");
    if (rest.length !== 1)
      throw new UsageError(`give exactly one ${what === 'job' ? 'PandaID' : 'workerID'}`);
    const [id] = parseIds(rest, what === 'job' ? 'PandaID' : 'workerID');
    const config = await configFor(input);
    type Report = Awaited<ReturnType<typeof inspectJob>> | Awaited<ReturnType<typeof inspectWorker>>;
    const report = await withStore<Report>(config.database, (ds) =>
      what === 'job' ? inspectJob(ds, id!) : inspectWorker(ds, id!),
    );
    if (!report) {
      input.io.stderr.write(`harvester inspect: no ${what} ${id}\n`);
      return EXIT.notFound;
    }
    if (input.json) {
      printJson(input.io, report);
      return EXIT.ok;
    }
    const out: string[] = [];
    if (report.kind === 'job') {
      const j = report.job;
      out.push(
        `job ${j.PandaID}  queue ${j.queue}  ${j.status}/${j.subStatus}  attempt ${j.attemptNr ?? '-'}  task ${j.taskID ?? '-'}`,
        `  created ${j.creationTime ?? '-'}  started ${j.startTime ?? '-'}  ended ${j.endTime ?? '-'}`,
        `  payload ${String(j.transformation ?? '-')} ${String(j.jobPars ?? '')}`.trimEnd(),
      );
      if (j.exitCode !== null) out.push(`  exit code ${j.exitCode}`);
      out.push('', 'files');
      out.push(
        report.files.length
          ? formatTable(
              ['fileID', 'type', 'scope', 'lfn', 'status', 'size', 'checksum', 'where'],
              report.files.map((f) => [
                f.fileID,
                f.type,
                f.scope,
                f.lfn,
                f.status,
                f.fsize,
                f.chksum,
                f.url ?? f.path,
              ]),
              100,
            )
          : '  none',
      );
      out.push('', 'workers');
      out.push(
        report.workers.length
          ? formatTable(
              ['workerID', 'status', 'batchID', 'exit', 'diag'],
              report.workers.map((w) => [w.workerID, w.status, w.batchID, w.nativeExitCode, w.diag]),
            )
          : '  none',
      );
    } else {
      const w = report.worker;
      out.push(
        `worker ${w.workerID}  queue ${w.queue}  ${w.status}  batch ${w.batchID ?? '-'}  cores ${w.nCore ?? '-'}`,
        `  submitted ${w.submitTime ?? '-'}  started ${w.startTime ?? '-'}  ended ${w.endTime ?? '-'}`,
        `  access point ${w.accessPoint ?? '-'}`,
      );
      if (w.nativeExitCode !== null) out.push(`  exit code ${w.nativeExitCode}`);
      if (w.killRequested) out.push('  kill requested');
      out.push('', 'jobs');
      out.push(
        report.jobs.length
          ? formatTable(
              ['PandaID', 'status', 'subStatus'],
              report.jobs.map((j) => [j.PandaID, j.status, j.subStatus]),
            )
          : '  none',
      );
    }
    out.push('', 'history');
    out.push(report.history.length ? renderHistory(report.history) : '  none recorded');
    out.push('', 'time in each state');
    out.push(
      formatTable(
        ['state', 'entered', 'for'],
        report.phases.map((p) => [p.state, p.enteredAt, fmtSeconds(p.seconds)]),
      ),
    );
    const first = report.phases[0];
    const last = report.phases.at(-1);
    if (first && last) {
      out.push(`  total ${fmtSeconds((Date.parse(last.enteredAt) - Date.parse(first.enteredAt)) / 1000)}`);
    }
    out.push('', 'diagnostics');
    out.push(
      report.diagnostics.length
        ? report.diagnostics.map((d) => `  ${d.at}  ${d.entity} ${d.id}: ${d.diag}`).join('\n')
        : '  none',
    );
    print(input.io, out.join('\n'));
    return EXIT.ok;
  },
};
