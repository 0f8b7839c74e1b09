package dev.parley.benchmarks;

import dev.parley.sanitize.InputSanitizer;
import dev.parley.sanitize.SanitizationResult;
import java.text.Normalizer;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to clean a message of 1, 8 and 64 KB: {@code InputSanitizer} (one pass per rule, code
 * fences respected) against the same cleaning written as a chain of regular expressions, the way
 * the seed does it. The text is chat-like: prose, a code fence, runs of spaces and blank lines, a
 * few control characters and decomposed accents. Divide by the size for time per KB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class InputSanitizerBenchmark {
  private static final String PARAGRAPH = "Hello!  I have a question about   tides and cafe\u0301s by the sea.\u0007\n"
      + "Why does the tide come in twice a day?\n\n\n\n"
      + "```java\nint    tides = 2;   // keep     these spaces\n```\n"
      + "Thanks\u200b a lot,\t\tsee you soon.\r\n";

  /** What cleans the text. */
  public enum Implementation {
    /** Parley's InputSanitizer. */
    PARLEY,
    /** Control characters, NFC, space runs, blank lines and repeats by regular expressions. */
    REGEX_BASELINE
  }

  @Param
  public Implementation implementation;

  @Param({"1", "8", "64"})
  public int kilobytes;

  private String text;
  private InputSanitizer sanitizer;

  @Setup(Level.Trial)
  public void setUp() {
    StringBuilder b = new StringBuilder();
    while (b.length() < kilobytes * 1024) {
      b.append(PARAGRAPH);
    }
    text = b.substring(0, kilobytes * 1024);
    sanitizer = InputSanitizer.builder().maxCharacters(1 << 20).maxUtf8Bytes(1 << 22).build();
    if (!(sanitizer.sanitize(text) instanceof SanitizationResult.Accepted)) {
      throw new IllegalStateException("the benchmark text must be accepted");
    }
  }

  @Benchmark
  public Object clean() {
    return implementation == Implementation.PARLEY ? sanitizer.sanitize(text) : RegexSanitizer.clean(text);
  }

  /** The cleaning as a chain of regular expressions. */
  static final class RegexSanitizer {
    private static final Pattern NEWLINES = Pattern.compile("\\r\\n?");
    private static final Pattern CONTROLS = Pattern.compile("[\\p{Cntrl}&&[^\\n\\t]]|[\\p{Cf}]");
    private static final Pattern SPACE_RUNS = Pattern.compile("(?<=\\S)[ \\t]{3,}");
    private static final Pattern BLANK_LINES = Pattern.compile("\\n{4,}");
    private static final Pattern REPEATS = Pattern.compile("(.)\\1{49,}");

    static String clean(String input) {
      String s = NEWLINES.matcher(input).replaceAll("\n");
      s = CONTROLS.matcher(s).replaceAll("");
      s = Normalizer.normalize(s, Normalizer.Form.NFC);
      s = SPACE_RUNS.matcher(s).replaceAll("  ");
      s = BLANK_LINES.matcher(s).replaceAll("\n\n\n");
      if (REPEATS.matcher(s).find()) {
        throw new IllegalArgumentException("spam");
      }
      return s.strip();
    }
  }
}
