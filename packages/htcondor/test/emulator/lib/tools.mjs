#!/usr/bin/env node
// The emulated HTCondor command-line tools (batch-cli-formats.md part A, HTCondor 24.0 behaviour):
// `node tools.mjs <tool> <args...>` with tool one of condor_submit, condor_q, condor_history,
// condor_rm, condor_hold, condor_release, and condor_emulator (the tests' admin tool). The
// shims in ../bin call it. Every invocation is appended to calls.log first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassAdSyntaxError, matches, parseExpr, unparseValue } from './classad.mjs';
import { abortedEvent, heldEvent, releasedEvent, submitEvent } from './eventlog.mjs';
import {
  autoformat,
  formatPairs,
  historyTable,
  jsonLines,
  jsonList,
  longAds,
  project,
  queueTable,
} from './output.mjs';
import {
  alive,
  appendHistory,
  ensureDaemon,
  HOST,
  killGroup,
  knob,
  knownSchedds,
  localScheddName,
  logCall,
  nowSeconds,
  readHistory,
  readQueue,
  resolveSchedd,
  scheddDir,
  setKnob,
  sinful,
  sortIds,
  stateDir,
  UID_DOMAIN,
  USER,
  unreachable,
  withLock,
  writeQueue,
} from './state.mjs';
import { processSubmit, SubmitError } from './submit.mjs';

const out = (s) => process.stdout.write(s);
const err = (s) => process.stderr.write(s);

function finish(code) {
  // Let stdout/stderr drain before exiting.
  process.exitCode = code;
}

const tool = process.argv[2];
const args = process.argv.slice(3);
const dir = stateDir();
logCall(dir, tool, args);

const connectError = (schedd) => `CEDAR:6001:Failed to connect to ${sinful(schedd)}`;

// ---- condor_submit ---------------------------------------------------------------------------------

