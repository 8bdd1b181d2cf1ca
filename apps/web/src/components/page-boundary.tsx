import { Component, type ReactNode } from 'react';
import { ErrorState } from './states.js';

/**
 * Keeps the shell (navigation, theme, sign-out) when a page fails to render or its chunk fails to load: the
 * page's place shows the error and a Retry that loads the page afresh (React keeps a failed lazy import, so
 * only a reload asks for the chunk again). Keyed by the path, so moving to another page clears it.
 */
export class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    if (this.state.error)
      return <ErrorState error={this.state.error} retry={() => window.location.reload()} />;
    return this.props.children;
  }
}
