// The JSON Schema of panda_queueconfig.json that the build writes to dist/queue-config.schema.json.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  JOB_PLUGIN_SECTIONS,
  MANDATORY_PLUGIN_SECTIONS,
  PLUGIN_SECTIONS,
  QUEUE_CONFIG_KEYS,
  queueConfigJsonSchema,
  queueConfigSchema,
} from '../src/queue-config/index.js';
import { MAP_TYPES } from '../src/status/worker-status.js';

type Json = Record<string, unknown>;

interface SchemaNode {
  type?: string | string[];
  $ref?: string;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
  default?: unknown;
  description?: string;
  maximum?: number;
  minimum?: number;
  pattern?: string;
}

interface FileSchema extends SchemaNode {
  $schema: string;
  title: string;
  propertyNames: SchemaNode;
  definitions: Record<string, SchemaNode>;
}

function schema(): FileSchema {
  return queueConfigJsonSchema() as unknown as FileSchema;
}

function definition(name: string): SchemaNode {
  const def = schema().definitions[name];
  if (def === undefined) throw new Error(`no definition ${name}`);
  return def;
}

function entryProperties(): Record<string, SchemaNode> {
  return definition('QueueConfigEntry').properties ?? {};
}

describe('queueConfigJsonSchema()', () => {
  it('is plain JSON in draft-07, without throwing', () => {
    const s = queueConfigJsonSchema();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema().title).toBe('harvester-ts queue configuration (panda_queueconfig.json)');
  });

  it('describes the file as queue names mapped to queue entries', () => {
    const s = schema();
    expect(s.type).toBe('object');
    expect(s.additionalProperties).toEqual({ $ref: '#/definitions/QueueConfigEntry' });
    const names = new RegExp(s.propertyNames.pattern ?? '');
    expect(['CERN-PROD', 'BNL_PROD/SCORE', 'production.push'].every((n) => names.test(n))).toBe(true);
    expect(['has space', 'A/B/C', '', '/SCORE'].some((n) => names.test(n))).toBe(false);
  });

  it('contains the plugin section definition: module and name required, options open', () => {
    expect(definition('PluginSection')).toMatchObject({
      type: 'object',
      required: ['module', 'name'],
      properties: {
        module: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1 },
      },
      additionalProperties: {},
    });
    // In a queue entry module/name may come from the template; credmanagers need complete sections.
    expect(definition('PluginSectionOverride').required).toBeUndefined();
    expect(definition('MessengerSectionOverride').properties?.accessPoint).toMatchObject({ type: 'string' });
    const props = entryProperties();
    expect(props.credmanagers).toMatchObject({
      type: 'array',
      items: { $ref: '#/definitions/PluginSection' },
    });
    for (const section of PLUGIN_SECTIONS) {
      const ref = section === 'messenger' ? 'MessengerSectionOverride' : 'PluginSectionOverride';
      expect(props[section]?.anyOf).toEqual([{ $ref: `#/definitions/${ref}` }, { type: 'null' }]);
    }
  });

  it('contains the mapType enum and the defaults', () => {
    const props = entryProperties();
    expect(props.mapType).toMatchObject({ type: 'string', enum: [...MAP_TYPES], default: 'OneToOne' });
    expect(props.maxSubmissionAttempts?.default).toBe(3);
    expect(props.prodSourceLabel?.default).toBe('managed');
    expect(props.maxWorkers).toEqual({
      description: 'Maximum number of workers (queued + running). The default 0 submits nothing.',
      default: 0,
      type: 'integer',
      minimum: 0,
    });
    expect(props.nQueueLimitWorker?.anyOf).toEqual([{ type: 'integer', minimum: 0 }, { type: 'null' }]);
  });

  it('rejects unknown keys and lists every key of a queue', () => {
    const entry = definition('QueueConfigEntry');
    expect(entry.additionalProperties).toBe(false);
    expect(Object.keys(entry.properties ?? {})).toEqual([...QUEUE_CONFIG_KEYS]);
    expect(QUEUE_CONFIG_KEYS).toEqual(
      expect.arrayContaining(['mapType', 'nQueueLimitJobCoresMin', 'common']),
    );
  });

  it('knows every key the example files use', () => {
    const known = new Set(Object.keys(entryProperties()));
    for (const file of ['grid-push.json', 'hpc-slurm.json', 'local-pull.json', 'minimal.json']) {
      const json = JSON.parse(
        readFileSync(new URL(`./fixtures/queue-config/${file}`, import.meta.url), 'utf8'),
      ) as Record<string, Json>;
      for (const entry of Object.values(json)) {
        expect(Object.keys(entry).filter((key) => !known.has(key))).toEqual([]);
      }
    }
  });

  it('can also describe a resolved queue (input side), though it holds a transform', () => {
    expect(() => z.toJSONSchema(queueConfigSchema)).toThrow(/Transforms cannot be represented/);
    const resolved = z.toJSONSchema(queueConfigSchema, { io: 'input' }) as SchemaNode;
    expect(resolved.required).toEqual(expect.arrayContaining(['queueName', ...MANDATORY_PLUGIN_SECTIONS]));
    // Whether a preparator and a stager are needed depends on the mapType (not NoJob): not required here.
    for (const section of JOB_PLUGIN_SECTIONS) {
      expect(resolved.required).not.toContain(section);
      expect(resolved.properties?.[section]).toBeDefined();
    }
  });

  it('documents that preparator and stager are mandatory except for NoJob queues', () => {
    const props = entryProperties();
    for (const section of JOB_PLUGIN_SECTIONS) {
      expect(props[section]?.description).toMatch(
        /^Stages job \w+ \w+ \(mandatory, except for NoJob queues: /,
      );
      expect(definition('QueueConfigEntry').required ?? []).not.toContain(section);
    }
    for (const section of MANDATORY_PLUGIN_SECTIONS) {
      expect(props[section]?.description).toMatch(/\(mandatory[,)]/);
    }
    expect(props.mapType?.description).toContain('NoJob');
  });
});
