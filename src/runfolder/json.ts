import * as fs from 'node:fs';
import type { z } from 'zod';

/** A JSON file checked against a schema; undefined when missing, unreadable or invalid. */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
