/** Runs ip, nft and tc: stdout on success; on failure an error with the command line and what it said. */
import { spawn } from 'node:child_process';

export function systemCommand(file: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (error) => reject(new Error(`${file}: ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${[file, ...args].join(' ')}: ${stderr.trim() || `exit ${code}`}`));
    });
    // A command that exits without reading its input reports its own error; the broken pipe is not one.
    child.stdin.on('error', () => undefined).end(stdin);
  });
}

/** The same command inside a network namespace. */
export function inNamespace(netns: string, file: string, args: string[], stdin?: string): Promise<string> {
  return systemCommand('ip', ['netns', 'exec', netns, file, ...args], stdin);
}
