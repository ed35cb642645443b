import type { Command } from '../command';

export const fairness: Command = {
  name: 'fairness',
  summary: '(issue #8, in progress)',
  help: 'Usage: aisle fairness',
  async run() {
    return 1;
  },
};
