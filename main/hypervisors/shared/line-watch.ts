/**
 * A ChangeWatch over a line-oriented event stream (`virsh event --loop`, `xenstore-watch`): every complete line
 * goes to `onLine`; `onDidClose` fires once when the channel ends by itself (not on dispose).
 */
import { DisposableStore, Emitter } from '../../core/lifecycle';
import { LineSplitter } from '../../core/parsers';
import type { CommandStream, StreamOptions } from '../../core/runner';
import type { ChangeWatch } from '../driver';

/**
 * Event streams run in a PTY: when the channel closes, the remote command gets SIGHUP. Without one, a quiet
 * `virsh event --loop` or `xenstore-watch` would linger on the host until its next write. The PTY's CRLF line
 * ends are accepted by the line splitter.
 */
export const EVENT_STREAM_OPTIONS: StreamOptions = { pty: { rows: 24, cols: 1000, term: 'dumb' } };

export function watchLines(stream: CommandStream, onLine: (line: string) => void): ChangeWatch {
  const store = new DisposableStore();
  const closed = store.add(new Emitter<void>());
  const splitter = new LineSplitter();
  let done = false;
  const deliver = (lines: string[]) => {
    for (const line of lines) if (line.trim() !== '') onLine(line);
  };
  store.add(stream.onData((chunk) => deliver(splitter.push(chunk))));
  store.add(
    stream.onClose(() => {
      if (done) return;
      done = true;
      deliver(splitter.flush());
      closed.fire();
      store.dispose();
    }),
  );
  return {
    onDidClose: closed.event,
    /** The owner is done with it: close the channel quietly (no onDidClose). */
    dispose() {
      done = true;
      store.dispose();
      if (!stream.closed) stream.close();
    },
  };
}
