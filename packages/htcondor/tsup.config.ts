import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { compilerOptions: { types: ['node'] } },
  sourcemap: true,
  clean: true,
  // TypeORM names tables from the explicit @Entity names, but keep class names readable in logs.
  keepNames: true,
});
