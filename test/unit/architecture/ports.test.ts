/**
 * Ports in every use-case folder: the use cases depend on interfaces declared beside them
 * (`ports.ts`), never on an adapter module; adapters import the ports, never the other way round.
 * Imports are read with TypeScript's own pre-processor (type-only imports count too).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const ADAPTERS = join(ROOT, 'shared/adapters');
const USE_CASE_FOLDERS = [
  'shared/domain',
  'shared/conversations',
  'shared/inbound',
  'shared/healing',
  'shared/channels',
  'shared/outbound',
];

function tsFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function adapterImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .filter((spec) => resolve(dirname(file), spec).startsWith(`${ADAPTERS}/`));
}

test.each(USE_CASE_FOLDERS)('%s imports no adapter module', (folder) => {
  const offending = tsFiles(join(ROOT, folder)).flatMap((file) =>
    adapterImports(file).map((spec) => `${relative(ROOT, file)} → ${spec}`),
  );
  expect(offending).toEqual([]);
});

test('the check sees an adapter import when there is one', () => {
  const file = join(ROOT, 'functions/reply/composition.ts');
  expect(adapterImports(file).length).toBeGreaterThan(0);
});
