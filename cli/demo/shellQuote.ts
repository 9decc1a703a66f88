// Shows a command line the way a reader would type it in a POSIX shell.

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(program: string, argv: readonly string[]): string {
  return [program, ...argv.map(shellQuote)].join(" ");
}
