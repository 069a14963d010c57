// Submit descriptions (batch-cli-formats.md A1): `key = value` commands (case-insensitive keys),
// `+Attr = expr` / `MY.Attr = expr`, `key @=TAG ... @TAG` here-docs, `#` comments, backslash
// continuations, macros $(name) $(name:default) $ENV(X) $(DOLLAR) and the automatic ones
// ($(Cluster) $(ClusterId) $(Process) $(ProcId) $(JobId) $(Step) $(Item) $(ItemIndex) $(Row)),
// and `queue`, `queue N`, `queue [N] [vars] in (...)` / `from (...)`. Every `queue` statement of
// a file adds procs to the same cluster (the corrections to part A). Errors are thrown as
// SubmitError carrying HTCondor's text.
// As in HTCondor (submit_utils.cpp): a command whose value is empty (after macro expansion) is
// not set, and every proc after proc 0 is chained to the cluster ad (proc 0's), so what a later
// proc leaves unset or to its default keeps proc 0's value; an empty `+Attr =` sets the
// attribute to undefined. With file checks on (knobs/submit-filechecks, i.e. the admin set
// SUBMIT_SKIP_FILECHECKS = false; the default is true since 8.7) the log file is opened at
// submit time and a failure is `ERROR: Invalid log file`; `-disable` turns the checks off.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ClassAdSyntaxError, literalOf, parseExpr } from './classad.mjs';

export class SubmitError extends Error {
  constructor(stderr) {
    super(stderr);
    this.stderr = stderr;
  }
}

/** Submit commands the emulator knows (anything else defined with `=` is a user macro). */
const COMMANDS = new Set(
  `universe executable arguments args environment env getenv input output error log log_xml initialdir
  initial_dir iwd request_cpus request_memory request_disk request_gpus requirements rank priority
  notification notify_user should_transfer_files when_to_transfer_output transfer_input_files
  transfer_output_files transfer_executable transfer_output_remaps transfer_input transfer_output
  stream_input stream_output stream_error batch_name hold leave_in_queue periodic_remove periodic_hold
  periodic_release on_exit_remove on_exit_hold max_retries accounting_group accounting_group_user
  x509userproxy use_x509userproxy grid_resource job_max_vacate_time concurrency_limits docker_image
  container_image image_size job_lease_duration success_exit_code coresize nice_user kill_sig
  remove_kill_sig hold_kill_sig want_graceful_removal description deferral_time job_machine_attrs
  submit_event_notes copy_to_spool buffer_size max_materialize max_idle allowed_execute_duration
  allowed_job_duration job_ad_information_attrs encrypt_input_files encrypt_output_files
  dont_encrypt_input_files dont_encrypt_output_files output_destination skip_filechecks
  use_oauth_services want_remote_io +job_ad_attrs hold_reason hold_reason_code hold_reason_subcode
  scitokens_file ulog_execute_attrs delegate_job_gsi_credentials_lifetime request_gpu_memory
  cloud_label_names gpus_minimum_capability gpus_maximum_capability gpus_minimum_memory
  gpus_minimum_runtime`.split(/\s+/),
);

const AUTOMATIC = new Set([
  'cluster',
  'clusterid',
  'process',
  'procid',
  'jobid',
  'step',
  'item',
  'itemindex',
  'row',
  'node',
  'dollar',
  'submit_file',
  'submit_time',
]);

const MULTI_QUEUE_WARNING =
  '\nWarning: Use of multiple queue statements in a single submit file is deprecated.' +
  '\n         This functionality will be removed in the V24 feature series. To see' +
  '\n         how multiple queue statements can be converted into one visit:' +
  '\nhttps://htcondor.readthedocs.io/en/latest/auto-redirect.html?category=example&tag=convert-multi-queue-statements\n';

function parseError(file, line, msg) {
  return new SubmitError(
    `\nERROR: on Line ${line} of ${file}: ${msg}\n\nERROR: Failed to parse command file (line ${line}).\n`,
  );
}

