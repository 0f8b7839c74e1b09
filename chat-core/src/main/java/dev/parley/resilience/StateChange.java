package dev.parley.resilience;

/**
 * A {@link CircuitBreaker} changed state.
 *
 * @param from the previous state
 * @param to the new state
 */
public record StateChange(CircuitState from, CircuitState to) {}