function condorSubmit(argv) {
  let terse = false;
  let verbose = false;
  let scheddArg;
  let spool = false;
  let disable = false;
  let file;
  const macros = {};
  const append = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const needs = () => {
      if (i + 1 >= argv.length) {
        err(`condor_submit: ${a} requires another argument\n`);
        return undefined;
      }
      return argv[++i];
    };
    if (a === '-terse') terse = true;
    else if (a === '-verbose' || a === '-v') verbose = true;
    else if (a === '-name' || a === '-n') {
      scheddArg = needs();
      if (scheddArg === undefined) return 1;
    } else if (a === '-remote' || a === '-r') {
      // Always takes the next argument as the schedd name (so `-remote -spool` names "-spool").
      const name = needs();
      if (name === undefined) return 1;
      if (resolveSchedd(dir, name) === undefined) {
        err(`condor_submit: unknown host ${name}\n`);
        return 1;
      }
      scheddArg = name;
      spool = true;
    } else if (a === '-pool' || a === '-p') {
      if (needs() === undefined) return 1;
    } else if (a === '-spool' || a === '-s') spool = true;
    else if (a === '-disable' || a === '-d') disable = true;
    else if (a === '-single-cluster') {
      // One cluster per file always (see processSubmit).
    } else if (a === '-batch-name') {
      const n = needs();
      if (n === undefined) return 1;
      append.push(`batch_name = ${n}`);
    } else if (a === '-append' || a === '-a') {
      const l = needs();
      if (l === undefined) return 1;
      append.push(l);
    } else if (a === '-maxjobs') {
      if (needs() === undefined) return 1;
    } else if (a === '-file') {
      file = needs();
      if (file === undefined) return 1;
    } else if (a === '-') file = '-';
    else if (a.startsWith('-')) {
      err(
        `condor_submit: unknown option ${a}\nUsage: condor_submit [options] [<attrib>=<value>] [- | <submit-file>]\n`,
      );
      return 1;
    } else if (/^[A-Za-z_][A-Za-z0-9_.]*=/.test(a)) {
      const eq = a.indexOf('=');
      macros[a.slice(0, eq)] = a.slice(eq + 1);
    } else file = a;
  }
  if (file === '-' && !terse) verbose = true;
  const schedd = resolveSchedd(dir, scheddArg);
  if (schedd === undefined) {
    err(`\nERROR: Can't find address of schedd ${scheddArg}\n`);
    return 1;
  }
  let text;
  try {
    text = file === undefined || file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    err(
      `\nERROR: Failed to open command file (${file}) (${e.code === 'ENOENT' ? 'No such file or directory' : e.message})\n`,
    );
    return 1;
  }
  if (!terse && !verbose) out('Submitting job(s)');
  if (unreachable(dir, schedd)) {
    if (!terse && !verbose) out('\n');
    err(
      scheddArg
        ? `\nERROR: Failed to connect to queue manager ${schedd}\n${connectError(schedd)}\n`
        : `\nERROR: Failed to connect to local queue manager\n${connectError(schedd)}\n`,
    );
    return 1;
  }
  const failures = knob(dir, 'fail-submits');
  if (failures !== undefined) {
    const f = typeof failures === 'object' ? failures : { count: Number(failures) };
    if ((f.count ?? 0) > 0) {
      setKnob(dir, 'fail-submits', { ...f, count: f.count - 1 });
      if (!terse && !verbose) out('\n');
      err(
        `\nERROR: Failed to commit job submission into the queue.\nERROR: ${f.message ?? 'the emulator was told to fail this submission'}\n`,
      );
      return 1;
    }
  }
  const result = withLock(dir, () => {
    const queue = readQueue(dir, schedd);
    const clusterId = queue.nextCluster;
    let parsed;
    try {
      parsed = processSubmit(text, {
        file: file === undefined || file === '-' ? 'stdin' : file,
        cwd: process.cwd(),
        clusterId,
        qdate: nowSeconds(),
        owner: USER,
        uidDomain: UID_DOMAIN,
        scheddName: schedd,
        macros,
        append,
        spool,
        // SUBMIT_SKIP_FILECHECKS is true by default; knobs/submit-filechecks sets it false.
        fileChecks: knob(dir, 'submit-filechecks') !== undefined && !disable,
      });
    } catch (e) {
      if (e instanceof SubmitError) return { error: e.stderr };
      throw e;
    }
    // knobs/fail-spool ({count, message}): with -spool/-remote the cluster is committed (its
    // jobs held, SpoolingInput, until their files are spooled) and then spooling fails.
    let spoolFailure;
    const spoolKnob = spool ? knob(dir, 'fail-spool') : undefined;
    if (spoolKnob !== undefined) {
      const f = typeof spoolKnob === 'object' ? spoolKnob : { count: Number(spoolKnob) };
      if ((f.count ?? 0) > 0) {
        setKnob(dir, 'fail-spool', { ...f, count: f.count - 1 });
        spoolFailure = f.message ?? 'the emulator was told to fail spooling the input files';
        for (const ad of parsed.ads) {
          ad.JobStatus = 5;
          ad.HoldReason = 'Spooling input data files';
          ad.HoldReasonCode = 16;
          ad.HoldReasonSubCode = 0;
          ad.NumHolds = (ad.NumHolds ?? 0) + 1;
        }
      }
    }
    queue.nextCluster = clusterId + 1;
    for (const ad of parsed.ads) queue.jobs[`${ad.ClusterId}.${ad.ProcId}`] = ad;
    writeQueue(dir, schedd, queue);
    return { clusterId, ads: parsed.ads, warnings: parsed.stderr, spoolFailure };
  });
  if (result.error) {
    if (!terse && !verbose) out('\n');
    err(result.error);
    return 1;
  }
  // The schedd writes the submit events; one it cannot write is only in its own log.
  for (const ad of result.ads) submitEvent(ad, sinful(schedd));
  if (result.warnings) err(result.warnings);
  const n = result.ads.length;
  if (terse) out(`${result.clusterId}.0 - ${result.clusterId}.${n - 1}\n`);
  else if (verbose)
    for (const ad of result.ads) out(`\n** Proc ${ad.ClusterId}.${ad.ProcId}:\n${longAds([ad])}`);
  else out(`${'.'.repeat(n)}\n${n} job(s) submitted to cluster ${result.clusterId}.\n`);
  if (result.spoolFailure !== undefined) {
    // submit.cpp: after the ids are printed, spoolJobFiles fails.
    err(`\n${result.spoolFailure}\n`);
    err('ERROR: Failed to spool job files.\n');
    return 1;
  }
  ensureDaemon(dir, schedd);
  return 0;
}

