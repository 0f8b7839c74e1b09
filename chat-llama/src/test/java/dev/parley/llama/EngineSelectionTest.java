package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The engine follows the JDK: FFM on 22 and newer (from the multi-release jar), JNI before. */
class EngineSelectionTest {
  /** What the build runs this suite for: surefire on JDK 17, failsafe on the JDK 22+ against the jar. */
  static String expectedEngine() {
    String configured = System.getProperty("parley.llama.expectedEngine");
    if (configured != null) {
      return configured;
    }
    return Runtime.version().feature() >= 22 ? "ffm" : "jni";
  }

  static boolean ffm() {
    return expectedEngine().equals("ffm");
  }

  @Test
  void theJdkPicksTheEngine() {
    try (LlamaChatModel model = TestModels.loadTiny(1)) {
      assertEquals(expectedEngine(), model.engine(), "JDK " + Runtime.version() + ", class path "
          + System.getProperty("java.class.path"));
      assertTrue(model.toString().contains(model.engine()), model.toString());
    }
  }

  @Test
  void anUnknownEngineNameIsRefusedNamingTheProperty() {
    String before = System.getProperty(Engines.PROPERTY);
    System.setProperty(Engines.PROPERTY, "cuda");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestModels.loadTiny(1));
      assertEquals("parley.llama.engine must be auto, jni or ffm, was \"cuda\"", e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(Engines.PROPERTY);
      } else {
        System.setProperty(Engines.PROPERTY, before);
      }
    }
  }
}
