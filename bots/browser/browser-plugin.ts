/** The browser engine as a plug-in: real Chromium pages in the rooms, after the werift bots. */
import type { EnginePlugin } from '../../ports/engine.js';
import { BrowserEngine } from './browser-engine.js';
import { chromiumCheck } from './doctor.js';

const joinTimeoutMs = 15_000;

export const browserPlugin: EnginePlugin = {
  engine: 'browser',
  create: (_scenario, plan) => ({ engines: plan.bots.some((bot) => bot.engine === 'browser') ? [new BrowserEngine({ joinTimeoutMs })] : [], skipped: [] }),
  doctor: chromiumCheck,
};