// ---- condor_q and condor_history -------------------------------------------------------------------

/** The options both query tools take; undefined (after printing why) on an error. */
function parseQueryArgs(toolName, argv) {
  const q = {
    mode: 'table',
    attributes: undefined,
    constraints: [],
    ids: [],
    owners: [],
    af: [],
    afOpts: '',
    format: [],
    match: undefined,
    completedSince: undefined,
    forwards: false,
    name: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) {
        err(`Error: Argument ${a} requires another argument\n`);
        return undefined;
      }
      return argv[++i];
    };
    if (a === '-json') q.mode = 'json';
    else if (a === '-jsonl' && toolName === 'condor_history') q.mode = 'jsonl';
    else if (a === '-long' || a === '-l') q.mode = 'long';
    else if (a === '-xml') {
      err(`${toolName}: the emulator does not implement -xml\n`);
      return undefined;
    } else if (/^-(af|autoformat)(:.*)?$/.test(a)) {
      q.mode = 'af';
      q.afOpts = a.includes(':') ? a.slice(a.indexOf(':') + 1) : '';
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) q.af.push(argv[++i]);
    } else if (a === '-format') {
      const fmt = next();
      const expr = next();
      if (fmt === undefined || expr === undefined) return undefined;
      q.mode = 'format';
      q.format.push([fmt, expr]);
    } else if (a === '-attributes' || a === '-attrs') {
      const v = next();
      if (v === undefined) return undefined;
      q.attributes = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    } else if (a === '-constraint') {
      const v = next();
      if (v === undefined) return undefined;
      try {
        q.constraints.push(parseExpr(v));
      } catch (e) {
        if (!(e instanceof ClassAdSyntaxError)) throw e;
        err(`Error: Argument ${i} (${v}) is not a valid constraint\n`);
        return undefined;
      }
    } else if (a === '-name') {
      q.name = next();
      if (q.name === undefined) return undefined;
    } else if (a === '-pool') {
      if (next() === undefined) return undefined;
    } else if ((a === '-match' || a === '-limit') && toolName === 'condor_history') {
      const v = next();
      if (v === undefined) return undefined;
      q.match = Number(v);
    } else if (a === '-completedsince' && toolName === 'condor_history') {
      // history.cpp: the scan ends at the first ad (in reading order) with CompletionDate <= T.
      const v = next();
      if (v === undefined) return undefined;
      try {
        q.completedSince = parseExpr(`CompletionDate <= ${v}`);
      } catch (e) {
        if (!(e instanceof ClassAdSyntaxError)) throw e;
        err(`Error: '${v}' not valid parameter for -completedsince `);
        return undefined;
      }
    } else if (a === '-scanlimit' || a === '-since') {
      if (next() === undefined) return undefined;
    } else if (a === '-forwards') q.forwards = true;
    else if (['-allusers', '-nobatch', '-batch', '-totals', '-wide', '-global', '-all'].includes(a)) {
      // accepted; the emulator's queue holds the current user's jobs only
    } else if (a.startsWith('-')) {
      err(`Error: unrecognized argument ${a}\n`);
      return undefined;
    } else if (/^[0-9]+(\.[0-9]+)?$/.test(a)) q.ids.push(a);
    else q.owners.push(a);
  }
  return q;
}

function selected(ad, q) {
  if (q.ids.length > 0) {
    const hit = q.ids.some((id) => {
      const [c, p] = id.split('.');
      return ad.ClusterId === Number(c) && (p === undefined || ad.ProcId === Number(p));
    });
    if (!hit) return false;
  }
  if (q.owners.length > 0 && !q.owners.includes(String(ad.Owner))) return false;
  return q.constraints.every((c) => matches(c, ad));
}

function render(toolName, ads, q, extra) {
  const printed = ads.map((ad) => {
    let attrs = q.attributes;
    if (attrs && toolName === 'condor_q') attrs = [...attrs, 'ClusterId', 'ProcId'];
    // ServerTime is added by the schedd after the projection.
    return { ...project(ad, attrs), ...extra };
  });
  switch (q.mode) {
    case 'json':
      return jsonList(printed, toolName === 'condor_history');
    case 'jsonl':
      return jsonLines(printed);
    case 'long':
      return longAds(printed);
    case 'af':
      return autoformat(ads, q.af, q.afOpts);
    case 'format':
      return formatPairs(ads, q.format);
    default:
      return '';
  }
}

