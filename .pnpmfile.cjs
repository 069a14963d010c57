// better-sqlite3 compiles its addon when no prebuilt binary can be downloaded (as on machines
// that reach only the npm registry). node-gyp then needs Node's headers; where the running Node
// ships them (Debian's nodejs, official tarballs), point node-gyp at them instead of letting it
// try to download a header tarball. pnpm >= 11 passes only allow-listed variables to lifecycle
// scripts, so the variable goes through `extraEnv`.
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = localNodeDir();
      if (!nodedir) return config;
      return { ...config, extraEnv: { ...(config.extraEnv ?? {}), npm_config_nodedir: nodedir } };
    },
  },
};