/** Attributes every proc has of its own (never taken from proc 0's ad). */
const PER_PROC = new Set([
  'ClusterId',
  'ProcId',
  'JobStatus',
  'LastJobStatus',
  'QDate',
  'EnteredCurrentStatus',
  'GlobalJobId',
  'NumJobStarts',
  'NumRestarts',
  'NumCkpts',
  'ImageSize',
  'DiskUsage',
  'CumulativeSlotTime',
  'RemoteWallClockTime',
  'HoldReason',
  'HoldReasonCode',
  'HoldReasonSubCode',
  'NumHolds',
]);

const STRERROR = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
};

/** Splits a file into logical lines: { text, line } with continuations joined. */
function logicalLines(text) {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const out = [];
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let line = raw[i];
    while (/\\$/.test(line) && i + 1 < raw.length) {
      line = line.slice(0, -1) + raw[++i];
    }
    out.push({ text: line, line: start, index: i });
  }
  return out;
}

/** New-syntax arguments ("..."): "" is a quote, '' groups words, '' inside '' is a quote. */
export function parseArgsV2(inner) {
  const args = [];
  let cur = '';
  let have = false;
  let i = 0;
  while (i < inner.length) {
    const c = inner[i];
    if (c === '"' && inner[i + 1] === '"') {
      cur += '"';
      have = true;
      i += 2;
      continue;
    }
    if (c === '"') throw new Error('unexpected double quote in arguments (write "" for a literal one)');
    if (c === "'") {
      have = true;
      let j = i + 1;
      for (;;) {
        if (j >= inner.length) throw new Error(`unbalanced single quote in arguments: ${inner}`);
        if (inner[j] === "'" && inner[j + 1] === "'") {
          cur += "'";
          j += 2;
          continue;
        }
        if (inner[j] === "'") break;
        if (inner[j] === '"' && inner[j + 1] === '"') {
          cur += '"';
          j += 2;
          continue;
        }
        cur += inner[j];
        j++;
      }
      i = j + 1;
      continue;
    }
    if (/\s/.test(c)) {
      if (have) args.push(cur);
      cur = '';
      have = false;
      i++;
      continue;
    }
    cur += c;
    have = true;
    i++;
  }
  if (have) args.push(cur);
  return args;
}

/** Old-syntax arguments: words separated by white space, \" a literal quote. */
export function parseArgsV1(value) {
  const marker = '\u0000';
  return value
    .replaceAll('\\"', marker)
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => w.replaceAll(marker, '"'));
}

/** The environment entries of an `environment` value, as [name, value] pairs. */
export function parseEnvironment(value) {
  const v = value.trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
    return parseArgsV2(v.slice(1, -1)).map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    });
  }
  return v
    .split(';')
    .filter((e) => e !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    });
}

/** `32 Mb`, `2GB`, `100` (in `unit`), to `unit`; undefined when it is no plain quantity. */
function quantity(value, unit) {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGT])?B?$/i.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const exp = { K: 1, M: 2, G: 3, T: 4 };
  const from = m[2] ? exp[m[2].toUpperCase()] : unit;
  return Math.ceil(n * 1024 ** (from - unit));
}

const DEFAULT_REQUIREMENTS =
  '(TARGET.Arch == "X86_64") && (TARGET.OpSys == "LINUX") && (TARGET.Disk >= RequestDisk) && (TARGET.Memory >= RequestMemory) && (TARGET.HasFileTransfer)';

/**
 * Parses a submit description and makes the job ads of its procs.
 * options: { file, cwd, clusterId, qdate, owner, scheddName, macros (command-line var=value),
 *            append (lines), spool }
 * Returns { ads: [...], stderr: warnings }.
 */
