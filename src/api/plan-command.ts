// Placeholder: `alma-restore plan` (replaced by the controller issue).
import type { Command } from 'commander';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('print the sizing plan and resources for a manifest (not implemented yet)')
    .action(() => {
      throw new Error('plan is not implemented yet');
    });
}
