export * from './event-status.js';
export * from './file-status.js';
export * from './job-status.js';
export * from './worker-status.js';
