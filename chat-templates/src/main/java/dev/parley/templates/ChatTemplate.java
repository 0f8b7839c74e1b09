package dev.parley.templates;

import dev.parley.templates.Interpreter.Scope;
import dev.parley.templates.Node.Stmt;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat template ({@code tokenizer.chat_template} in a GGUF file, {@code chat_template} in a
 * Hugging Face tokenizer config), parsed once and rendered as Hugging Face's {@code
 * apply_chat_template} renders it with Python's jinja2: {@code trim_blocks} and {@code
 * lstrip_blocks}, loop controls, {@code namespace()}, {@code raise_exception(message)}, {@code
 * strftime_now(format)} and a {@code tojson} filter that leaves non-ASCII text as it is.
 *
 * <p>It interprets the subset of Jinja that chat templates use, in a sandbox: a template sees only
 * the values it is given (strings, numbers, booleans, null, lists and maps), can call only
 * jinja2's built-in filters and tests and the string, list and map methods that read, cannot change
 * what it is given, and stops with a {@link TemplateException} past its {@link Limits} (steps, output size,
 * time). A template that uses a filter or test that is not there fails when parsed, as in jinja2.
 *
 * <pre>{@code
 * ChatTemplate template = ChatTemplate.parse(source);
 * String prompt = template.render(Map.of(
 *     "messages", List.of(Map.of("role", "user", "content", "Hello")),
 *     "add_generation_prompt", true,
 *     "bos_token", "<s>", "eos_token", "</s>"));
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe: parse once, render from any thread.
 */
public final class ChatTemplate {
  /** Bounds on one rendering. */
  public record Limits(long maxSteps, long maxOutputChars, Duration timeout) {
    /** One million steps, eight million characters, one second. */
    public static final Limits DEFAULT = new Limits(1_000_000, 8_000_000, Duration.ofSeconds(1));

    public Limits {
      if (maxSteps <= 0) {
        throw new IllegalArgumentException("maxSteps must be > 0, was " + maxSteps);
      }
      if (maxOutputChars <= 0) {
        throw new IllegalArgumentException("maxOutputChars must be > 0, was " + maxOutputChars);
      }
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
    }
  }

  private final String source;
  private final List<Stmt> body;
  private final Limits limits;
  private final Clock clock;

  private ChatTemplate(String source, Limits limits, Clock clock) {
    this.source = source;
    this.body = Parser.parse(source);
    this.limits = limits;
    this.clock = clock;
    Validation.check(body);
  }

  /**
   * Parses {@code source} with the default limits and the system clock.
   *
   * @throws TemplateException when the source is not a template this interpreter can run, naming the line
   */
  public static ChatTemplate parse(String source) {
    return new ChatTemplate(Objects.requireNonNull(source, "source must not be null"), Limits.DEFAULT, Clock.systemDefaultZone());
  }

  /** The same template with other limits. */
  public ChatTemplate withLimits(Limits limits) {
    return new ChatTemplate(source, Objects.requireNonNull(limits, "limits must not be null"), clock);
  }

  /** The same template with another clock for {@code strftime_now} (tests fix the date with it). */
  public ChatTemplate withClock(Clock clock) {
    return new ChatTemplate(source, limits, Objects.requireNonNull(clock, "clock must not be null"));
  }

  /** The template's source, as given. */
  public String source() {
    return source;
  }

  /**
   * Renders the template with {@code context} as its variables (typically {@code messages}, {@code
   * tools}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and flags such as
   * {@code enable_thinking}).
   *
   * @param context values: strings, numbers, booleans, nulls, lists (or arrays) and maps with string keys
   * @throws TemplateException when the template fails or refuses (see {@link TemplateException#raisedByTemplate()})
   * @throws IllegalArgumentException when the context holds another kind of value, naming its path
   */
  public String render(Map<String, ?> context) {
    Objects.requireNonNull(context, "context must not be null");
    Scope globals = new Scope(null);
    LocalDateTime now = LocalDateTime.now(clock);
    globals.vars.put("raise_exception", (Callable) (args, kwargs, line) -> {
      throw new TemplateException(args.isEmpty() ? "raise_exception() called" : Py.str(args.get(0)), line, true);
    });
    globals.vars.put("strftime_now", (Callable) (args, kwargs, line) ->
        Strftime.format(now, Py.str(Methods.arg(args, kwargs, 0, "format", line)), line));
    globals.vars.put("namespace", (Callable) (args, kwargs, line) -> {
      Namespace ns = new Namespace();
      for (Object a : args) {
        if (a instanceof Map<?, ?> m) {
          m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
        }
      }
      ns.attributes.putAll(kwargs);
      return ns;
    });
    globals.vars.put("dict", (Callable) (args, kwargs, line) -> {
      Map<Object, Object> m = new LinkedHashMap<>();
      for (Object a : args) {
        if (a instanceof Map<?, ?> given) {
          m.putAll(given);
        }
      }
      m.putAll(kwargs);
      return m;
    });
    globals.vars.put("range", (Callable) (args, kwargs, line) -> range(args, line));
    Scope root = new Scope(globals);
    for (Map.Entry<String, ?> e : context.entrySet()) {
      root.vars.put(Objects.requireNonNull(e.getKey(), "context key"), value(e.getValue(), e.getKey()));
    }
    return new Interpreter(limits).render(body, root);
  }

  private List<Object> range(List<Object> args, int line) {
    long start = 0;
    long stop;
    long step = 1;
    if (args.isEmpty() || args.size() > 3 || !args.stream().allMatch(a -> a instanceof Long)) {
      throw new TemplateException("range() takes one to three integers on line " + line, line);
    }
    if (args.size() == 1) {
      stop = (Long) args.get(0);
    } else {
      start = (Long) args.get(0);
      stop = (Long) args.get(1);
      if (args.size() == 3) {
        step = (Long) args.get(2);
      }
    }
    if (step == 0) {
      throw new TemplateException("range() arg 3 must not be zero on line " + line, line);
    }
    List<Object> out = new ArrayList<>();
    for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (out.size() >= limits.maxSteps()) {
        throw new TemplateException("range() is longer than " + limits.maxSteps() + " on line " + line, line);
      }
      out.add(i);
    }
    return out;
  }

  /** A context value in the interpreter's own types, copied so the template cannot see later changes. */
  private static Object value(Object v, String path) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return Double.parseDouble(f.toString());
    }
    if (v instanceof java.math.BigDecimal d) {
      return d.doubleValue();
    }
    if (v instanceof java.math.BigInteger i) {
      return i.bitLength() < 64 ? (Object) i.longValue() : (Object) i.doubleValue();
    }
    if (v instanceof CharSequence s) {
      return s.toString();
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("context map keys must be strings, " + path + " has " + e.getKey());
        }
        out.put(key, value(e.getValue(), path + "." + key));
      }
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>(c.size());
      int i = 0;
      for (Object item : c) {
        out.add(value(item, path + "[" + i++ + "]"));
      }
      return out;
    }
    if (v instanceof Object[] array) {
      return value(Arrays.asList(array), path);
    }
    throw new IllegalArgumentException("context value " + path + " is a " + v.getClass().getName()
        + "; a template sees strings, numbers, booleans, nulls, lists and maps only");
  }
}
