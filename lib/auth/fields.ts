import { z } from 'zod';

export const roleSchema = z.enum(['viewer', 'operator', 'admin']);
export const username = z.string().regex(/^[a-zA-Z0-9._-]{2,40}$/, 'must be 2–40 letters, digits, dots, dashes or underscores');
export const password = z.string().min(10, 'must have at least 10 characters').max(256);
