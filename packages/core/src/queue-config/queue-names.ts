// Queue names: `PQ` or `PQ/resourceType` (one queue per resource type of a PanDA queue), and
// templates (a name ending in _TEMPLATE, or `isTemplateQueue: true`).
import { z } from 'zod';

export const TEMPLATE_SUFFIX = '_TEMPLATE';

/** `PQ` or `PQ/resourceType`: no whitespace, at most one `/`, no empty part. */
export const QUEUE_NAME_PATTERN = /^[^\s/]+(?:\/[^\s/]+)?$/;

export const queueNameSchema = z
  .string()
  .regex(QUEUE_NAME_PATTERN, "a queue name must be 'PQ' or 'PQ/resourceType', without whitespace");

export interface QueueNameParts {
  /** The PanDA queue (site) name: the part before `/`. */
  siteName: string;
  /** The part after `/`, if any. */
  resourceType: string | undefined;
}

export function splitQueueName(queueName: string): QueueNameParts {
  const slash = queueName.indexOf('/');
  if (slash < 0) return { siteName: queueName, resourceType: undefined };
  return { siteName: queueName.slice(0, slash), resourceType: queueName.slice(slash + 1) };
}

/** Whether an entry is a template: `isTemplateQueue: true` or a name ending in _TEMPLATE. */
export function isTemplateQueue(
  queueName: string,
  entry: { isTemplateQueue?: boolean | undefined },
): boolean {
  return entry.isTemplateQueue === true || queueName.endsWith(TEMPLATE_SUFFIX);
}
