// Template files: default template paths from src/ and dist/ alike, loading and refusing.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  loadTemplateFile,
  packageTemplatePath,
  RenderError,
  readTemplateFile,
  TemplateError,
} from '../src/index.js';

let pkg: string;
beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'bs-tpl-'));
  await mkdir(join(pkg, 'templates'));
  await mkdir(join(pkg, 'src'));
  await mkdir(join(pkg, 'dist', 'chunks'), { recursive: true });
  await writeFile(join(pkg, 'templates', 'default.sh'), '#!/bin/sh\necho {name}\n');
});
afterAll(async () => {
  await rm(pkg, { recursive: true, force: true });
});

describe('packageTemplatePath', () => {
  it('finds templates/<file> from a module in src/ and in dist/ alike', () => {
    const expected = join(pkg, 'templates', 'default.sh');
    expect(packageTemplatePath(pathToFileURL(join(pkg, 'src', 'template.ts')).href, 'default.sh')).toBe(
      expected,
    );
    expect(packageTemplatePath(pathToFileURL(join(pkg, 'dist', 'index.js')), 'default.sh')).toBe(expected);
  });

  it('looks two levels up for a module one directory deeper', () => {
    expect(packageTemplatePath(pathToFileURL(join(pkg, 'dist', 'chunks', 'c.js')).href, 'default.sh')).toBe(
      join(pkg, 'templates', 'default.sh'),
    );
  });
});

describe('loading templates', () => {
  const parse = (text: string, source: string) => ({
    text,
    source,
    names: [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
  });

  it('reads, parses and checks a template', async () => {
    const path = join(pkg, 'templates', 'default.sh');
    expect(await readTemplateFile(path)).toBe('#!/bin/sh\necho {name}\n');
    const parsed = await loadTemplateFile(path, parse, () => []);
    expect(parsed).toEqual({ text: '#!/bin/sh\necho {name}\n', source: path, names: ['name'] });
  });

  it('refuses a template naming every problem', async () => {
    const path = join(pkg, 'templates', 'default.sh');
    const err = await loadTemplateFile(path, parse, (p) =>
      p.names.map((n) => `unknown placeholder {${n}}`),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).message).toBe(`template ${path}: unknown placeholder {name}`);
    expect((err as TemplateError).problems).toEqual(['unknown placeholder {name}']);
    expect((err as TemplateError).name).toBe('TemplateError');
  });

  it('turns a file that cannot be read into a TemplateError', async () => {
    const path = join(pkg, 'templates', 'missing.sh');
    const err = await loadTemplateFile(path, parse, () => []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).message).toMatch(new RegExp(`^cannot read the template ${path}: ENOENT`));
    expect((err as TemplateError).problems[0]).toMatch(/ENOENT/);
  });
});

describe('RenderError', () => {
  it('names the placeholder', () => {
    const e = new RenderError('workerID', 'placeholder {workerID} has no value');
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      name: 'RenderError',
      placeholder: 'workerID',
      message: 'placeholder {workerID} has no value',
    });
  });
});
