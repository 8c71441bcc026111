import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { request, type FullConfig } from '@playwright/test';
import { adminPassword } from './playwright.config.ts';

/** Signs in once as the admin (created from LINEWATCH_ADMIN_PASSWORD) and saves the session. */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const { baseURL, storageState } = config.projects[0]!.use;
  const api = await request.newContext({ baseURL });
  const res = await api.post('/api/auth/login', { data: { username: 'admin', password: adminPassword } });
  if (res.status() !== 200) throw new Error(`e2e login failed: ${res.status()} ${await res.text()}`);
  await mkdir(dirname(String(storageState)), { recursive: true });
  await api.storageState({ path: String(storageState) });
  await api.dispose();
}
