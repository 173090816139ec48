import { downloadEmnist, EMNIST_URL } from '../data/download';
import { Command } from './args';

/** `hwr download`: fetch NIST's EMNIST archive and extract one split. */
export const downloadCommand: Command = {
  name: 'download',
  usage: 'download [--split balanced] [--dir data/emnist] [--url URL | --archive gzip.zip] [--sha256 HEX] [--force]',
  summary: `Fetch NIST's EMNIST archive (${EMNIST_URL}, ~562 MB), verify its SHA-256 and extract\n` +
    'emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte.gz and emnist-<split>-mapping.txt into the\n' +
    'folder. Splits: balanced, byclass, bymerge, letters, digits, mnist. Nothing half-written is left on failure.',
  options: {
    split: { type: 'string', short: 's', help: 'split to extract (env EMNIST_SPLIT)', default: 'balanced' },
    dir: { type: 'string', help: 'target folder (env EMNIST_DIR)', default: 'data/emnist' },
    url: { type: 'string', help: 'archive URL', default: EMNIST_URL },
    archive: { type: 'string', help: 'use a local copy of gzip.zip instead of downloading' },
    sha256: { type: 'string', help: 'expected SHA-256 of the archive (NIST\'s is built in)' },
    force: { type: 'boolean', help: 'download again even if the split is present' },
  },
  async run(values) {
    const result = await downloadEmnist({
      url: values.url as string | undefined,
      archive: values.archive as string | undefined,
      dir: values.dir as string | undefined,
      split: values.split as string | undefined,
      sha256: values.sha256 as string | undefined,
      force: values.force === true,
    });
    console.log(result.skipped
      ? `EMNIST ${result.split} already in ${result.dir} (use --force to fetch again)`
      : `EMNIST ${result.split} extracted to ${result.dir}${result.verified ? ' (SHA-256 verified)' : ''}`);
    return 0;
  },
};
