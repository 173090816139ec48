/**
 * What `hwr` adds to an error: for the wasm heap running out (Emscripten's words for it, which say
 * nothing of memory or of what to do), what to do next; nothing for other errors.
 */
import { errorHint } from '../src/cli';

describe('errorHint', () => {
  test('a wasm heap that ran out: train is told to split its batches and resume', () => {
    for (const message of ['memory access out of bounds', 'Aborted(). Build with -sASSERTIONS for more info.', 'Cannot enlarge memory arrays']) {
      expect(errorHint('train', message)).toMatch(/WebAssembly heap ran out of memory.*--batch-size.*--workers.*--resume/);
      expect(errorHint('predict', message)).toMatch(/WebAssembly heap ran out of memory.*smaller images/);
    }
  });

  test('other errors get no hint', () => {
    expect(errorHint('train', 'Model folder x not found')).toBe('');
    expect(errorHint('train', 'the checkpoint was Aborted( by hand')).toBe('');
  });
});
