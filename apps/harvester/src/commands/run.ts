// harvester run: the daemon.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command, CommandInput } from '../cli/command.js';
import { EXIT, UsageError } from '../cli/exit-codes.js';
import { printJson } from '../cli/io.js';
import { alertStream, ProgressDisplay, renderProgress } from '../cli/progress.js';
import { dataLayout } from '../config/embedded-default.js';
import { type HttpServer, startHttpServer } from '../http/server.js';
import { createEngine } from '../runtime/create-engine.js';
import { createLogger } from '../runtime/logger.js';
import { type RunMode, runLoop } from '../runtime/run-loop.js';
import { stateCounts } from '../store/queries.js';
import { configFor, intOption, noPositionals } from './shared.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the harvester: fetch jobs, stage, submit and watch workers, report back.',
  usage: 'run [--once | --until-idle [--timeout S]]',
  description: [
    'Without --once or --until-idle it runs until SIGINT or SIGTERM, then finishes the cycles in',
    'flight and stops (a second signal stops at once). Workers keep running; the next run adopts',
    'them. On a terminal it shows the jobs and workers by state and logs to <dataDir>/logs/',
    'harvester.log (warnings and errors are also shown); otherwise it logs JSON lines to stdout.',
  ].join('\n'),
  options: {
    once: { type: 'boolean' },
    'until-idle': { type: 'boolean' },
    timeout: { type: 'string' },
    'log-file': { type: 'string' },
  },
  optionHelp: [
    '--once          one cycle of every agent, then exit',
    '--until-idle    run until every job is final and reported and every worker final, then exit',
    '--timeout S     with --until-idle: give up after S seconds (default 600; exit code 6)',
    '--log-file F    write the JSON log lines to F (default on a terminal: <dataDir>/logs/harvester.log)',
  ],
  examples: [
    'harvester run',
    'harvester run --until-idle --timeout 300',
    'harvester run --config /etc/harvester/harvester.config.json',
    'harvester run --until-idle --json > summary.json   # logs go to stderr with --json',
  ],
  json: true,
  async run(input: CommandInput): Promise<number> {
    noPositionals(input);
    const { io } = input;
    const once = input.values.once === true;
    const untilIdle = input.values['until-idle'] === true;
    if (once && untilIdle) throw new UsageError('--once and --until-idle exclude each other');
    const timeoutS = intOption(input, 'timeout');
    if (timeoutS !== undefined && !untilIdle) throw new UsageError('--timeout goes with --until-idle');
    const mode: RunMode = once ? 'once' : untilIdle ? 'until-idle' : 'forever';

    const config = await configFor(input);
    mkdirSync(config.dataDir, { recursive: true });
    if (config.database.type === 'sqlite') mkdirSync(dirname(config.database.path), { recursive: true });

    const tty = io.stdout.isTTY === true && !input.json;
    const display = tty ? new ProgressDisplay(io.stdout) : undefined;
    const logFile =
      (input.values['log-file'] as string | undefined) ??
      (tty ? join(dataLayout(config.dataDir).logs, 'harvester.log') : undefined);
    const logger = createLogger({
      level: config.logLevel,
      ...(logFile !== undefined ? { file: logFile } : { stream: input.json ? io.stderr : io.stdout }),
      ...(display ? { alerts: alertStream(display) } : {}),
    });

    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        logger.info({ signal: sig }, 'stopping: finishing the cycles in flight');
        display?.alert(`${sig}: stopping after the cycles in flight (again to stop at once)`);
        controller.abort();
      } else {
        logger.warn({ signal: sig }, 'stopping at once');
        process.exit(130);
      }
    };

    const engine = await createEngine(config, logger);
    const startedAt = Date.now();
    let http: HttpServer | undefined;
    if (config.http.enabled) {
      try {
        http = await startHttpServer({
          config: config.http,
          ds: engine.db.ds,
          db: engine.db,
          identity: engine.identity,
          logger,
          startedAt: new Date(startedAt),
        });
      } catch (err) {
        // Nothing ran yet: stop the engine (leases, database) and say why.
        logger.error({ err }, 'cannot start the HTTP API');
        await engine.stop();
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        throw err;
      }
      logger.info(
        {
          url: http.url,
          stateChanges: config.http.token ? 'with the bearer token' : 'refused (no http.token)',
        },
        'HTTP API listening',
      );
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const queues = Object.keys(config.queues);
    const header = `harvester ${config.harvesterId} · ${queues.length === 1 ? `queue ${queues[0]}` : `${queues.length} queues`} · ${config.database.type === 'sqlite' ? config.database.path : `mysql ${config.database.host ?? ''}`}${http ? ` · ${http.url}` : ''}`;
    logger.info(
      {
        mode,
        queues,
        dataDir: config.dataDir,
        configFile: config.file ?? 'embedded default',
        instance: engine.identity.instance,
        ...(http ? { http: http.url } : {}),
      },
      'harvester started',
    );
    let refreshing = false;
    const refresh = async () => {
      if (refreshing) return;
      refreshing = true;
      try {
        const counts = await stateCounts(engine.db.ds);
        if (display) display.show(renderProgress(header, counts, startedAt));
        else logger.info({ jobs: counts.jobSubStatuses, workers: counts.workers }, 'progress');
      } catch {
        // the database is closing or busy: the next tick will show it
      } finally {
        refreshing = false;
      }
    };
    const timer = setInterval(refresh, display ? 1_000 : 30_000);
    if (display) await refresh();
    let outcome: Awaited<ReturnType<typeof runLoop>>;
    try {
      outcome = await runLoop(engine, {
        mode,
        timeoutMs: (timeoutS ?? 600) * 1_000,
        signal: controller.signal,
      });
    } catch (err) {
      // The loop itself broke (e.g. the database went away): stop cleanly, then say why.
      await http?.close();
      await engine.stop().catch(() => undefined);
      logger.error({ err }, 'harvester stopped on an error');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      throw err;
    } finally {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Before the engine stops and its database closes: requests in flight finish first.
      await http?.close();
    }
    const counts = await stateCounts(engine.db.ds);
    if (display) {
      display.show(renderProgress(header, counts, startedAt));
      display.stop();
    }
    await engine.stop();
    logger.info({ outcome, jobs: counts.jobs, workers: counts.workers }, 'harvester stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    if (input.json)
      printJson(io, {
        outcome,
        jobs: counts.jobs,
        jobSubStatuses: counts.jobSubStatuses,
        workers: counts.workers,
      });
    if (outcome === 'timeout') {
      io.stderr.write(
        `harvester run: still busy after ${timeoutS ?? 600} s (jobs: ${JSON.stringify(counts.jobSubStatuses)}, workers: ${JSON.stringify(counts.workers)})\n`,
      );
      return EXIT.timeout;
    }
    return EXIT.ok;
  },
};
