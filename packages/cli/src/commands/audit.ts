import type { Command } from '../command';

export const audit: Command = {
  name: 'audit',
  summary: '(issue #8, in progress)',
  help: 'Usage: aisle audit',
  async run() {
    return 1;
  },
};
