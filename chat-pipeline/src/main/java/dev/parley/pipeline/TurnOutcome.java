package dev.parley.pipeline;

import dev.parley.memory.StoredMessage;
import dev.parley.ratelimit.Decision;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What became of a turn: refused (nothing stored, nothing spent), rate-limited (nothing stored),
 * stored without a reply, or stored with its reply started. A protocol adapter switches over it.
 */
public sealed interface TurnOutcome {

  /** Refused before anything was stored or any permit spent. */
  record Rejected(Rejection reason, String message) implements TurnOutcome {
    public Rejected {
      Objects.requireNonNull(reason, "reason must not be null");
      Objects.requireNonNull(message, "message must not be null");
    }
  }

  /** Over a limit of the user's; nothing was stored. The decision says which limit and when to retry. */
  record RateLimited(Decision decision) implements TurnOutcome {
    public RateLimited {
      Objects.requireNonNull(decision, "decision must not be null");
    }
  }

  /**
   * The message was stored; no reply was asked for. {@code decision} is the user's request limits
   * and {@code tokens} their LLM-token quota after this turn (for headers); each null when the
   * pipeline has no such limiter.
   */
  record Stored(StoredMessage message, @Nullable Decision decision, @Nullable Decision tokens) implements TurnOutcome {
    public Stored {
      Objects.requireNonNull(message, "message must not be null");
    }
  }

  /**
   * The message was stored (none for a stateless completion) and the reply started: its tokens and
   * its end go to the turn's {@link ReplyListener}. {@code decision} and {@code tokens} as in {@link
   * Stored}; the reply's tokens are charged when it ends.
   */
  record Started(@Nullable StoredMessage message, @Nullable Decision decision, @Nullable Decision tokens, Reply reply)
      implements TurnOutcome {
    public Started {
      Objects.requireNonNull(reply, "reply must not be null");
    }
  }
}
