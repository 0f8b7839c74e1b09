package dev.parley.core.internal;

import java.util.List;

/**
 * Finds a reply's stop sequences in text that arrives piece by piece, as a model streams it. Each
 * {@link #accept} returns the text that is now safe to stream: it cannot be part of a stop sequence.
 * Text that could be the start of one is held back until the next piece decides; once a stop
 * sequence appears, the text before it is returned, {@link #stopped()} turns true, and nothing of
 * the stop sequence (or after it) is ever returned. {@link #flush()} releases what is held back when
 * the reply ends without one.
 *
 * <pre>{@code
 * StopSequenceMatcher m = new StopSequenceMatcher(List.of("\nUser:"));
 * m.accept("Hello\nUs");   // "Hello"  ("\nUs" may begin the stop sequence)
 * m.accept("er: hi");      // ""       (it did: stopped)
 * m.emitted();             // "Hello"
 * }</pre>
 *
 * <p>One per reply; not thread-safe.
 */
public final class StopSequenceMatcher {
  private final List<String> stops;
  private final int longest;
  private final StringBuilder text = new StringBuilder();
  private int emitted;
  private boolean stopped;

  /**
   * @param stops the stop sequences; none may be empty
   * @throws IllegalArgumentException if one is empty
   */
  public StopSequenceMatcher(List<String> stops) {
    Checks.notNull(stops, "stops");
    int max = 0;
    for (String s : stops) {
      Checks.notNull(s, "stop sequence");
      if (s.isEmpty()) {
        throw new IllegalArgumentException("a stop sequence must not be empty: it would end every reply at once");
      }
      max = Math.max(max, s.length());
    }
    this.stops = List.copyOf(stops);
    this.longest = max;
  }

  /**
   * Where the earliest of {@code stops} starts in {@code text}, or -1 if none occurs: for a whole
   * reply known at once.
   */
  public static int indexOf(CharSequence text, List<String> stops) {
    return earliest(new StringBuilder(text), stops, 0);
  }

  /**
   * Adds the next piece of the reply and returns the text that can be streamed now (possibly
   * empty). After a stop sequence has been found, returns "" for every further piece.
   */
  public String accept(String piece) {
    Checks.notNull(piece, "piece");
    if (stopped) {
      return "";
    }
    text.append(piece);
    if (stops.isEmpty()) {
      return release(text.length());
    }
    // A stop sequence may begin up to (its length - 1) characters before what was already emitted;
    // searched in place: copying the whole reply for each token would make a reply quadratic.
    int stop = earliest(text, stops, Math.max(0, emitted - longest + 1));
    if (stop >= 0) {
      stopped = true;
      return release(Math.max(stop, emitted));
    }
    return release(text.length() - heldBack());
  }

  /** The text held back for a stop sequence that did not come: call when the reply ends. */
  public String flush() {
    return stopped ? "" : release(text.length());
  }

  /** Whether a stop sequence was found. */
  public boolean stopped() {
    return stopped;
  }

  /** All the text returned so far: the reply as the client has it. */
  public String emitted() {
    return text.substring(0, emitted);
  }

  private String release(int end) {
    if (end <= emitted) {
      return "";
    }
    String out = text.substring(emitted, end);
    emitted = end;
    return out;
  }

  /** Characters at the end of the text that may be the start of a stop sequence. */
  private int heldBack() {
    int n = Math.min(longest - 1, text.length() - emitted);
    for (int k = n; k > 0; k--) {
      int from = text.length() - k;
      for (String s : stops) {
        if (s.length() > k && text.indexOf(s.substring(0, k), from) == from) {
          return k;
        }
      }
    }
    return 0;
  }

  private static int earliest(StringBuilder text, List<String> stops, int from) {
    int best = -1;
    for (String s : stops) {
      int i = text.indexOf(s, from);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
      }
    }
    return best;
  }
}
