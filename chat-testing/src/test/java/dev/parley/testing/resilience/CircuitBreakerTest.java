package dev.parley.testing.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationTimeoutException;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.chat.ParleyException;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.CircuitOpenException;
import dev.parley.resilience.CircuitState;
import dev.parley.resilience.StateChange;
import dev.parley.testing.FakeChatModel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The breaker around a fake model that fails, hangs and counts its calls. It lives in chat-testing
 * because the fakes do (they depend on chat-core, so core's own tests cannot use them), as Guava keeps
 * the tests that need guava-testlib in a module of their own.
 */
class CircuitBreakerTest {
  private static final ChatRequest HI = ChatRequest.of(Message.user("hi"));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Waits (without sleeping a fixed time) until the open delay has passed. */
  private static void awaitHalfOpenable(CircuitBreaker breaker) throws InterruptedException {
    org.awaitility.Awaitility.await("the open delay passed").atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(5)).until(() -> breaker.remainingOpenDelay().isZero());
  }

  @Test
  void opensAfterConsecutiveFailuresAndThenFailsFast() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(3).openDelay(Duration.ofMinutes(1)).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    fake.failNext(3);
    for (int i = 0; i < 3; i++) {
      assertThrows(ModelUnavailableException.class, () -> model.generate(HI));
    }
    assertEquals(CircuitState.OPEN, breaker.state());

    CircuitOpenException open = assertThrows(CircuitOpenException.class, () -> model.generate(HI));
    assertTrue(open.isRetriable());
    Duration retryAfter = open.retryAfter().orElseThrow();
    assertTrue(retryAfter.compareTo(Duration.ofSeconds(50)) > 0 && retryAfter.compareTo(Duration.ofMinutes(1)) <= 0,
        "retry after ~1 minute, was " + retryAfter);
    assertEquals(3, fake.requests().size(), "an open circuit must not call the model");
  }

  @Test
  void opensOnAFailureRatioAmongRecentCalls() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(2, 4).openDelay(Duration.ofMinutes(1)).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    model.generate(HI);
    fake.failNext(1);
    assertThrows(ParleyException.class, () -> model.generate(HI));
    model.generate(HI);
    assertEquals(CircuitState.CLOSED, breaker.state(), "1 failure of 3");
    fake.failNext(1);
    assertThrows(ParleyException.class, () -> model.generate(HI));
    assertEquals(CircuitState.OPEN, breaker.state(), "2 failures of the last 4");
  }

  @Test
  void opensOnAFailureRateOverATimeWindow() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    CircuitBreaker breaker = CircuitBreaker.builder()
        .failureRateThreshold(50, 4, Duration.ofMinutes(1)).openDelay(Duration.ofMinutes(1)).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    fake.failNext(2);
    assertThrows(ParleyException.class, () -> model.generate(HI));
    assertThrows(ParleyException.class, () -> model.generate(HI));
    assertEquals(CircuitState.CLOSED, breaker.state(), "fewer than 4 calls: no verdict yet");
    model.generate(HI);
    model.generate(HI);
    assertEquals(CircuitState.OPEN, breaker.state(), "2 of 4 failed: 50%");
  }

  @Test
  void halfOpensAfterTheDelayAndClosesOnASuccessfulTrial() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    List<StateChange> changes = new CopyOnWriteArrayList<>();
    CircuitBreaker breaker = CircuitBreaker.builder()
        .failureThreshold(1).openDelay(Duration.ofMillis(50)).onStateChange(changes::add).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    fake.failNext(1);
    assertThrows(ModelUnavailableException.class, () -> model.generate(HI));
    assertThrows(CircuitOpenException.class, () -> model.generate(HI));

    awaitHalfOpenable(breaker);
    assertEquals("ok", model.generate(HI).text());
    assertEquals(CircuitState.CLOSED, breaker.state());
    assertEquals(List.of(
        new StateChange(CircuitState.CLOSED, CircuitState.OPEN),
        new StateChange(CircuitState.OPEN, CircuitState.HALF_OPEN),
        new StateChange(CircuitState.HALF_OPEN, CircuitState.CLOSED)), changes);
  }

  @Test
  void aFailedTrialReopensTheCircuit() throws Exception {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    CircuitBreaker breaker = CircuitBreaker.builder()
        .failureThreshold(1).openDelay(Duration.ofMillis(50)).halfOpenTrials(2, 2).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    fake.failNext(1);
    assertThrows(ModelUnavailableException.class, () -> model.generate(HI));
    awaitHalfOpenable(breaker);
    fake.failNext(1);
    assertThrows(ModelUnavailableException.class, () -> model.generate(HI));
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @Test
  void timeoutCancelsTheGenerationAndCountsAsAFailure() {
    FakeChatModel fake = FakeChatModel.thatAlwaysResponds("ok");
    CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(1).openDelay(Duration.ofMinutes(1)).build();
    ChatModel model = breaker.decorate(fake, Duration.ofMillis(100));
    fake.hangNext(1);
    GenerationTimeoutException e = assertThrows(GenerationTimeoutException.class, () -> model.generate(HI));
    assertEquals(Duration.ofMillis(100), e.timeout());
    assertTrue(e.isRetriable());
    org.awaitility.Awaitility.await("the timed-out generation ended").atMost(Duration.ofMinutes(1))
        .until(() -> fake.activeGenerations() == 0);
    assertEquals(0, fake.activeGenerations(), "the timed-out generation must be cancelled in the model");
    assertEquals(1, fake.cancellations());
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @Test
  void invalidRequestsDoNotCountAsFailures() {
    FakeChatModel fake = FakeChatModel.builder().failure(() -> new InvalidRequestException("prompt too long")).build();
    CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(1).build();
    ChatModel model = breaker.decorate(fake, TIMEOUT);
    fake.failNext(3);
    for (int i = 0; i < 3; i++) {
      assertThrows(InvalidRequestException.class, () -> model.generate(HI));
    }
    assertEquals(CircuitState.CLOSED, breaker.state());
  }

  @Test
  void badSettingsNameTheParameter() {
    var e = assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.builder().failureThreshold(0));
    assertEquals("failures must be > 0, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.builder().failureThreshold(5, 3));
    assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.builder().failureRateThreshold(0, 1, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.builder().openDelay(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.builder().halfOpenTrials(3, 2));
    assertThrows(IllegalStateException.class, () -> CircuitBreaker.builder()
        .failureThreshold(2).failureRateThreshold(50, 2, Duration.ofSeconds(1)).build());
    assertThrows(IllegalArgumentException.class, () -> CircuitBreaker.ofDefaults().decorate(FakeChatModel.thatEchoes(), Duration.ZERO));
  }
}
