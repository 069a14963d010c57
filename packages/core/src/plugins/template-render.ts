// Rendering a parsed template: text copied as is, each placeholder replaced by its value. The
// parsing and the writing of a value (escaping for sh, for the submit language) are each
// plugin's; the loop and its errors (unknown placeholder, no value) are shared.
import { didYouMean } from '../queue-config/did-you-mean.js';

/** A placeholder of a parsed template. */
export interface TemplatePlaceholderSegment {
  name: string;
}

/** What a placeholder spec must say for rendering: the option its value needs, if any. */
export interface RenderablePlaceholderSpec {
  needs?: string | number | undefined;
}

export interface RenderPlaceholdersOptions<
  Seg extends TemplatePlaceholderSegment,
  Spec extends RenderablePlaceholderSpec,
  Value,
> {
  /** Every placeholder a template may use. */
  placeholders: Readonly<Record<string, Spec>>;
  /** The values of this rendering (a placeholder without one is an error). */
  values: Readonly<Record<string, Value | undefined>>;
  /** Checks and writes one value (throws what `fail` makes when it cannot). */
  format: (segment: Seg, spec: Spec, value: Value) => string;
  /** The error for a placeholder that cannot be rendered. */
  fail: (name: string, message: string) => Error;
}

/** Fills in a parsed template; throws `fail(name, message)` for the first placeholder that cannot be. */
export function renderPlaceholders<
  Seg extends TemplatePlaceholderSegment,
  Spec extends RenderablePlaceholderSpec,
  Value,
>(
  segments: readonly ({ text: string } | Seg)[],
  options: RenderPlaceholdersOptions<Seg, Spec, Value>,
): string {
  const { placeholders, values, format, fail } = options;
  let out = '';
  for (const segment of segments) {
    if ('text' in segment) {
      out += segment.text;
      continue;
    }
    const seg = segment as Seg;
    const spec = placeholders[seg.name];
    if (spec === undefined) {
      throw fail(
        seg.name,
        `unknown placeholder {${seg.name}}${didYouMean(seg.name, Object.keys(placeholders))}`,
      );
    }
    const value = values[seg.name];
    if (value === undefined) {
      throw fail(
        seg.name,
        `placeholder {${seg.name}} has no value${spec.needs ? ` (set the option ${spec.needs})` : ''}`,
      );
    }
    out += format(seg, spec, value);
  }
  return out;
}
