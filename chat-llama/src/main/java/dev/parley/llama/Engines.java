package dev.parley.llama;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the engine, as Lucene picks its Panama {@code MMapDirectory}: on JDK 22 and newer the FFM
 * engine, whose classes this multi-release jar keeps under {@code META-INF/versions/22}; on older
 * JDKs the JNI engine. {@code -Dparley.llama.engine=jni} (or {@code ffm}) forces one; {@code auto}
 * is the default.
 */
final class Engines {
  static final String PROPERTY = "parley.llama.engine";
  private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
  private static final String FFM_CLASS = "dev.parley.llama.FfmEngine";
  private static boolean reported;

  private Engines() {}

  static Engine load(EngineConfig config) {
    String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (!wanted.equals("auto") && !wanted.equals("jni") && !wanted.equals("ffm")) {
      throw new IllegalArgumentException(PROPERTY + " must be auto, jni or ffm, was \"" + wanted + "\"");
    }
    int jdk = Runtime.version().feature();
    if (wanted.equals("jni") || (wanted.equals("auto") && jdk < 22)) {
      report("jni", "JDK " + jdk + (wanted.equals("jni") ? ", " + PROPERTY + "=jni" : ""));
      return new JniEngine(config);
    }
    if (jdk < 22) {
      throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, config.modelFile(),
          PROPERTY + "=ffm needs JDK 22 or newer; this is JDK " + Runtime.version(), null);
    }
    MethodHandle factory;
    try {
      factory = MethodHandles.lookup().findStatic(Class.forName(FFM_CLASS), "load",
          MethodType.methodType(Engine.class, EngineConfig.class));
    } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
      if (wanted.equals("ffm")) {
        throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, config.modelFile(),
            PROPERTY + "=ffm but " + FFM_CLASS + " is not on the class path: chat-llama must be used as its"
                + " multi-release jar, built with a JDK 22 or newer", e);
      }
      report("jni", "JDK " + jdk + " but no FFM engine on the class path (not the multi-release jar?)");
      return new JniEngine(config);
    }
    report("ffm", "JDK " + jdk);
    try {
      return (Engine) factory.invokeExact(config);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("unexpected checked exception from " + FFM_CLASS, e);
    }
  }

  private static synchronized void report(String engine, String why) {
    if (!reported) {
      reported = true;
      LOG.info("llama.cpp engine: {} ({})", engine, why);
    }
  }
}
