/**
 * A minimal event emitter with vscode's shape (`emitter.event(listener)`
 * returns a disposable), so the run manager and trainer client stay free of
 * the `vscode` module and run under plain Node in unit tests.
 */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();

  constructor(private readonly onListenerError?: (err: unknown) => void) {}

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError?.(err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
