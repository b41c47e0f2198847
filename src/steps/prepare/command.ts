// Placeholder: the prepare step runner's CLI registration (replaced by its own issue).
import type { Command } from 'commander';

export function registerPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description('prepare step runner (not implemented yet)')
    .action(() => {
      throw new Error('prepare is not implemented yet');
    });
}
