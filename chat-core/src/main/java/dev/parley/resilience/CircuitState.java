package dev.parley.resilience;

/** The state of a {@link CircuitBreaker}. */
public enum CircuitState {
  /** Calls go through; failures are counted. */
  CLOSED,
  /** Calls fail fast with {@link CircuitOpenException} until the open delay has passed. */
  OPEN,
  /** A limited number of trial calls go through; their outcome closes or reopens the circuit. */
  HALF_OPEN
}
