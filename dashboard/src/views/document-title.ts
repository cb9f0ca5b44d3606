import { useEffect } from 'preact/hooks';

/** Sets the tab title to the view's name, so screen readers and tab lists name the view. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Faultline`;
  }, [title]);
}
