import { runCli } from './run-cli.js';

// Exit explicitly: a client library keeping a handle open must not keep a stopped service alive.
process.exit(await runCli(process.argv.slice(2)));
