// Placeholder: the import step runner's CLI registration (replaced by its own issue).
import type { Command } from 'commander';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import step runner (not implemented yet)')
    .action(() => {
      throw new Error('import is not implemented yet');
    });
}