function condorQ(argv) {
  const q = parseQueryArgs('condor_q', argv);
  if (!q) return 1;
  const schedd = resolveSchedd(dir, q.name);
  if (schedd === undefined) {
    err('Error: Collector has no record of schedd/submitter\n');
    return 1;
  }
  if (unreachable(dir, schedd)) {
    err(`\n-- Failed to fetch ads from: ${sinful(schedd)} : ${HOST}\n${connectError(schedd)}\n`);
    return 1;
  }
  const queue = readQueue(dir, schedd);
  const ads = sortIds(Object.keys(queue.jobs))
    .map((id) => queue.jobs[id])
    .filter((ad) => selected(ad, q));
  const now = nowSeconds();
  if (q.mode === 'table') out(queueTable(ads, schedd, sinful(schedd), now));
  else out(render('condor_q', ads, q, q.mode === 'json' || q.mode === 'long' ? { ServerTime: now } : {}));
  return 0;
}

function condorHistory(argv) {
  const q = parseQueryArgs('condor_history', argv);
  if (!q) return 1;
  const schedd = resolveSchedd(dir, q.name);
  if (schedd === undefined) {
    err('Error: Collector has no record of schedd/submitter\n');
    return 1;
  }
  // Without -name the local history file is read, even when the schedd is down.
  if (q.name !== undefined && unreachable(dir, schedd)) {
    err(`\n-- Failed to fetch ads from: ${sinful(schedd)} : ${HOST}\n${connectError(schedd)}\n`);
    return 1;
  }
  let ads = readHistory(dir, schedd);
  if (!q.forwards) ads = [...ads].reverse();
  const picked = [];
  for (const ad of ads) {
    if (q.match !== undefined && picked.length >= q.match) break;
    if (q.completedSince !== undefined && matches(q.completedSince, ad)) break;
    if (selected(ad, q)) picked.push(ad);
  }
  if (q.mode === 'table') out(historyTable(picked));
  else out(render('condor_history', picked, q, {}));
  return 0;
}

// ---- condor_rm, condor_hold, condor_release ------------------------------------------------------

const VERBS = {
  condor_rm: { past: 'marked for removal', find: 'find/remove', reason: 'via condor_rm' },
  condor_hold: { past: 'held', find: 'find/hold', reason: 'via condor_hold' },
  condor_release: { past: 'released', find: 'find/release', reason: 'via condor_release' },
};

/** What the action does to one job: 'ok', or the failure text for it. */
function act(toolName, ad, reason, subCode, schedd) {
  const id = `${ad.ClusterId}.${ad.ProcId}`;
  const now = nowSeconds();
  if (toolName === 'condor_rm') {
    if (ad.JobStatus === 3) return `Job ${id} already marked for removal`;
    ad.LastJobStatus = ad.JobStatus;
    ad.JobStatus = 3;
    ad.EnteredCurrentStatus = now;
    ad.RemoveReason = reason;
    ad.CompletionDate ??= now;
    abortedEvent(ad, reason);
    return 'ok';
  }
  if (toolName === 'condor_hold') {
    if (ad.JobStatus === 3 || ad.JobStatus === 4) return `Permission denied to hold job ${id}`;
    if (ad.JobStatus === 5 && (ad.HoldReasonCode === 1 || ad.HoldReasonCode === 16))
      return `Job ${id} already held`;
    ad.LastJobStatus = ad.JobStatus;
    ad.JobStatus = 5;
    ad.EnteredCurrentStatus = now;
    ad.HoldReason = reason;
    ad.HoldReasonCode = 1;
    ad.HoldReasonSubCode = subCode;
    ad.NumHolds = (ad.NumHolds ?? 0) + 1;
    heldEvent(ad);
    return 'ok';
  }
  if (ad.JobStatus !== 5) return `Job ${id} not held to be released`;
  ad.LastJobStatus = 5;
  ad.JobStatus = 1;
  ad.EnteredCurrentStatus = now;
  ad.ReleaseReason = reason;
  ad.LastHoldReason = ad.HoldReason;
  ad.LastHoldReasonCode = ad.HoldReasonCode;
  ad.LastHoldReasonSubCode = ad.HoldReasonSubCode;
  delete ad.HoldReason;
  delete ad.HoldReasonCode;
  delete ad.HoldReasonSubCode;
  releasedEvent(ad, reason);
  void schedd;
  return 'ok';
}

