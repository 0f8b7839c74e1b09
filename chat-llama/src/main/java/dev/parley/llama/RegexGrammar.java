package dev.parley.llama;

import dev.parley.chat.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for the JSON string contents that a JSON Schema {@code pattern} matches whole. The common
 * subset of ECMAScript regular expressions: literals and escapes, {@code .}, classes ({@code [a-z]},
 * {@code [^,]}, {@code \d \w \s} and their negations), groups ({@code (...)}, {@code (?:...)}),
 * alternation, and the quantifiers {@code * + ? {n} {n,} {n,m}} (lazy ones too: they match the same
 * strings). {@code ^} and {@code $} are accepted at the ends. Anything else (back-references,
 * lookaround, {@code \b}) is refused, naming it.
 *
 * <p>The grammar writes characters that JSON must escape ({@code "}, {@code \}, controls) only where
 * the pattern names them as literals, escaped; classes and {@code .} leave them out, and {@code \s}
 * writes only a space. So every string it writes matches; a few that match are never written.
 */
final class RegexGrammar {
  /** What a class or {@code .} never writes: characters JSON would have to escape. */
  private static final String UNWRITTEN = "\"\\\\\\x7F\\x00-\\x1F";

  private final String pattern;
  private final String where;
  private int at;

  RegexGrammar(String pattern, String where) {
    this.pattern = pattern;
    this.where = where;
  }

  String translate() {
    if (pattern.startsWith("^")) {
      at = 1;
    }
    String body = alternation();
    if (at < pattern.length()) {
      throw refuse("unexpected '" + pattern.charAt(at) + "' at " + at);
    }
    return body.isEmpty() ? "\"\"" : body;
  }

  private InvalidRequestException refuse(String why) {
    return new InvalidRequestException("JSON Schema " + where + ": the pattern \"" + pattern + "\" is not supported: " + why);
  }

  private boolean more() {
    return at < pattern.length() && !(pattern.charAt(at) == '$' && at == pattern.length() - 1 && consumeEnd());
  }

  private boolean consumeEnd() {
    at++;
    return true;
  }

  private String alternation() {
    List<String> alternatives = new ArrayList<>();
    alternatives.add(sequence());
    while (at < pattern.length() && pattern.charAt(at) == '|') {
      at++;
      alternatives.add(sequence());
    }
    if (alternatives.size() == 1) {
      return alternatives.get(0);
    }
    List<String> wrapped = new ArrayList<>();
    for (String a : alternatives) {
      wrapped.add(a.isEmpty() ? "\"\"" : a);
    }
    return "(" + String.join(" | ", wrapped) + ")";
  }

  private String sequence() {
    StringBuilder b = new StringBuilder();
    while (more() && pattern.charAt(at) != '|' && pattern.charAt(at) != ')') {
      String atom = atom();
      atom = quantified(atom);
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(atom);
    }
    return b.toString();
  }

  private String quantified(String atom) {
    if (at >= pattern.length()) {
      return atom;
    }
    char c = pattern.charAt(at);
    String suffix;
    if (c == '*' || c == '+' || c == '?') {
      at++;
      suffix = String.valueOf(c);
    } else if (c == '{' && pattern.indexOf('}', at) > 0 && pattern.substring(at + 1, pattern.indexOf('}', at)).matches("\\d+(,\\d*)?")) {
      String inside = pattern.substring(at + 1, pattern.indexOf('}', at));
      at = pattern.indexOf('}', at) + 1;
      String[] parts = inside.split(",", -1);
      long min = Long.parseLong(parts[0]);
      long max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : Long.parseLong(parts[1]);
      if (min > JsonSchemaGrammar.MAX_REPEAT || max > JsonSchemaGrammar.MAX_REPEAT) {
        throw refuse("a repetition of more than " + JsonSchemaGrammar.MAX_REPEAT);
      }
      if (max >= 0 && max < min) {
        throw refuse("{" + inside + "} has its bounds reversed");
      }
      suffix = max < 0 ? "{" + min + ",}" : min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
    } else {
      return atom;
    }
    if (at < pattern.length() && pattern.charAt(at) == '?') {
      at++; // lazy: the same strings
    }
    if (at < pattern.length() && "*+?".indexOf(pattern.charAt(at)) >= 0) {
      throw refuse("a quantifier follows a quantifier at " + at);
    }
    return (atom.contains(" ") && !(atom.startsWith("(") && atom.endsWith(")")) ? "(" + atom + ")" : atom) + suffix;
  }

  private String atom() {
    char c = pattern.charAt(at);
    switch (c) {
      case '(' -> {
        at++;
        if (pattern.startsWith("?:", at)) {
          at += 2;
        } else if (pattern.startsWith("?", at)) {
          throw refuse("lookaround and named groups are not supported (at " + at + ")");
        }
        String inner = alternation();
        if (at >= pattern.length() || pattern.charAt(at) != ')') {
          throw refuse("a group is not closed");
        }
        at++;
        return inner.isEmpty() ? "\"\"" : "(" + inner + ")";
      }
      case '[' -> {
        return charClass();
      }
      case '.' -> {
        at++;
        return "[^" + UNWRITTEN + "]";
      }
      case '\\' -> {
        return escape(false);
      }
      case '^', '$' -> throw refuse("'" + c + "' is supported only at the ends (at " + at + ")");
      case '*', '+', '?', '{' -> throw refuse("nothing to repeat at " + at);
      default -> {
        int cp = pattern.codePointAt(at);
        at += Character.charCount(cp);
        return literal(cp);
      }
    }
  }

  /** A literal character, escaped as JSON writes it where JSON must. */
  private static String literal(int cp) {
    return switch (cp) {
      case '"' -> "\"\\\\\\\"\"";
      case '\\' -> "\"\\\\\\\\\"";
      case '\n' -> "\"\\\\n\"";
      case '\t' -> "\"\\\\t\"";
      case '\r' -> "\"\\\\r\"";
      default -> cp < 0x20 || cp == 0x7F ? "\"\\\\u" + String.format("%04x", cp) + "\"" : JsonSchemaGrammar.quoted(new String(Character.toChars(cp)));
    };
  }

  private String escape(boolean inClass) {
    at++;
    if (at >= pattern.length()) {
      throw refuse("it ends with a backslash");
    }
    char e = pattern.charAt(at++);
    String members = switch (e) {
      case 'd' -> "0-9";
      case 'w' -> "a-zA-Z0-9_";
      case 's' -> " ";
      default -> null;
    };
    if (members != null) {
      return inClass ? members : "[" + members + "]";
    }
    String negated = switch (e) {
      case 'D' -> "0-9";
      case 'W' -> "a-zA-Z0-9_";
      case 'S' -> " ";
      default -> null;
    };
    if (negated != null) {
      if (inClass) {
        throw refuse("\\" + e + " inside a class is not supported");
      }
      return "[^" + negated + UNWRITTEN + "]";
    }
    int cp = switch (e) {
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case 'f' -> '\f';
      case 'v' -> 0x0B;
      case '0' -> 0;
      default -> {
        if (Character.isLetterOrDigit(e)) {
          throw refuse("the escape \\" + e + " is not supported");
        }
        yield e;
      }
    };
    if (inClass) {
      return cp == '"' || cp == '\\' || cp < 0x20 || cp == 0x7F ? "" : JsonSchemaGrammar.classChar(cp);
    }
    return literal(cp);
  }

  private String charClass() {
    at++;
    boolean negate = at < pattern.length() && pattern.charAt(at) == '^';
    if (negate) {
      at++;
    }
    StringBuilder members = new StringBuilder();
    boolean first = true;
    while (at < pattern.length() && (pattern.charAt(at) != ']' || first)) {
      first = false;
      if (pattern.charAt(at) == '\\') {
        members.append(escape(true));
        continue;
      }
      int cp = pattern.codePointAt(at);
      at += Character.charCount(cp);
      if (at + 1 < pattern.length() && pattern.charAt(at) == '-' && pattern.charAt(at + 1) != ']') {
        at++;
        int to = pattern.codePointAt(at);
        if (to == '\\') {
          throw refuse("a range that ends in an escape is not supported");
        }
        at += Character.charCount(to);
        if (to < cp) {
          throw refuse("the range " + new String(Character.toChars(cp)) + "-" + new String(Character.toChars(to)) + " is reversed");
        }
        // leave out what JSON must escape: split around " (0x22) and \ (0x5C), start past the controls
        int from = Math.max(cp, 0x20);
        int[][] pieces = {{from, Math.min(to, 0x21)}, {Math.max(from, 0x23), Math.min(to, 0x5B)}, {Math.max(from, 0x5D), Math.min(to, 0x7E)},
            {Math.max(from, 0x80), to}};
        for (int[] p : pieces) {
          if (p[0] <= p[1]) {
            members.append(JsonSchemaGrammar.classChar(p[0]));
            if (p[1] > p[0]) {
              members.append('-').append(JsonSchemaGrammar.classChar(p[1]));
            }
          }
        }
      } else if (!(cp == '"' || cp == '\\' || cp < 0x20 || cp == 0x7F)) {
        members.append(JsonSchemaGrammar.classChar(cp));
      }
    }
    if (at >= pattern.length()) {
      throw refuse("a class is not closed");
    }
    at++;
    if (negate) {
      return "[^" + members + UNWRITTEN + "]";
    }
    if (members.length() == 0) {
      throw refuse("a class has nothing JSON can write unescaped");
    }
    return "[" + members + "]";
  }
}
