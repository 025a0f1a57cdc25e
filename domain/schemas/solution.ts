import { z } from 'zod';

/** A relative path inside the task's workspace: no absolute paths, no escaping it. */
export const WorkspacePath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, 'must be a relative path of letters, digits, "_", "-", "." and "/"')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const SourceFile = z.object({ path: WorkspacePath, content: z.string().max(200_000) }).strict();
export type SourceFile = z.infer<typeof SourceFile>;

/** The developer agent's answer, after it has been parsed from the LLM's JSON. */
export const DeveloperSolution = z
  .object({
    summary: z.string().min(1).max(2_000),
    files: z.array(SourceFile).min(1).max(50),
    tests: z.array(SourceFile).max(50),
  })
  .strict();
export type DeveloperSolution = z.infer<typeof DeveloperSolution>;
