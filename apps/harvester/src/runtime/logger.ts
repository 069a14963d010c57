// The app's logger: JSON lines (pino) to stdout, or — while a progress display owns the terminal —
// to a log file, with warnings and errors also shown above the display.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where JSON lines go: a file path, or a stream (default stdout). */
  file?: string;
  stream?: DestinationStream;
  /** Also receives every line at `warn` or above (the progress display shows them). */
  alerts?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level as LevelWithSilent;
  let main: DestinationStream;
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    main = pino.destination({ dest: options.file, sync: false, mkdir: true });
  } else {
    main = options.stream ?? pino.destination({ dest: 1, sync: true });
  }
  // pino.multistream has no 'silent' level: a silent logger writes nowhere anyway.
  const streamLevel = (level === 'silent' ? 'fatal' : level) as pino.Level;
  const streams: pino.StreamEntry[] = [{ level: streamLevel, stream: main }];
  if (options.alerts) streams.push({ level: 'warn', stream: options.alerts });
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secrets never reach a log line, even when a plugin logs its options.
      redact: {
        paths: ['*.password', '*.token', '*.secret', '*.*.password', '*.*.token'],
        censor: '[redacted]',
      },
    },
    pino.multistream(streams),
  );
}
