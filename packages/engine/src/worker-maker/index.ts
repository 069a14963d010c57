// The engine's worker maker.
export {
  SIMPLE_WORKER_MAKER_DEFAULT_WALLTIME_SECONDS,
  type SimpleWorkerMakerOptions,
  type SimpleWorkerMakerOptionsInput,
  simpleWorkerMakerOptionsSchema,
} from './options.js';
export { SimpleWorkerMaker } from './simple-worker-maker.js';
