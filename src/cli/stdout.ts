/**
 * A reader that went away (`scenario events | head`) ends the command quietly with 0, as `yes | head`
 * does: Node ignores SIGPIPE, so the failed write would otherwise surface as an unhandled EPIPE with a
 * stack trace.
 */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    console.error(`error: stdout: ${err.message}`);
    process.exit(1);
  });
}
