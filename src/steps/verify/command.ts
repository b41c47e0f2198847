// Placeholder: the verify step runner's CLI registration (replaced by its own issue).
import type { Command } from 'commander';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify step runner (not implemented yet)')
    .action(() => {
      throw new Error('verify is not implemented yet');
    });
}
