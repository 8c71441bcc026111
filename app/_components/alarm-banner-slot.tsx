import { AlarmBanner } from '../alarms/alarm-banner.tsx';

/**
 * Where the alarm banner goes (issue 4, the alarm engine): the header reserves this slot
 * on every signed-in page. The banner itself lives with the alarm pages (app/alarms/).
 */
export function AlarmBannerSlot() {
  return (
    <div id="alarm-banner-slot" data-slot="alarm-banner">
      <AlarmBanner />
    </div>
  );
}
