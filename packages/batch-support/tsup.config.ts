import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { compilerOptions: { types: ['node'] } },
  sourcemap: true,
  clean: true,
  // Keep class names (TemplateError, RenderError) readable in logs and stack traces.
  keepNames: true,
});
