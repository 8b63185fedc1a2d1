/** Client chaos steps (reconnect, churn): what each one sends to the engines, and the words its events use. */
import type { ClientPlan } from '../core/plan/client-plan.js';
import { formatDuration } from '../core/scenario/duration.js';
import type { BotSelector } from '../core/scenario/network-types.js';
import type { ClientChaosStep } from '../core/scenario/types.js';
import type { ClientChange, ClientControl } from '../ports/client-control.js';

/** What the timeline hands client steps: the seeded picks, and every engine that takes them. */
export interface ClientChaos {
  plan: ClientPlan;
  controls: ClientControl[];
  /** A participant's name in events (`bot-3`, `browser-7`). */
  name: (id: number) => string;
}

export interface ClientStepOutcome {
  target: string;
  detail: string;
  /** A churn's end: resolves to its end event's detail. */
  undo?: () => Promise<string>;
}

const listed = 8;

function describeSelector(selector: BotSelector): string {
  switch (selector.kind) {
    case 'share':
      return `${Math.round(selector.ratio * 1000) / 10}% of participants`;
    case 'group':
      return `group ${selector.name}`;
    case 'rooms':
      return `rooms ${selector.rooms.join(', ')}`;
  }
}

function names(ids: readonly number[], name: (id: number) => string): string {
  return `${ids.slice(0, listed).map(name).join(', ')}${ids.length > listed ? ', …' : ''}`;
}

async function send(clients: ClientChaos, change: ClientChange): Promise<void> {
  await Promise.all(clients.controls.map((control) => control.apply(change)));
}

/** `nowMs`: run time, for a churn that ends early (the run stopped) to say how far it got. */
export async function startClientStep(step: ClientChaosStep, index: number, clients: ClientChaos, nowMs: () => number): Promise<ClientStepOutcome> {
  const id = `chaos[${index}]`;
  const target = describeSelector(step.bots);
  if (step.action === 'reconnect') {
    const bots = clients.plan.reconnects.get(index) ?? [];
    await send(clients, { kind: 'reconnect', id, bots });
    const detail = `${bots.length} participant(s) dropped signalling and media${bots.length > 0 ? `: ${names(bots, clients.name)}` : ''}; they rejoin with their backoff`;
    return { target, detail };
  }
  const leaves = clients.plan.churns.get(index) ?? [];
  await send(clients, { kind: 'churn', id, leaves });
  const who = new Set(leaves.map((leave) => leave.botId));
  const detail = `${leaves.length} leave(s) of ${who.size} participant(s) at ${step.ratePerS}/s for ${formatDuration(step.forMs)}, each away ${formatDuration(step.awayMs)}${leaves.length > 0 ? `: ${names(leaves.map((l) => l.botId), clients.name)}` : ''}`;
  const undo = (): Promise<string> => {
    const done = leaves.filter((leave) => leave.atMs <= nowMs()).length;
    return Promise.resolve(done === leaves.length ? `churn over: ${leaves.length} leave(s), each followed by a rejoin ${formatDuration(step.awayMs)} later` : `churn stopped after ${done} of ${leaves.length} leave(s)`);
  };
  return { target, detail, undo };
}
