/**
 * A ChangeWatch over a line-oriented event stream (`virsh event --loop`, `xenstore-watch`): every complete line
 * goes to `onLine`; `onDidClose` fires once when the channel ends by itself (not on dispose). A line past the
 * splitter's cap (a host streaming without newlines) closes the channel: memory stays bounded, and the owner
 * falls back to polling as for any stream that ended.
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
  const splitter = new LineSplitter({ source: 'The event stream' });
  let done = false;
  const deliver = (lines: string[]) => {
    for (const line of lines) if (line.trim() !== '') onLine(line);
  };
  store.add(
    stream.onData((chunk) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch {
        // OUTPUT_TOO_LARGE: the splitter dropped its tail; end the stream (onDidClose follows).
        if (!stream.closed) stream.close();
        return;
      }
      deliver(lines);
    }),
  );
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
