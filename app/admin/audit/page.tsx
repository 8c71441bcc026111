import type { Metadata } from 'next';
import { AuditLog } from './audit-log.tsx';

export const metadata: Metadata = { title: 'Audit log · Linewatch' };

export default function AuditPage() {
  return (
    <main id="main" className="mx-auto max-w-5xl p-4">
      <h1 className="mb-4 text-2xl font-semibold">Audit log</h1>
      <AuditLog />
    </main>
  );
}
