// Placeholder: `alma-restore controller` (replaced by the controller issue).
import type { Command } from 'commander';

export function registerControllerCommand(program: Command): void {
  program
    .command('controller')
    .description('run the AlmaRestore controller (not implemented yet)')
    .action(() => {
      throw new Error('controller is not implemented yet');
    });
}
