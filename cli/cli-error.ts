/** Thrown for a failure the user can act on; the dispatcher prints its message without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
