package dev.parley.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Strict bodies, thrown as the caller's own error with words a client can act on. */
class StrictJsonTest {
  private static String refusal(String body) {
    return assertThrows(IllegalStateException.class, () -> StrictJson.object(body, IllegalStateException::new)).getMessage();
  }

  @Test
  void whatIsWrongIsSaidInTheCallersError() {
    assertEquals("the body must be a JSON object, and it is empty", refusal(" "));
    assertEquals("the body must be a JSON object, was an array", refusal("[1]"));
    assertEquals("field 'a' appears more than once at line 1, column 11", refusal("{\"a\":1,\"a\":2}"));
    assertTrue(refusal("{\"a\":" + "[".repeat(StrictJson.MAX_DEPTH + 5) + "]".repeat(StrictJson.MAX_DEPTH + 5) + "}")
        .startsWith("the body nests deeper than 32 levels or has a value over the size limits"));
    assertEquals(1, StrictJson.object("{\"a\":1}", IllegalStateException::new).get("a").asInt());
  }
}
