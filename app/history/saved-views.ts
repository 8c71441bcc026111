/**
 * Saved trend views: a name for a set of tags and a range, kept on this device. A view is its
 * query string (`?tags=a,b&range=1h`), the same one the address bar shows, so sharing a view
 * is sharing its link.
 */

export interface SavedView {
  name: string;
  /** `?tags=…&range=…` (or `&from=…&to=…`), as `historySearch` writes it. */
  search: string;
}

/** Where this device keeps them. */
export const savedViewsKey = 'lw.trend-views';
/** Views kept at most (the oldest saved go first). */
export const MAX_SAVED_VIEWS = 20;
const MAX_NAME = 60;

/** The views in a stored text; anything malformed is dropped, never thrown. */
export function parseSavedViews(text: string | null): SavedView[] {
  if (!text) return [];
  try {
    const raw: unknown = JSON.parse(text);
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((v): v is SavedView => typeof v?.name === 'string' && typeof v?.search === 'string' && v.search.startsWith('?') && v.name.trim() !== '')
      .map((v) => ({ name: v.name.trim().slice(0, MAX_NAME), search: v.search }))
      .slice(0, MAX_SAVED_VIEWS);
  } catch {
    return [];
  }
}

/** The list with `view` saved: a view of the same name (any case) is replaced; newest first. */
export function saveView(list: readonly SavedView[], view: SavedView): SavedView[] {
  const name = view.name.trim().slice(0, MAX_NAME);
  if (!name) return [...list];
  const others = list.filter((v) => v.name.toLowerCase() !== name.toLowerCase());
  return [{ name, search: view.search }, ...others].slice(0, MAX_SAVED_VIEWS);
}

export function removeView(list: readonly SavedView[], name: string): SavedView[] {
  return list.filter((v) => v.name !== name);
}
