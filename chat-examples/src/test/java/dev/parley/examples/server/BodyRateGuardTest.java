package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rate arithmetic on an injected clock; HttpAttackTest drives the guard through a server. */
class BodyRateGuardTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void nothingIsTooSlowWithinTheGracePeriod() {
    BodyRateGuard.Rate rate = new BodyRateGuard.Rate(1024, 2 * SECOND, 100);
    assertFalse(rate.tooSlow(100), "at the start");
    assertFalse(rate.tooSlow(100 + 2 * SECOND), "at the end of the grace period, with no byte at all");
    assertTrue(rate.tooSlow(100 + 2 * SECOND + 1), "just after it");
  }

  @Test
  void pastTheGracePeriodTheAverageSinceTheStartCounts() {
    BodyRateGuard.Rate rate = new BodyRateGuard.Rate(1000, SECOND, 0);
    rate.arrived(2_999);
    assertTrue(rate.tooSlow(3 * SECOND), "2,999 bytes in 3 s is under 1,000 a second");
    rate.arrived(1);
    assertFalse(rate.tooSlow(3 * SECOND), "3,000 bytes in 3 s is the rate exactly");
    assertTrue(rate.tooSlow(3 * SECOND + SECOND / 1000), "and a millisecond later it is under");
    assertEquals(3_000, rate.bytes());
  }

  @Test
  void eachRequestIsCountedAlone() {
    BodyRateGuard.Rate busy = new BodyRateGuard.Rate(1024, 0, 0);
    BodyRateGuard.Rate trickle = new BodyRateGuard.Rate(1024, 0, 0);
    busy.arrived(1L << 30);
    trickle.arrived(2);
    assertFalse(busy.tooSlow(10 * SECOND));
    assertTrue(trickle.tooSlow(10 * SECOND), "another request's bytes do not cover this one");
  }

  @Test
  void aServerLifetimeDoesNotOverflow() {
    BodyRateGuard.Rate rate = new BodyRateGuard.Rate(Long.MAX_VALUE / 2, 0, Long.MIN_VALUE / 2);
    rate.arrived(1);
    assertTrue(rate.tooSlow(Long.MAX_VALUE / 2));
  }

  @Test
  void badSettingsNameThemselves() {
    IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
        () -> new BodyRateGuard(0, Duration.ZERO));
    assertTrue(rate.getMessage().contains("minBytesPerSecond"), rate.getMessage());
    IllegalArgumentException grace = assertThrows(IllegalArgumentException.class,
        () -> new BodyRateGuard(1, Duration.ofMillis(-1)));
    assertTrue(grace.getMessage().contains("grace"), grace.getMessage());
  }
}
