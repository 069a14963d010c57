import { JobDictError } from '../src/errors.js';
import {
  checksumDigest,
  isPandaChecksum,
  isPandaNull,
  PANDA_NULL,
  pandaJobResources,
  pandaPayloadCommand,
  parsePandaChecksum,
  schedulerIDFor,
} from '../src/panda/index.js';

function thrown(fn: () => unknown): JobDictError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(JobDictError);
    return e as JobDictError;
  }
  throw new Error('expected a JobDictError');
}

describe('isPandaNull', () => {
  it.each([undefined, null, '', '  ', 'NULL', ' NULL '])('treats %p as no value', (value) => {
    expect(isPandaNull(value)).toBe(true);
  });

  it.each([0, 'null', 'None', 'x', false, [], {}])('treats %p as a value', (value) => {
    expect(isPandaNull(value)).toBe(false);
  });

  it('exports the NULL token', () => {
    expect(PANDA_NULL).toBe('NULL');
  });
});

describe('parsePandaChecksum', () => {
  it.each([
    ['ad:1a2b3c4d', 'adler32', '1a2b3c4d'],
    ['ad:ABC', 'adler32', 'abc'],
    [' AD:0000FFFF ', 'adler32', '0000ffff'],
    ['md5:0cc175b9c0f1b6a831c399e269772661', 'md5', '0cc175b9c0f1b6a831c399e269772661'],
    ['md:92EB5FFEE6AE2FEC3AD71C777531578F', 'md5', '92eb5ffee6ae2fec3ad71c777531578f'],
    ['4a8a08f09d37b73795649038408b5f33', 'md5', '4a8a08f09d37b73795649038408b5f33'],
    ['0d439274', 'adler32', '0d439274'],
  ] as const)('parses %s', (value, algorithm, digest) => {
    expect(parsePandaChecksum(value)).toEqual({ algorithm, digest });
    expect(isPandaChecksum(value)).toBe(true);
  });

  it.each([
    '',
    'ad:',
    'ad:xyz',
    'ad:123456789',
    'md5:abc',
    'sha1:0cc175b9c0f1b6a831c399e269772661aaaaaaaa',
    'abc',
    'md5:',
  ])('rejects %p', (value) => {
    expect(parsePandaChecksum(value)).toBeUndefined();
    expect(isPandaChecksum(value)).toBe(false);
  });

  it('strips the prefix for reports', () => {
    expect(checksumDigest('ad:0a0b0c0d')).toBe('0a0b0c0d');
    expect(checksumDigest('md5:0cc175b9c0f1b6a831c399e269772661')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(checksumDigest('0a0b0c0d')).toBe('0a0b0c0d');
  });
});

describe('pandaJobResources', () => {
  it('reads numbers and numeric strings, NULL as null', () => {
    expect(
      pandaJobResources({
        PandaID: 1,
        coreCount: '8',
        minRamCount: 16000,
        maxDiskCount: ' 12000 ',
        maxWalltime: 'NULL',
        resource_type: 'MCORE',
      }),
    ).toEqual({
      coreCount: 8,
      minRamCount: 16000,
      maxDiskCount: 12000,
      maxWalltime: null,
      resourceType: 'MCORE',
    });
    expect(pandaJobResources({})).toEqual({
      coreCount: null,
      minRamCount: null,
      maxDiskCount: null,
      maxWalltime: null,
      resourceType: null,
    });
  });

  it('rejects malformed values with the field and the job', () => {
    const err = thrown(() => pandaJobResources({ PandaID: '12', minRamCount: '2GB' }));
    expect(err.message).toBe('PanDA job 12: minRamCount must be a non-negative integer, got "2GB"');
    expect(err.context).toEqual({ PandaID: 12, field: 'minRamCount', value: '2GB' });
    expect(thrown(() => pandaJobResources([])).message).toBe(
      'PanDA job dictionary must be an object, got an array',
    );
  });
});

describe('pandaPayloadCommand', () => {
  it('joins the transformation and its arguments', () => {
    expect(
      pandaPayloadCommand({
        PandaID: 1,
        transformation: 'Sim_tf.py',
        jobPars: '--maxEvents=500 --randomSeed=342',
      }),
    ).toEqual({
      transformation: 'Sim_tf.py',
      jobPars: '--maxEvents=500 --randomSeed=342',
      commandLine: 'Sim_tf.py --maxEvents=500 --randomSeed=342',
    });
  });

  it('keeps jobPars as sent and handles missing arguments', () => {
    expect(pandaPayloadCommand({ transformation: 'run.sh', jobPars: '  -a "x y"  ' })).toEqual({
      transformation: 'run.sh',
      jobPars: '  -a "x y"  ',
      commandLine: 'run.sh -a "x y"',
    });
    expect(pandaPayloadCommand({ transformation: 'run.sh', jobPars: 'NULL' })?.commandLine).toBe('run.sh');
    expect(pandaPayloadCommand({ transformation: 'run.sh' })?.jobPars).toBe('');
  });

  it('is null without a transformation', () => {
    expect(pandaPayloadCommand({ PandaID: 1, jobPars: '-x' })).toBeNull();
    expect(pandaPayloadCommand({ PandaID: 1, transformation: 'NULL' })).toBeNull();
  });

  it('rejects non-string transformation or jobPars', () => {
    const err = thrown(() => pandaPayloadCommand({ PandaID: 5, transformation: 'a', jobPars: ['-x'] }));
    expect(err.message).toBe('PanDA job 5: jobPars must be a string, got an array');
    expect(err.context).toEqual({ PandaID: 5, field: 'jobPars', value: ['-x'] });
    expect(thrown(() => pandaPayloadCommand({ transformation: 3 })).message).toBe(
      'PanDA job dictionary: transformation must be a string, got 3',
    );
  });
});

describe('schedulerIDFor', () => {
  it('is harvester-<id>', () => {
    expect(schedulerIDFor('CERN_central_A')).toBe('harvester-CERN_central_A');
  });
});
