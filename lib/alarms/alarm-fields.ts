/** Request fields shared by the alarm routes (app/api/alarms/**). */
import { z } from 'zod';

export const alarmId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,199}$/, 'must be an alarm id such as "extrusion.zone3-temp.hi"');
export const comment = z.string().trim().max(500).optional();
export const reason = z.string().trim().min(1, 'is required').max(200);
