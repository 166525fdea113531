// `dtc completion bash|zsh`: prints a completion script generated from this command tree (every
// command, subcommand, alias, option and choice, the catalog commands under `dtc cmd` included).
import type { Command } from 'commander';
import { addCatalogCommands } from './cmd.ts';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description(
      'print a shell completion script: eval "$(dtc completion bash)", or add it to ~/.zshrc for zsh',
    )
    .addArgument(program.createArgument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      '\nbash:  echo \'eval "$(dtc completion bash)"\' >> ~/.bashrc\nzsh:   echo \'eval "$(dtc completion zsh)"\' >> ~/.zshrc   (after compinit)\n',
    )
    .action(async (shell: 'bash' | 'zsh') => {
      await addCatalogCommands(program);
      const { completionScript } = await import('./actions/completion.ts');
      process.stdout.write(completionScript(program, shell));
    });
}
