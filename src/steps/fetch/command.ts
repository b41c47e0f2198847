// Placeholder: the fetch step runner's CLI registration (replaced by its own issue).
import type { Command } from 'commander';

export function registerFetchCommand(program: Command): void {
  program
    .command('fetch')
    .description('fetch step runner (not implemented yet)')
    .action(() => {
      throw new Error('fetch is not implemented yet');
    });
}
