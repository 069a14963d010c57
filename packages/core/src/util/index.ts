export { mapLimit } from './map-limit.js';
export { errorText, oneLine } from './text.js';
