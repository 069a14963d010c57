#!/usr/bin/env node
// The `harvester` command.
import { processIO } from './cli/io.js';
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2), processIO());
