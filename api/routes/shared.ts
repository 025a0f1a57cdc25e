import { z } from 'zod';

/**
 * The body of every error answer. Defined once: its OpenAPI id ('Error')
 * lives in zod's global registry, which refuses the same id twice.
 */
export const ErrorBody = z.object({ error: z.string(), message: z.string(), requestId: z.string().optional() }).meta({ id: 'Error' });

export const bearerAuth = [{ bearerAuth: [] }];
