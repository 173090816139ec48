#!/usr/bin/env node
/** The `hwr` command line: train, evaluate and predict handwritten characters; manage datasets. */
import { Command, UsageError, commandHelp, parseCommand } from './cli/args';
import { trainCommand } from './cli/train';
import { evaluateCommand } from './cli/evaluate';
import { predictCommand } from './cli/predict';
import { downloadCommand } from './cli/download';
import { checkDataCommand } from './cli/check_data';
import { serveCommand } from './cli/serve';
import { exportCommand } from './cli/export';

const COMMANDS: Command[] = [trainCommand, evaluateCommand, predictCommand, checkDataCommand, downloadCommand, serveCommand, exportCommand];

function mainHelp(): string {
  return [
    'Usage: hwr <command> [options]',
    '',
    'Handwritten digit (MNIST) and character (EMNIST) recognition on TensorFlow.js.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary.split('\n')[0]}`),
    '',
    "Run 'hwr <command> --help' for a command's options. Env: TFJS_BACKEND, EMNIST_DIR, EMNIST_SPLIT.",
  ].join('\n');
}

/**
 * What to do about an error of `hwr <command>` whose message is Emscripten's for a WebAssembly heap
 * that ran out (the wasm backend's heap holds at most 4 GB a thread); '' for any other error.
 */
export function errorHint(command: string, message: string): string {
  if (!/memory access out of bounds|^Aborted\(|out of memory|Cannot enlarge memory/i.test(message)) return '';
  return ' (the WebAssembly heap ran out of memory, at most 4 GB a thread: ' + (command === 'train'
    ? 'train with a smaller --batch-size or more --workers, which split each batch; an earlier checkpoint is kept, add --resume)'
    : 'give it smaller images or fewer at a time)');
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) throw new UsageError(`hwr: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
    const { values, positionals, help } = parseCommand(cmd, rest);
    if (help) {
      console.log(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(values, positionals, rest);
  } catch (err) {
    console.error(err instanceof UsageError ? err.message : `hwr ${name}: ${(err as Error).message}${errorHint(name, String((err as Error).message))}`);
    if (process.env.HWR_DEBUG && err instanceof Error) console.error(err.stack);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