export function processSubmit(text, options) {
  const hash = new Map(); // lower key -> { name, raw, line, text }
  const attrs = new Map(); // lower attr -> { name, raw }
  const used = new Set();
  const ads = [];
  let stderr = '';
  let queueStatements = 0;
  const live = new Map(); // automatic and loop variables
  live.set('submit_file', options.file);
  live.set('submit_time', String(options.qdate));
  for (const [k, v] of Object.entries(options.macros ?? {})) {
    hash.set(k.toLowerCase(), { name: k, raw: v, line: 0, text: `${k}=${v}` });
  }

  const lookup = (name) => {
    const lower = name.toLowerCase();
    if (lower === 'dollar') return '$';
    if (live.has(lower)) return live.get(lower);
    if (lower.startsWith('my.')) {
      const a = attrs.get(lower.slice(3));
      return a?.raw;
    }
    const h = hash.get(lower);
    if (h) {
      used.add(lower);
      return h.raw;
    }
    return undefined;
  };

  const expand = (value, depth = 0) => {
    if (depth > 40) throw new SubmitError(`\nERROR: macro expansion of "${value}" is too deep\n`);
    let out = '';
    let i = 0;
    while (i < value.length) {
      if (value.startsWith('$$(', i)) {
        const close = value.indexOf(')', i);
        const end = close < 0 ? value.length : close + 1;
        out += value.slice(i, end);
        i = end;
        continue;
      }
      const m = /^\$(ENV|RANDOM_CHOICE|RANDOM_INTEGER)?\(/.exec(value.slice(i));
      if (m) {
        let depthP = 0;
        let j = i + m[0].length - 1;
        for (; j < value.length; j++) {
          if (value[j] === '(') depthP++;
          else if (value[j] === ')') {
            depthP--;
            if (depthP === 0) break;
          }
        }
        if (j >= value.length) {
          out += value.slice(i);
          break;
        }
        const body = value.slice(i + m[0].length, j);
        if (m[1] === 'ENV') out += process.env[expand(body, depth + 1)] ?? '';
        else if (m[1] === 'RANDOM_CHOICE') {
          const choices = expand(body, depth + 1).split(',');
          out += (choices[Math.floor(Math.random() * choices.length)] ?? '').trim();
        } else if (m[1] === 'RANDOM_INTEGER') {
          const [lo, hi] = expand(body, depth + 1)
            .split(',')
            .map(Number);
          out += String(lo + Math.floor(Math.random() * (hi - lo + 1)));
        } else {
          const colon = body.indexOf(':');
          const name = (colon < 0 ? body : body.slice(0, colon)).trim();
          const fallback = colon < 0 ? undefined : body.slice(colon + 1);
          const found = lookup(name);
          if (found !== undefined) out += name.toLowerCase() === 'dollar' ? '$' : expand(found, depth + 1);
          else if (fallback !== undefined) out += expand(fallback, depth + 1);
        }
        i = j + 1;
        continue;
      }
      out += value[i];
      i++;
    }
    return out;
  };

  // An empty value (after expansion) is not set.
  const get = (key) => {
    const h = hash.get(key);
    if (!h) return undefined;
    used.add(key);
    const v = expand(h.raw).trim();
    return v === '' ? undefined : v;
  };

  const makeAd = (procId, step, itemIndex) => {
    live.set('cluster', String(options.clusterId));
    live.set('clusterid', String(options.clusterId));
    live.set('process', String(procId));
    live.set('procid', String(procId));
    live.set('jobid', `${options.clusterId}.${procId}`);
    live.set('step', String(step));
    live.set('itemindex', String(itemIndex));
    live.set('row', String(itemIndex));
    // Attributes set to their default because the proc's description leaves them unset: a proc
    // after proc 0 takes proc 0's value instead (the chained cluster ad).
    const defaulted = new Set();
    const executable = get('executable');
    if (!executable) throw new SubmitError("\nERROR: No 'executable' parameter was provided\n");
    const cwd = options.cwd;
    const cmd = resolve(cwd, executable);
    const transferExe = (get('transfer_executable') ?? 'true').toLowerCase();
    if (!['false', 'no', 'f', 'n', '0'].includes(transferExe) && !existsSync(cmd)) {
      throw new SubmitError(`\nERROR: Executable file ${cmd} does not exist\n`);
    }
    const iwdRaw = get('initialdir') ?? get('initial_dir') ?? get('iwd');
    if (!iwdRaw) defaulted.add('Iwd');
    const iwd = iwdRaw ? resolve(cwd, iwdRaw) : procId > 0 && ads[0] ? ads[0].Iwd : cwd;
    let iwdOk = false;
    try {
      iwdOk = statSync(iwd).isDirectory();
    } catch {
      iwdOk = false;
    }
    if (!iwdOk) throw new SubmitError(`\nERROR: No such directory: ${iwd}\n`);
    const now = options.qdate;
    const ad = {
      ClusterId: options.clusterId,
      ProcId: procId,
      JobStatus: 1,
      LastJobStatus: 0,
      QDate: now,
      EnteredCurrentStatus: now,
      Cmd: cmd,
      Iwd: iwd,
      In: get('input') ?? '/dev/null',
      Out: get('output') ?? '/dev/null',
      Err: get('error') ?? '/dev/null',
      JobUniverse: 5,
      Owner: options.owner,
      User: `${options.owner}@${options.uidDomain}`,
      GlobalJobId: `${options.scheddName}#${options.clusterId}.${procId}#${now}`,
      MyType: 'Job',
      TargetType: 'Machine',
      JobPrio: 0,
      NumJobStarts: 0,
      NumRestarts: 0,
      NumCkpts: 0,
      ImageSize: 0,
      DiskUsage: 0,
      CumulativeSlotTime: 0,
      RemoteWallClockTime: { real: 0 },
      RequestCpus: 1,
      RequestMemory: { expr: 'ifthenelse(MemoryUsage =!= undefined,MemoryUsage,(ImageSize + 1023) / 1024)' },
      RequestDisk: { expr: 'DiskUsage' },
      Requirements: { expr: DEFAULT_REQUIREMENTS },
      ShouldTransferFiles: 'IF_NEEDED',
      WhenToTransferOutput: 'ON_EXIT',
      TransferIn: false,
      LeaveJobInQueue: options.spool
        ? {
            expr: 'JobStatus == 4 && (CompletionDate =?= UNDEFINED || CompletionDate == 0 || ((time() - CompletionDate) < 864000))',
          }
        : false,
    };
    for (const [cmdKey, attr] of [
      ['input', 'In'],
      ['output', 'Out'],
      ['error', 'Err'],
      ['universe', 'JobUniverse'],
      ['request_cpus', 'RequestCpus'],
      ['request_memory', 'RequestMemory'],
      ['request_disk', 'RequestDisk'],
      ['requirements', 'Requirements'],
      ['should_transfer_files', 'ShouldTransferFiles'],
      ['when_to_transfer_output', 'WhenToTransferOutput'],
      ['leave_in_queue', 'LeaveJobInQueue'],
    ]) {
      if (get(cmdKey) === undefined) defaulted.add(attr);
    }
    const universe = (get('universe') ?? 'vanilla').toLowerCase();
    const universes = {
      vanilla: 5,
      standard: 1,
      scheduler: 7,
      grid: 9,
      java: 10,
      parallel: 11,
      local: 12,
      vm: 13,
      docker: 5,
      container: 5,
    };
    if (!(universe in universes))
      throw new SubmitError(`\nERROR: I don't know about the '${universe}' universe.\n`);
    ad.JobUniverse = universes[universe];
    const args = get('arguments') ?? get('args');
    if (args !== undefined && args !== '') {
      if (args.startsWith('"')) {
        if (!args.endsWith('"') || args.length < 2) {
          throw new SubmitError(`\nERROR: Arguments string is missing the closing double-quote: ${args}\n`);
        }
        try {
          parseArgsV2(args.slice(1, -1));
        } catch (err) {
          throw new SubmitError(`\nERROR: ${err.message}\n`);
        }
        ad.Arguments = args.slice(1, -1);
      } else ad.Args = args;
    }
    const env = get('environment') ?? get('env');
    if (env !== undefined && env !== '') {
      if (env.startsWith('"')) ad.Environment = env.slice(1, -1);
      else ad.Env = env;
    }
    const getenv = get('getenv');
    if (getenv !== undefined) ad.GetEnv = ['true', 'yes', 't', 'y', '1'].includes(getenv.toLowerCase());
    const log = get('log');
    if (log) {
      ad.UserLog = resolve(iwd, log);
      if (options.fileChecks) {
        // condor_submit's check_sub_file: the log must open for appending.
        try {
          closeSync(openSync(ad.UserLog, 'a', 0o664));
        } catch (err) {
          throw new SubmitError(
            `\nERROR: Invalid log file: "${ad.UserLog}" (${STRERROR[err.code] ?? err.message})\n`,
          );
        }
      }
    }
    const cpus = get('request_cpus');
    if (cpus !== undefined) ad.RequestCpus = /^[0-9]+$/.test(cpus) ? Number(cpus) : { expr: cpus };
    const memory = get('request_memory');
    if (memory !== undefined) ad.RequestMemory = quantity(memory, 2) ?? { expr: memory };
    const disk = get('request_disk');
    if (disk !== undefined) ad.RequestDisk = quantity(disk, 1) ?? { expr: disk };
    const stf = get('should_transfer_files');
    if (stf !== undefined) ad.ShouldTransferFiles = stf.toUpperCase();
    const wtto = get('when_to_transfer_output');
    if (wtto !== undefined) ad.WhenToTransferOutput = wtto.toUpperCase();
    const tif = get('transfer_input_files');
    if (tif) ad.TransferInput = tif;
    const tof = get('transfer_output_files');
    if (tof) ad.TransferOutput = tof;
    const batch = get('batch_name');
    if (batch) ad.JobBatchName = batch.replace(/^"(.*)"$/, '$1');
    const proxy = get('x509userproxy');
    if (proxy) ad.x509userproxy = resolve(cwd, proxy);
    for (const [cmdKey, attr] of [
      ['requirements', 'Requirements'],
      ['rank', 'Rank'],
      ['periodic_remove', 'PeriodicRemove'],
      ['periodic_hold', 'PeriodicHold'],
      ['periodic_release', 'PeriodicRelease'],
      ['on_exit_remove', 'OnExitRemove'],
      ['on_exit_hold', 'OnExitHold'],
      ['leave_in_queue', 'LeaveJobInQueue'],
    ]) {
      const v = get(cmdKey);
      if (v === undefined) continue;
      try {
        const lit = literalOf(parseExpr(v));
        ad[attr] = lit ? lit.value : { expr: v };
      } catch (err) {
        throw new SubmitError(`\nERROR: Parse error in expression: \n\t${attr} = ${v}\n\t${err.message}\n`);
      }
    }
    for (const { name, raw } of attrs.values()) {
      const v = expand(raw).trim();
      if (v === '') {
        // SetForcedAttributes: an empty +Attr is the expression `undefined`.
        ad[name] = null;
        continue;
      }
      let tree;
      try {
        tree = parseExpr(v);
      } catch (err) {
        if (err instanceof ClassAdSyntaxError) {
          throw new SubmitError(`\nERROR: Parse error in expression: \n\t${name} = ${v}\n\t${err.message}\n`);
        }
        throw err;
      }
      const lit = literalOf(tree);
      ad[name] = lit ? lit.value : { expr: v };
    }
    const hold = (get('hold') ?? 'false').toLowerCase();
    if (['true', 'yes', 't', 'y', '1'].includes(hold)) {
      ad.JobStatus = 5;
      ad.HoldReason = "submitted on hold at user's request";
      ad.HoldReasonCode = 15;
      ad.HoldReasonSubCode = 0;
      ad.NumHolds = 1;
    }
    if (procId > 0 && ads[0]) {
      // Chained to the cluster ad: what this proc does not set is proc 0's.
      for (const [k, v] of Object.entries(ads[0])) {
        if (PER_PROC.has(k)) continue;
        if (!(k in ad) || defaulted.has(k)) ad[k] = structuredClone(v);
      }
    }
    return ad;
  };

  const lines = logicalLines([...text.split('\n'), ...(options.append ?? [])].join('\n'));
  for (let li = 0; li < lines.length; li++) {
    const { text: rawLine, line } = lines[li];
    const l = rawLine.trim();
    if (l === '' || l.startsWith('#')) continue;
    const q = /^queue(?:\s+(.*))?$/i.exec(l);
    if (q) {
      queueStatements++;
      let rest = expand(q[1] ?? '').trim();
      let count = 1;
      const n = /^([0-9]+)\b\s*/.exec(rest);
      if (n) {
        count = Number(n[1]);
        rest = rest.slice(n[0].length);
      }
      let vars = [];
      let items = [undefined];
      if (rest !== '') {
        const form =
          /^(?:([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+)?(in|from|matching)\b\s*(.*)$/i.exec(
            rest,
          );
        if (!form) throw parseError(options.file, line, 'invalid queue statement.');
        vars = form[1] ? form[1].split(/\s*,\s*/) : ['Item'];
        const kind = form[2].toLowerCase();
        if (kind === 'matching')
          throw parseError(options.file, line, 'the emulator does not support queue ... matching');
        let listText = form[3].trim();
        if (listText.startsWith('(')) {
          if (listText.includes(')')) listText = listText.slice(1, listText.lastIndexOf(')'));
          else {
            const collected = [listText.slice(1)];
            for (li++; li < lines.length && !lines[li].text.trim().startsWith(')'); li++)
              collected.push(lines[li].text);
            listText = collected.join('\n');
          }
        } else if (kind === 'from')
          throw parseError(
            options.file,
            line,
            'the emulator supports queue ... from only with an inline list',
          );
        items =
          kind === 'in'
            ? listText.split(/[\s,]+/).filter((s) => s !== '')
            : listText
                .split('\n')
                .map((s) => s.trim())
                .filter((s) => s !== '');
      }
      items.forEach((item, itemIndex) => {
        if (item !== undefined) {
          if (kind(vars) === 'single') live.set(vars[0].toLowerCase(), item);
          else {
            const parts = item.split(/[\s,]+/);
            vars.forEach((v, vi) => {
              live.set(
                v.toLowerCase(),
                vi === vars.length - 1 ? parts.slice(vi).join(' ') : (parts[vi] ?? ''),
              );
            });
          }
          if (!vars.map((v) => v.toLowerCase()).includes('item')) live.set('item', item);
        }
        for (let step = 0; step < count; step++) ads.push(makeAd(ads.length, step, itemIndex));
      });
      continue;
    }
    const here = /^([^=\s]+)\s*@=\s*(\S*)\s*$/.exec(l);
    if (here) {
      const tag = `@${here[2]}`;
      const body = [];
      for (li++; li < lines.length && lines[li].text.trim() !== tag; li++) body.push(lines[li].text);
      define(here[1], body.join('\n'), line, l);
      continue;
    }
    const eq = l.indexOf('=');
    if (eq < 0) throw parseError(options.file, line, 'invalid queue statement.');
    define(l.slice(0, eq).trim(), l.slice(eq + 1).trim(), line, l);
  }

  function kind(vars) {
    return vars.length === 1 ? 'single' : 'multi';
  }

  function define(key, value, line, text) {
    if (key.startsWith('+') || /^my\./i.test(key)) {
      const name = key.startsWith('+') ? key.slice(1) : key.slice(3);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw parseError(options.file, line, `Illegal Identifier: ${name}`);
      }
      attrs.set(name.toLowerCase(), { name, raw: value });
      return;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key))
      throw parseError(options.file, line, `Illegal Identifier: ${key}`);
    hash.set(key.toLowerCase(), { name: key, raw: value, line, text });
  }

  if (queueStatements === 0) {
    throw new SubmitError(
      `\nERROR: "${options.file}" doesn't contain any "queue" commands -- no jobs queued\n`,
    );
  }
  if (queueStatements > 1) stderr += MULTI_QUEUE_WARNING;
  for (const [key, h] of hash) {
    if (h.line === 0 || COMMANDS.has(key) || AUTOMATIC.has(key) || used.has(key)) continue;
    stderr += `WARNING: the line '${h.name} = ${h.raw}' was unused by condor_submit. Is it a typo?\n`;
  }
  return { ads, stderr };
}

/** The argv a job runs: Cmd and its arguments. */
export function jobArgv(ad) {
  if (typeof ad.Arguments === 'string') return [ad.Cmd, ...parseArgsV2(ad.Arguments)];
  if (typeof ad.Args === 'string') return [ad.Cmd, ...parseArgsV1(ad.Args)];
  return [ad.Cmd];
}

/** A path of the job (Out, Err, In) as the starter opens it: relative to Iwd. */
export function jobPath(ad, value) {
  return isAbsolute(value) ? value : resolve(ad.Iwd, value);
}
