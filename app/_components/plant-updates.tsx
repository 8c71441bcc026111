'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { followPlantVersions } from '../../lib/client/plant-updates.ts';

/**
 * A new plant version (the `plant` stream event) reaches every open page: data fetched with
 * SWR is refetched and server-rendered line definitions re-rendered, so new tags show without
 * a reload. Renders nothing.
 */
export function PlantUpdates() {
  const router = useRouter();
  useEffect(() => followPlantVersions(() => router.refresh()), [router]);
  return null;
}