function actOnJobs(toolName, argv) {
  const verb = VERBS[toolName];
  let name;
  let reasonText;
  let subCode = 0;
  let all = false;
  const ids = [];
  const scopes = []; // { kind: 'cluster'|'user'|'constraint', text, tree }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : undefined);
    if (a === '-name') name = next();
    else if (a === '-pool' || a === '-addr') next();
    else if (a === '-reason') reasonText = next();
    else if (a === '-subcode' && toolName === 'condor_hold') subCode = Number(next());
    else if (a === '-all') all = true;
    else if (a === '-constraint') {
      const text = next() ?? '';
      let tree;
      try {
        tree = parseExpr(text);
      } catch {
        err(`${toolName}: invalid constraint ${text}\n`);
        return 1;
      }
      scopes.push({ kind: 'constraint', text, tree });
    } else if (['-forcex', '-transfer', '-long', '-totals'].includes(a)) {
      // accepted
    } else if (a.startsWith('-')) err(`Warning: unrecognized "${a}" skipped.\n`);
    else if (/^[0-9]+\.[0-9]+$/.test(a)) ids.push(a);
    else if (/^[0-9]+$/.test(a)) scopes.push({ kind: 'cluster', text: a });
    else if (/^[0-9.]/.test(a)) {
      err(`Invalid cluster # from ${a}.\n`);
      return 1;
    } else scopes.push({ kind: 'user', text: a });
  }
  if (ids.length === 0 && scopes.length === 0 && !all) {
    err('You did not specify any jobs\n');
    return 1;
  }
  const schedd = resolveSchedd(dir, name);
  if (schedd === undefined) {
    err(`Error: unknown schedd ${name}\n`);
    return 1;
  }
  if (unreachable(dir, schedd)) {
    err(`${toolName}: ${connectError(schedd)}\n`);
    return 1;
  }
  const reason = `${reasonText ?? verb.reason} (by user ${USER})`;
  const result = withLock(dir, () => {
    const queue = readQueue(dir, schedd);
    const lines = [];
    let okCount = 0;
    let failCount = 0;
    const toHistory = [];
    for (const id of ids) {
      const ad = queue.jobs[id];
      if (!ad) {
        lines.push({ ok: false, text: `Job ${id} not found` });
        failCount++;
        continue;
      }
      const r = act(toolName, ad, reason, subCode, schedd);
      if (r === 'ok') {
        okCount++;
        lines.push({ ok: true, text: `Job ${id} ${verb.past}` });
      } else {
        failCount++;
        lines.push({ ok: false, text: r });
      }
    }
    const summaries = [];
    const scopeList = all ? [{ kind: 'all' }] : scopes;
    for (const scope of scopeList) {
      const inScope = Object.values(queue.jobs).filter((ad) => {
        if (scope.kind === 'cluster') return ad.ClusterId === Number(scope.text);
        if (scope.kind === 'user') return ad.Owner === scope.text;
        if (scope.kind === 'constraint') return matches(scope.tree, ad);
        return true;
      });
      // The schedd narrows: remove skips removed jobs, hold removed and completed, release all but held.
      const eligible = inScope.filter((ad) =>
        toolName === 'condor_rm'
          ? ad.JobStatus !== 3
          : toolName === 'condor_hold'
            ? ad.JobStatus !== 3 && ad.JobStatus !== 4
            : ad.JobStatus === 5 && ad.HoldReasonCode !== 16,
      );
      const words =
        scope.kind === 'cluster'
          ? `jobs in cluster ${scope.text}`
          : scope.kind === 'user'
            ? `jobs of user "${scope.text}"`
            : scope.kind === 'constraint'
              ? `jobs matching constraint (${scope.text})`
              : 'jobs';
      if (eligible.length === 0) {
        summaries.push({ ok: false, empty: Object.keys(queue.jobs).length === 0, words });
        continue;
      }
      for (const ad of eligible) act(toolName, ad, reason, subCode, schedd);
      summaries.push({ ok: true, words });
    }
    for (const [id, ad] of Object.entries(queue.jobs)) {
      // A removed job without a running process leaves the queue at once.
      if (ad.JobStatus === 3 && !queue.procs[id]) {
        delete queue.jobs[id];
        toHistory.push(ad);
      }
    }
    if (toHistory.length > 0) appendHistory(dir, schedd, toHistory);
    writeQueue(dir, schedd, queue);
    return { lines, okCount, failCount, summaries };
  });
  let code = 0;
  if (result.failCount > 0) {
    err('\n');
    if (result.okCount === 0) code = 1;
  }
  for (const l of result.lines) (l.ok ? out : err)(`${l.text}\n`);
  for (const s of result.summaries) {
    if (s.ok) out(`All ${s.words} have been ${verb.past}\n`);
    else if (s.empty) err(`${toolName}:0:There are no jobs in the queue\n`);
    else {
      err(`\nCouldn't ${verb.find} all ${s.words}\n`);
      code = 1;
    }
  }
  if (toolName === 'condor_release' || toolName === 'condor_rm') ensureDaemon(dir, schedd);
  return code;
}

