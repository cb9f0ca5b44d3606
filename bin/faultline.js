#!/usr/bin/env node
// Runs the Faultline CLI from its TypeScript sources through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
