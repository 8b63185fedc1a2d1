import { z } from 'zod';
import type { PathProblem } from './problems.js';

/** How a given value is shown in messages: strings quoted, collections by kind. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : typeof value;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/**
 * Zod error map giving every message the shape "must be <allowed> (got <given>)". For unknown keys the
 * message is only the allowed part ("allowed keys: ..."), as schemas with their own wording also do;
 * issueProblems turns such an issue into one problem per unknown key.
 */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${typeNames[issue.expected] ?? issue.expected} (got ${show(issue.input)})`;
    case 'too_small':
      return `${lowerBound(issue.origin, Number(issue.minimum), issue.inclusive ?? true)} (got ${sizeOf(issue.input)})`;
    case 'too_big':
      return `${upperBound(issue.origin, Number(issue.maximum), issue.inclusive ?? true)} (got ${sizeOf(issue.input)})`;
    case 'invalid_value':
      return `${oneOf(issue.values)} (got ${show(issue.input)})`;
    case 'invalid_union': {
      if (issue.discriminator === undefined) return undefined;
      const options = Array.isArray(issue.options) ? issue.options : [];
      return discriminatorMessage(issue.discriminator, options, issue.input);
    }
    case 'unrecognized_keys':
      return issue.inst instanceof z.ZodObject ? `allowed keys: ${Object.keys(issue.inst.shape).join(', ')}` : undefined;
    default:
      return undefined;
  }
};

function lowerBound(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === 'array') return `must have at least ${minimum} item${minimum === 1 ? '' : 's'}`;
  if (origin === 'string') return `must be at least ${minimum} character${minimum === 1 ? '' : 's'} long`;
  return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
}

function upperBound(origin: string, maximum: number, inclusive: boolean): string {
  if (origin === 'array') return `must have at most ${maximum} items`;
  if (origin === 'string') return `must be at most ${maximum} characters long`;
  return inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
}

function sizeOf(input: unknown): string {
  if (Array.isArray(input)) return `${input.length} item${input.length === 1 ? '' : 's'}`;
  if (typeof input === 'string') return `${input.length} character${input.length === 1 ? '' : 's'}: ${show(input)}`;
  return show(input);
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? `must be ${show(values[0])}` : `must be one of ${values.map(show).join(', ')}`;
}

function discriminatorMessage(key: string, options: readonly unknown[], input: unknown): string {
  const given: unknown = typeof input === 'object' && input !== null ? Reflect.get(input, key) : undefined;
  return `${oneOf(options)} (got ${show(given)})`;
}

/** Zod issues as located-later problems; schema checks may mark a custom issue with params.at = 'key'. */
export function issueProblems(issues: readonly z.core.$ZodIssue[]): PathProblem[] {
  return issues.flatMap((issue): PathProblem[] => {
    const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}" (${issue.message})`, at: 'key' }));
    }
    const at = issue.code === 'custom' && issue.params?.['at'] === 'key' ? 'key' : 'value';
    return [{ path, message: issue.message, at }];
  });
}
