import { ProblemBody } from '../problem.js';

/** The body of every error answer, under the name the routes' response schemas use. */
export const ErrorBody = ProblemBody;

export const bearerAuth = [{ bearerAuth: [] }];
