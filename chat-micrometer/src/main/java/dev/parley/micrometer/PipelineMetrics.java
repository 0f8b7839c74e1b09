package dev.parley.micrometer;

import dev.parley.pipeline.ChatPipeline;
import dev.parley.pipeline.PipelineListener;
import dev.parley.pipeline.Rejection;
import dev.parley.pipeline.ReplyResult;
import dev.parley.ratelimit.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link ChatPipeline}'s turns and replies: give it to {@link ChatPipeline.Builder#listener}, then
 * {@link #bindInFlight} the pipeline it built. Meters: {@code parley.turns.rejected} (tagged {@code
 * reason}), {@code parley.rate.limit.denials}, {@code parley.time.to.first.token} and {@code
 * parley.reply.duration} (histograms), {@code parley.replies} (tagged {@code status}), {@code
 * parley.replies.not.stored}, {@code parley.replies.cached}, {@code parley.tokens.generated} and {@code
 * parley.reply.tokens.per.second} (both of generated replies only)
 * and the gauge {@code parley.replies.in.flight}.
 */
public final class PipelineMetrics implements PipelineListener {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter rateLimited;
  private final Timer timeToFirstToken;
  private final Timer replyDuration;
  private final Counter tokens;
  private final Counter notStored;
  private final DistributionSummary tokensPerSecond;
  private final Counter cachedReplies;

  public PipelineMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry must not be null");
    this.tags = Tags.of(tags);
    rateLimited = Counter.builder("parley.rate.limit.denials").tags(this.tags)
        .description("Turns refused by a rate limit").register(registry);
    timeToFirstToken = Timer.builder("parley.time.to.first.token").tags(this.tags).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .description("From accepting a message to the reply's first token").register(registry);
    replyDuration = Timer.builder("parley.reply.duration").tags(this.tags).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
        .description("From accepting a message to the reply's end, stored").register(registry);
    tokens = Counter.builder("parley.tokens.generated").tags(this.tags).description("Reply tokens generated")
        .register(registry);
    notStored = Counter.builder("parley.replies.not.stored").tags(this.tags)
        .description("Replies the store failed to keep").register(registry);
    cachedReplies = Counter.builder("parley.replies.cached").tags(this.tags)
        .description("Replies replayed from the response cache (not in parley.tokens.generated)").register(registry);
    tokensPerSecond = DistributionSummary.builder("parley.reply.tokens.per.second").tags(this.tags)
        .description("Generation speed of each reply").register(registry);
  }

  public PipelineMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /** Registers {@code parley.replies.in.flight}, read from {@code pipeline} (held strongly). */
  public PipelineMetrics bindInFlight(ChatPipeline pipeline) {
    Gauge.builder("parley.replies.in.flight", pipeline, ChatPipeline::inFlight).tags(tags).strongReference(true)
        .description("Replies being generated or stored").register(registry);
    return this;
  }

  @Override
  public void rejected(Rejection reason) {
    registry.counter("parley.turns.rejected", tags.and("reason", reason.name().toLowerCase(Locale.ROOT))).increment();
  }

  @Override
  public void rateLimited(Decision decision) {
    rateLimited.increment();
  }

  @Override
  public void firstToken(long nanos) {
    timeToFirstToken.record(Duration.ofNanos(nanos));
  }

  @Override
  public void replyEnded(ReplyResult result, long nanos) {
    replyDuration.record(Duration.ofNanos(nanos));
    registry.counter("parley.replies", tags.and("status", result.status().name().toLowerCase(Locale.ROOT))).increment();
    if (result.storeFailure() != null) {
      notStored.increment();
    }
    if (result.fromCache()) {
      // Replayed, not generated: counted apart, and kept out of the tokens and their speed.
      cachedReplies.increment();
    } else if (result.response() != null) {
      int completion = result.response().usage().completionTokens();
      tokens.increment(completion);
      if (nanos > 0 && completion > 0) {
        tokensPerSecond.record(completion * 1e9 / nanos);
      }
    }
  }
}