// ---- condor_emulator: the tests' admin tool -------------------------------------------------------

function admin(argv) {
  const [cmd, ...rest] = argv;
  const opt = (flag) => {
    const i = rest.indexOf(flag);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const schedd = resolveSchedd(dir, opt('--name'));
  if (cmd === 'hold' || cmd === 'set') {
    const id = rest[0];
    const ok = withLock(dir, () => {
      const queue = readQueue(dir, schedd);
      const ad = queue.jobs[id];
      if (!ad) return false;
      if (cmd === 'hold') {
        // A hold by the schedd (policy, a failure), not by a user: any reason and code.
        ad.LastJobStatus = ad.JobStatus;
        ad.JobStatus = 5;
        ad.EnteredCurrentStatus = nowSeconds();
        ad.HoldReason = opt('--reason') ?? 'Reason unspecified';
        ad.HoldReasonCode = Number(opt('--code') ?? 0);
        ad.HoldReasonSubCode = Number(opt('--subcode') ?? 0);
        ad.NumHolds = (ad.NumHolds ?? 0) + 1;
        heldEvent(ad);
      } else {
        ad[rest[1]] = JSON.parse(rest[2]);
      }
      writeQueue(dir, schedd, queue);
      return true;
    });
    if (!ok) {
      err(`condor_emulator: no job ${id} in the queue of ${schedd}\n`);
      return 1;
    }
    return 0;
  }
  if (cmd === 'stop') {
    // Ends every daemon and job process of this state directory (test cleanup). Under the lock:
    // a daemon is then between ticks, so every job it started is in its queue's procs.
    const root = join(dir, 'schedds');
    const names = existsSync(root) ? readdirSync(root) : [];
    withLock(dir, () => stopAll(names));
    return 0;
  }
  if (cmd === 'schedds') {
    out(`${knownSchedds(dir).join('\n')}\n`);
    return 0;
  }
  if (cmd === 'unparse') {
    out(`${unparseValue(JSON.parse(rest[0]))}\n`);
    return 0;
  }
  err(`usage: condor_emulator hold|set|stop|schedds ... (local schedd ${localScheddName()})\n`);
  return 1;
}

function stopAll(names) {
  for (const s of names) {
    const pidFile = join(scheddDir(dir, s), 'daemon.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (pid > 0 && alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    const queue = readQueue(dir, s);
    for (const p of Object.values(queue.procs)) killGroup(p.pid, 'SIGKILL');
  }
}

// The dispatch comes last: the tables above are initialised by then.
switch (tool) {
  case 'condor_submit':
    finish(condorSubmit(args));
    break;
  case 'condor_q':
    finish(condorQ(args));
    break;
  case 'condor_history':
    finish(condorHistory(args));
    break;
  case 'condor_rm':
  case 'condor_hold':
  case 'condor_release':
    finish(actOnJobs(tool, args));
    break;
  case 'condor_emulator':
    finish(admin(args));
    break;
  default:
    err(`htcondor emulator: unknown tool ${tool}\n`);
    finish(1);
}
