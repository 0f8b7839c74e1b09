package dev.parley.templates;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The methods of Python's {@code str} that chat templates call, with Python's results. */
final class StrMethods {
  private StrMethods() {}

  static Object call(String s, String name, List<Object> args, Map<String, Object> kwargs, int line) {
    switch (name) {
      case "strip":
        return strip(s, chars(args, kwargs, line), true, true);
      case "lstrip":
        return strip(s, chars(args, kwargs, line), true, false);
      case "rstrip":
        return strip(s, chars(args, kwargs, line), false, true);
      case "split":
      case "rsplit": {
        Object sep = Methods.optional(args, kwargs, 0, "sep", null);
        Object max = Methods.optional(args, kwargs, 1, "maxsplit", -1L);
        if (sep != null && !(sep instanceof String)) {
          throw error("must be str or None, not " + Py.typeName(sep), line);
        }
        long maxsplit = max instanceof Long l ? l : -1;
        return name.equals("split") ? split(s, (String) sep, maxsplit, line) : rsplit(s, (String) sep, maxsplit, line);
      }
      case "startswith":
      case "endswith": {
        Object p = Methods.arg(args, kwargs, 0, "prefix", line);
        List<?> options = p instanceof Tuple t ? t : List.of(p);
        for (Object o : options) {
          if (!(o instanceof String prefix)) {
            throw error(name + " first arg must be str or a tuple of str, not " + Py.typeName(o), line);
          }
          if (name.equals("startswith") ? s.startsWith(prefix) : s.endsWith(prefix)) {
            return true;
          }
        }
        return false;
      }
      case "replace": {
        String old = string(Methods.arg(args, kwargs, 0, "old", line), line);
        String replacement = string(Methods.arg(args, kwargs, 1, "new", line), line);
        Object count = Methods.optional(args, kwargs, 2, "count", -1L);
        return replace(s, old, replacement, count instanceof Long c ? c : -1);
      }
      case "upper":
        return s.toUpperCase(java.util.Locale.ROOT);
      case "lower":
        return s.toLowerCase(java.util.Locale.ROOT);
      case "casefold":
        return s.toLowerCase(java.util.Locale.ROOT);
      case "title":
        return title(s);
      case "capitalize":
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
      case "swapcase": {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
            : Character.toUpperCase(c)));
        return b.toString();
      }
      case "format":
        return format(s, args, kwargs, line);
      case "join": {
        StringBuilder b = new StringBuilder();
        List<Object> items = Py.iterate(Methods.arg(args, kwargs, 0, "iterable", line), line);
        for (int i = 0; i < items.size(); i++) {
          if (!(items.get(i) instanceof String item)) {
            throw error("sequence item " + i + ": expected str instance, " + Py.typeName(items.get(i)) + " found", line);
          }
          b.append(i > 0 ? s : "").append(item);
        }
        return b.toString();
      }
      case "find":
      case "index": {
        int at = s.indexOf(string(Methods.arg(args, kwargs, 0, "sub", line), line));
        if (at < 0 && name.equals("index")) {
          throw error("substring not found", line);
        }
        return (long) (at < 0 ? -1 : s.codePointCount(0, at));
      }
      case "rfind":
      case "rindex": {
        int at = s.lastIndexOf(string(Methods.arg(args, kwargs, 0, "sub", line), line));
        if (at < 0 && name.equals("rindex")) {
          throw error("substring not found", line);
        }
        return (long) (at < 0 ? -1 : s.codePointCount(0, at));
      }
      case "count": {
        String sub = string(Methods.arg(args, kwargs, 0, "sub", line), line);
        if (sub.isEmpty()) {
          return (long) s.codePointCount(0, s.length()) + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
          n++;
        }
        return n;
      }
      case "isdigit":
      case "isdecimal":
      case "isnumeric":
        return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isalpha":
        return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "isalnum":
        return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
      case "isspace":
        return !s.isEmpty() && s.chars().allMatch(c -> Py.isSpace((char) c));
      case "islower":
        return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
      case "isupper":
        return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
      case "isascii":
        return s.chars().allMatch(c -> c < 128);
      case "splitlines": {
        List<Object> out = new ArrayList<>();
        boolean keep = Py.truthy(Methods.optional(args, kwargs, 0, "keepends", false));
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || c == '\u001c' || c == '\u001d' || c == '\u001e'
              || c == '\u0085' || c == '\u2028' || c == '\u2029') {
            int end = i;
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
              i++;
            }
            out.add(s.substring(start, keep ? i + 1 : end));
            start = i + 1;
          }
        }
        if (start < s.length()) {
          out.add(s.substring(start));
        }
        return out;
      }
      case "removeprefix": {
        String p = string(Methods.arg(args, kwargs, 0, "prefix", line), line);
        return s.startsWith(p) ? s.substring(p.length()) : s;
      }
      case "removesuffix": {
        String p = string(Methods.arg(args, kwargs, 0, "suffix", line), line);
        return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
      }
      case "partition":
      case "rpartition": {
        String sep = string(Methods.arg(args, kwargs, 0, "sep", line), line);
        int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
        if (at < 0) {
          return name.equals("partition") ? new Tuple(List.of(s, "", "")) : new Tuple(List.of("", "", s));
        }
        return new Tuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
      }
      case "center":
      case "ljust":
      case "rjust":
      case "zfill": {
        long width = (Long) Py.numeric(Methods.arg(args, kwargs, 0, "width", line));
        int n = s.codePointCount(0, s.length());
        if (width <= n) {
          return s;
        }
        int pad = (int) Math.min(width - n, 1 << 20);
        String fill = name.equals("zfill") ? "0" : string(Methods.optional(args, kwargs, 1, "fillchar", " "), line);
        return switch (name) {
          case "ljust" -> s + fill.repeat(pad);
          case "rjust" -> fill.repeat(pad) + s;
          case "zfill" -> (s.startsWith("-") || s.startsWith("+")) ? s.charAt(0) + "0".repeat(pad) + s.substring(1)
              : "0".repeat(pad) + s;
          default -> {
            int left = pad / 2 + (pad & n & 1);
            yield fill.repeat(left) + s + fill.repeat(pad - left);
          }
        };
      }
      default:
        throw error("method str." + name + "() is not supported", line);
    }
  }

  private static String string(Object v, int line) {
    if (v instanceof String s) {
      return s;
    }
    throw error("expected a str, got " + Py.typeName(v), line);
  }

  private static String chars(List<Object> args, Map<String, Object> kwargs, int line) {
    Object c = Methods.optional(args, kwargs, 0, "chars", null);
    if (c == null) {
      return null;
    }
    return string(c, line);
  }

  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    while (left && start < end && (chars == null ? Py.isSpace(s.charAt(start)) : chars.indexOf(s.charAt(start)) >= 0)) {
      start++;
    }
    while (right && end > start && (chars == null ? Py.isSpace(s.charAt(end - 1)) : chars.indexOf(s.charAt(end - 1)) >= 0)) {
      end--;
    }
    return s.substring(start, end);
  }

  static List<Object> split(String s, String sep, long maxsplit, int line) {
    List<Object> out = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && Py.isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxsplit >= 0 && out.size() >= maxsplit) {
          out.add(strip(s.substring(i), null, false, true));
          break;
        }
        int j = i;
        while (j < n && !Py.isSpace(s.charAt(j))) {
          j++;
        }
        out.add(s.substring(i, j));
        i = j;
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw error("empty separator", line);
    }
    int start = 0;
    while (maxsplit < 0 || out.size() < maxsplit) {
      int at = s.indexOf(sep, start);
      if (at < 0) {
        break;
      }
      out.add(s.substring(start, at));
      start = at + sep.length();
    }
    out.add(s.substring(start));
    return out;
  }

  private static List<Object> rsplit(String s, String sep, long maxsplit, int line) {
    if (maxsplit < 0) {
      return split(s, sep, maxsplit, line);
    }
    List<Object> out = new ArrayList<>();
    if (sep == null) {
      int j = s.length();
      while (true) {
        while (j > 0 && Py.isSpace(s.charAt(j - 1))) {
          j--;
        }
        if (j <= 0) {
          break;
        }
        if (out.size() >= maxsplit) {
          out.add(0, strip(s.substring(0, j), null, true, false));
          break;
        }
        int i = j;
        while (i > 0 && !Py.isSpace(s.charAt(i - 1))) {
          i--;
        }
        out.add(0, s.substring(i, j));
        j = i;
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw error("empty separator", line);
    }
    int end = s.length();
    while (out.size() < maxsplit) {
      int at = s.lastIndexOf(sep, end - sep.length());
      if (at < 0) {
        break;
      }
      out.add(0, s.substring(at + sep.length(), end));
      end = at;
    }
    out.add(0, s.substring(0, end));
    return out;
  }

  static String replace(String s, String old, String replacement, long count) {
    if (count < 0) {
      if (old.isEmpty()) {
        StringBuilder b = new StringBuilder(replacement);
        s.codePoints().forEach(c -> b.appendCodePoint(c).append(replacement));
        return b.toString();
      }
      return s.replace(old, replacement);
    }
    StringBuilder b = new StringBuilder();
    int start = 0;
    for (long n = 0; n < count; n++) {
      int at = s.indexOf(old, start);
      if (at < 0 || old.isEmpty()) {
        break;
      }
      b.append(s, start, at).append(replacement);
      start = at + old.length();
    }
    return b.append(s.substring(start)).toString();
  }

  /** Python's {@code str.title()}: a letter after a non-letter is upper case, the others lower. */
  static String title(String s) {
    StringBuilder b = new StringBuilder();
    boolean previousCased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (Character.isLetter(c)) {
        b.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
        previousCased = true;
      } else {
        b.appendCodePoint(c);
        previousCased = false;
      }
    }
    return b.toString();
  }

  /** Python's {@code str.format} for {@code {}}, {@code {0}} and {@code {name}} fields without format specs. */
  static String format(String s, List<Object> args, Map<String, Object> kwargs, int line) {
    StringBuilder out = new StringBuilder();
    int auto = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{') {
        if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
          out.append('{');
          i++;
          continue;
        }
        int end = s.indexOf('}', i);
        if (end < 0) {
          throw error("Single '{' encountered in format string", line);
        }
        String field = s.substring(i + 1, end);
        String conversion = null;
        int bang = field.indexOf('!');
        if (bang >= 0) {
          conversion = field.substring(bang + 1);
          field = field.substring(0, bang);
        }
        if (field.contains(":")) {
          throw error("format specs in str.format are not supported", line);
        }
        Object value;
        if (field.isEmpty()) {
          if (auto >= args.size()) {
            throw error("Replacement index " + auto + " out of range for positional args tuple", line);
          }
          value = args.get(auto++);
        } else if (field.chars().allMatch(Character::isDigit)) {
          int index = Integer.parseInt(field);
          if (index >= args.size()) {
            throw error("Replacement index " + index + " out of range for positional args tuple", line);
          }
          value = args.get(index);
        } else {
          if (!kwargs.containsKey(field)) {
            throw error("KeyError: '" + field + "'", line);
          }
          value = kwargs.get(field);
        }
        out.append("r".equals(conversion) ? Py.repr(value) : Py.str(value));
        i = end;
      } else if (c == '}') {
        if (i + 1 < s.length() && s.charAt(i + 1) == '}') {
          i++;
        }
        out.append('}');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static TemplateException error(String message, int line) {
    return new TemplateException(message + " on line " + line, line);
  }
}
