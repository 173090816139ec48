import { parseArgs } from 'util';
import type { AugmentOptions } from '../data/augment';

/** One option of a subcommand: how it is typed and how `--help` describes it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  help: string;
  /** Shown in help; the subcommand applies its own defaults. */
  default?: string;
}

/** A subcommand: its options, help text and what it does. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Whether bare arguments (files, folders) are accepted. */
  positionals?: boolean;
  /** `argv` is the command's own arguments as typed, e.g. to record how a model was made. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[], argv: string[]): Promise<number>;
}

/** Help text of one subcommand, generated from its option specs. */
export function commandHelp(cmd: Command): string {
  const rows = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(30)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`;
  });
  return [`Usage: hwr ${cmd.usage}`, '', cmd.summary, '', 'Options:', ...rows, `  ${'-h, --help'.padEnd(30)} show this help`].join('\n');
}

/** Parses argv for a subcommand; unknown options are an error that points at --help. */
export function parseCommand(cmd: Command, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (positionals.length && !cmd.positionals) {
      throw new Error(`unexpected argument '${positionals[0]}'`);
    }
    const { help, ...rest } = values as Record<string, string | boolean | undefined>;
    return { values: rest, positionals, help: help === true };
  } catch (e) {
    throw new UsageError(`hwr ${cmd.name}: ${(e as Error).message}. See 'hwr ${cmd.name} --help'.`);
  }
}

/** A mistake in how the command was called (exit code 2, no stack trace). */
export class UsageError extends Error {}

/** Reads an integer option, with a clear error for anything else. */
export function intOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number >= 0, got '${String(v)}'.`);
  return n;
}

/** Reads a numeric option, with a clear error for anything else. */
export function numberOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${String(v)}'.`);
  return n;
}

/** '32/64,64/128' for conv blocks [[32], [64, 64], [128]] (filters per conv, blocks split by '/'). */
export function blocksText(blocks: number[][]): string {
  return blocks.map((b) => b.join(',')).join('/');
}

/**
 * Reads --blocks: '32/64,64/128' -> [[32], [64, 64], [128]]; undefined when absent (the recipe's).
 * `expected` says what a valid value looks like, for the error.
 */
export function blocksOption(values: Record<string, unknown>, rule: { minBlocks: number; expected: string }): number[][] | undefined {
  const value = values.blocks;
  if (value === undefined) return undefined;
  const blocks = String(value).split('/').map((b) => b.split(',').map(Number));
  if (blocks.length < rule.minBlocks || blocks.some((b) => b.some((w) => !Number.isInteger(w) || w <= 0))) {
    throw new UsageError(`--blocks takes ${rule.expected}, got '${String(value)}'.`);
  }
  return blocks;
}

/**
 * Reads --augment 'rotation,shift,scale' (degrees, pixels, relative zoom), e.g. '10,2,0.1';
 * undefined when absent (the recipe's).
 */
export function augmentOption(values: Record<string, unknown>): AugmentOptions | undefined {
  const value = values.augment;
  if (value === undefined) return undefined;
  const parts = String(value).split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0) || parts[2] >= 1) {
    throw new UsageError(`--augment takes rotation,shift,scale (degrees, pixels, zoom below 1) like 10,2,0.1, got '${String(value)}'.`);
  }
  const [rotation, shift, scale] = parts;
  return { rotation, shift, scale };
}

/** Reads --workers: 'auto' (one per core) when absent, else a whole number >= 1. */
export function workersOption(values: Record<string, unknown>): number | 'auto' {
  if (values.workers === undefined) return 'auto';
  const n = intOption(values, 'workers', 1);
  if (n < 1) throw new UsageError(`--workers must be 1 or more, got '${String(values.workers)}'.`);
  return n;
}
