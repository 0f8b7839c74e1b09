package dev.parley.load;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One chat session the load tool drives: messages fall due on a schedule, one reply is in flight
 * at a time (a message that falls due during a reply waits for it, and its send lag says so), and
 * each reply's first token, end and token count are recorded.
 *
 * <p>Subclasses carry messages over a transport and report back through {@link #token()}, {@link
 * #complete()} and {@link #fail(String)}, from any thread.
 */
abstract class LoadSession {
  final String id;
  final LoadResults results;
  private final Deque<Long> waiting = new ArrayDeque<>();
  private int messages;
  private boolean busy;
  private boolean closed;
  private long sentAt;
  private long firstTokenAt;
  private int tokens;

  LoadSession(String id, LoadResults results) {
    this.id = id;
    this.results = results;
  }

  /** Sends the transport's form of one user message; failures come back through fail(). */
  abstract void transmit(String content);

  /** Closes the transport; a reply still in flight is not waited for. */
  abstract void closeTransport();

  /** A message falls due; it goes out now, or once the reply in flight is done. */
  final synchronized void due(long scheduledNanos) {
    if (closed) {
      results.failed("session closed before sending");
      return;
    }
    if (busy) {
      waiting.add(scheduledNanos);
    } else {
      start(scheduledNanos);
    }
  }

  private void start(long scheduledNanos) {
    busy = true;
    long now = System.nanoTime();
    results.sending(now, now - scheduledNanos);
    sentAt = now;
    firstTokenAt = 0;
    tokens = 0;
    messages++;
    transmit("Load message " + messages + " of session " + id + ": what makes the tide come in twice a day?");
  }

  final synchronized void token() {
    if (!busy) {
      return;
    }
    if (firstTokenAt == 0) {
      firstTokenAt = System.nanoTime();
    }
    tokens++;
  }

  final synchronized void complete() {
    if (!busy) {
      return;
    }
    if (tokens == 0) {
      results.failed("reply without tokens");
    } else {
      results.succeeded(sentAt, firstTokenAt, System.nanoTime(), tokens);
    }
    next();
  }

  final synchronized void fail(String reason) {
    if (!busy) {
      return;
    }
    results.failed(reason);
    next();
  }

  /** The transport is gone: the reply in flight and every waiting message fail with reason. */
  final synchronized void lost(String reason) {
    closed = true;
    if (busy) {
      results.failed(reason);
      busy = false;
    }
    for (int i = waiting.size(); i > 0; i--) {
      results.failed(reason);
    }
    waiting.clear();
  }

  /** Replies in flight plus messages waiting for them. */
  final synchronized int outstanding() {
    return (busy ? 1 : 0) + waiting.size();
  }

  /** Ends the session: whatever is outstanding fails with reason, then the transport closes. */
  final void close(String reason) {
    lost(reason);
    closeTransport();
  }

  private void next() {
    busy = false;
    Long scheduled = waiting.poll();
    if (scheduled != null && !closed) {
      start(scheduled);
    }
  }
}
