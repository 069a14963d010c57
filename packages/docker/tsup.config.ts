import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { compilerOptions: { types: ['node'] } },
  sourcemap: true,
  clean: true,
  keepNames: true,
});
