import type { Metadata } from 'next';
import { LoginForm } from './login-form.tsx';

export const metadata: Metadata = { title: 'Sign in · Linewatch' };

export default function LoginPage() {
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="mb-6 text-2xl font-semibold">Sign in to Linewatch</h1>
      <LoginForm />
    </main>
  );
}
