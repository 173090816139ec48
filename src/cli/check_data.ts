import { checkData, formatCheckReport } from '../data/check';
import { Command } from './args';

/** `hwr check-data`: what datasets are here, their counts and checksums, and sample sheets to eyeball. */
export const checkDataCommand: Command = {
  name: 'check-data',
  usage: 'check-data [--emnist-dir DIR] [--split SPLIT] [--out outputs]',
  summary: 'Load MNIST (always) and EMNIST (when its folder holds the split); print counts per part,\n' +
    'per-class min/max, the SHA-256 of every file, and write a 10x10 sample sheet per part to outputs/\n' +
    'so you can see that the images are upright and labelled right.',
  options: {
    'emnist-dir': { type: 'string', help: 'EMNIST folder (env EMNIST_DIR)', default: 'data/emnist' },
    split: { type: 'string', help: 'EMNIST split (env EMNIST_SPLIT)', default: 'balanced' },
    out: { type: 'string', short: 'o', help: 'folder for the sample sheets', default: 'outputs' },
  },
  async run(values) {
    const report = checkData({
      emnistDir: values['emnist-dir'] as string | undefined,
      emnistSplit: values.split as string | undefined,
      outDir: values.out as string | undefined,
    });
    console.log(formatCheckReport(report));
    return 0;
  },
};
