/** Theme bootstrap shared by the root layout (server) and the theme toggle (browser). */

export const themeStorageKey = 'lw-theme';

/** Inline, before paint: sets `data-theme` on <html> from the stored choice or the system. */
export const themeScript = `(function(){try{var c=localStorage.getItem('${themeStorageKey}');var d=c==='dark'||(c!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches);document.documentElement.dataset.theme=d?'dark':'light'}catch(e){document.documentElement.dataset.theme='light'}})()`;
