/**
 * Loading a target adapter module: the built-in ones and a user's alike, in the run process (once,
 * before anything starts, so a bad module is bad input) and in every process that hosts
 * participants (fleet processes, the browser engine).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledPath } from '../core/paths.js';
import type { AdapterSpec, CreateAdapter, TargetAdapter } from '../ports/target-adapter.js';
export type { AdapterSpec } from '../ports/target-adapter.js';


/** The built-in adapters, by name; each is a module like a user's. */
export const builtInAdapters = {
  rtcstorm: compiledPath('targets/rtcstorm/rtcstorm-adapter.ts'),
  janus: compiledPath('targets/janus/janus-adapter.ts'),
  whip: compiledPath('targets/whip/whip-adapter.ts'),
} as const;

/** A user's adapter module, as the scenario names it: relative to the scenario file. */
export function userAdapterPath(module: string, scenarioFile: string | null): string {
  return resolve(scenarioFile ? dirname(scenarioFile) : '.', module);
}

/** An adapter module that cannot be used: the message names the file and what is wrong, for the user. */
export class AdapterModuleError extends Error {
  override readonly name = 'AdapterModuleError';
}

/** Imports `file` and checks that it exports `createAdapter`. */
export async function loadAdapterModule(file: string): Promise<CreateAdapter> {
  const path = resolve(file);
  if (!existsSync(path)) throw new AdapterModuleError(`adapter module ${file} does not exist`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AdapterModuleError(`adapter module ${file} threw while loading: ${(error as Error).stack ?? String(error)}`);
  }
  const create = module.createAdapter;
  if (typeof create !== 'function') {
    const exported = Object.keys(module).join(', ') || 'nothing';
    throw new AdapterModuleError(`adapter module ${file} does not export a function createAdapter(init) (see ports/target-adapter.ts); it exports ${exported}`);
  }
  return create as CreateAdapter;
}

/** Loads the module and creates the adapter, checking that what it made has join() and close(). */
export async function createTargetAdapter(spec: AdapterSpec): Promise<TargetAdapter> {
  const create = await loadAdapterModule(spec.module);
  let adapter: TargetAdapter;
  try {
    adapter = await create(spec.init);
  } catch (error) {
    throw new AdapterModuleError(`adapter module ${spec.name}: createAdapter() threw: ${(error as Error).message}`);
  }
  const missing = ['join', 'close'].filter((m) => typeof (adapter as unknown as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (missing.length > 0) throw new AdapterModuleError(`adapter module ${spec.name}: createAdapter() returned an object without ${missing.join(' and ')}() (see ports/target-adapter.ts)`);
  return adapter;
}
