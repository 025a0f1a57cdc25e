/** A `golden` subcommand: its name, a one-line summary for `golden --help`, and what it does. */
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<void>;
}
