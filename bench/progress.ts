/** Progress goes to stderr: stdout is the results table alone. */
export const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
