// Plugin instances for tests the way the app makes them: instantiatePlugin with the plugin's
// options, a plugin context and where the plugin "comes from" (reported in errors). instantiatePlugin
// and the types are passed in, so this package does not depend on core or the plugin packages.

/** Where a test's plugin instance comes from, as instantiatePlugin reports it. */
export interface TestPluginLocation {
  queue: string | undefined;
  section: string;
  module: string;
  exportName: string;
}

/** instantiatePlugin's shape: `Instances` maps a plugin kind to its instance type. */
export type Instantiate<Instances, Ctx> = <K extends keyof Instances>(
  value: unknown,
  kind: K,
  options: Record<string, unknown>,
  ctx: Ctx,
  where: TestPluginLocation,
) => Promise<Instances[K]>;

/**
 * Returns `(plugin, kind, exportName) => (options, ctx = defaultCtx()) => instance` for the plugins of
 * `module` (e.g. `@harvester-ts/slurm`), the section being the kind. Give the type arguments
 * explicitly: `pluginMaker<PluginInstanceMap, PluginContext>(...)`.
 */
export function pluginMaker<Instances, Ctx extends { queueName?: string | undefined }>(
  module: string,
  instantiate: Instantiate<Instances, Ctx>,
  defaultCtx: () => Ctx,
) {
  return <K extends keyof Instances & string>(plugin: unknown, kind: K, exportName: string) =>
    (options: Record<string, unknown>, ctx: Ctx = defaultCtx()): Promise<Instances[K]> =>
      instantiate(plugin, kind, options, ctx, { queue: ctx.queueName, section: kind, module, exportName });
}
