package dev.parley.templates;

import dev.parley.templates.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens as jinja2's lexer does with {@code trim_blocks} and {@code
 * lstrip_blocks} on (the settings Hugging Face renders chat templates with): newlines normalized to
 * {@code \n}, one trailing newline dropped, {@code -} and {@code +} whitespace control, the first
 * newline after a block or comment tag removed, and a tag's leading indentation removed when only
 * whitespace precedes it on its line.
 */
final class Lexer {
  private static final String[] OPERATORS = {
    "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}",
    ",", ".", ":", "|"
  };

  private final String src;
  private final List<Token> out = new ArrayList<>();
  private int pos;
  private int line = 1;

  private Lexer(String source) {
    String s = source.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    this.src = s;
  }

  static List<Token> tokenize(String source) {
    Lexer lexer = new Lexer(source);
    lexer.run();
    return lexer.out;
  }

  private void run() {
    boolean lineStarting = true;
    while (pos < src.length()) {
      int open = nextTag(pos);
      if (open < 0) {
        text(src.substring(pos));
        pos = src.length();
        break;
      }
      String text = src.substring(pos, open);
      char kind = src.charAt(open + 1);
      char sign = open + 2 < src.length() ? src.charAt(open + 2) : 0;
      boolean hasSign = sign == '-' || sign == '+';
      if (sign == '-') {
        text = rstrip(text);
      } else if (sign != '+' && kind != '{') {
        int lpos = text.lastIndexOf('\n') + 1;
        if ((lpos > 0 || lineStarting) && lpos < text.length() && isBlank(text, lpos)) {
          text = text.substring(0, lpos);
        }
      }
      text(text);
      line += count(src, pos, open);
      pos = open + 2 + (hasSign ? 1 : 0);
      int tagLine = line;
      if (kind == '#') {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
          throw new TemplateException("comment opened on line " + tagLine + " is never closed", tagLine);
        }
        line += count(src, pos, end);
        char before = end > pos ? src.charAt(end - 1) : 0;
        pos = end + 2;
        lineStarting = afterTagEnd(before == '-' ? '-' : before == '+' ? '+' : 0);
      } else {
        boolean block = kind == '%';
        out.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, block ? "{%" : "{{", tagLine));
        lineStarting = expression(block);
      }
    }
    out.add(new Token(Kind.END, "", line));
  }

  /** Skips what follows a tag's end as its control says; returns whether the skipped text ended a line. */
  private boolean afterTagEnd(char control) {
    if (control == '-') {
      int start = pos;
      while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
        pos++;
      }
      line += count(src, start, pos);
      return pos > start && src.charAt(pos - 1) == '\n';
    }
    if (control == 0 && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
      line++;
      return true;
    }
    return false;
  }

  /** Tokens of one tag's expression, through its end; returns whether the end consumed a newline. */
  private boolean expression(boolean block) {
    int depth = 0;
    String close = block ? "%}" : "}}";
    while (true) {
      if (pos >= src.length()) {
        throw new TemplateException("tag on line " + line + " is never closed", line);
      }
      char c = src.charAt(pos);
      if (c == '\n') {
        line++;
        pos++;
        continue;
      }
      if (Character.isWhitespace(c)) {
        pos++;
        continue;
      }
      if (depth == 0) {
        char control = 0;
        int at = pos;
        if ((c == '-' || c == '+') && src.startsWith(close, pos + 1)) {
          control = c;
          at = pos + 1;
        }
        if (src.startsWith(close, at)) {
          out.add(new Token(block ? Kind.BLOCK_END : Kind.VARIABLE_END, close, line));
          pos = at + 2;
          if (!block) {
            // A variable's end removes nothing after it unless marked with '-'.
            return control == '-' ? afterTagEnd('-') : false;
          }
          return afterTagEnd(control);
        }
      }
      if (c == '\'' || c == '"') {
        string(c);
      } else if (Character.isDigit(c)) {
        number();
      } else if (Character.isLetter(c) || c == '_') {
        int start = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        out.add(new Token(Kind.NAME, src.substring(start, pos), line));
      } else {
        String op = null;
        for (String o : OPERATORS) {
          if (src.startsWith(o, pos)) {
            op = o;
            break;
          }
        }
        if (op == null) {
          throw new TemplateException("unexpected character '" + c + "' on line " + line, line);
        }
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          depth++;
        } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
          depth = Math.max(0, depth - 1);
        }
        out.add(new Token(Kind.OPERATOR, op, line));
        pos += op.length();
      }
    }
  }

  private void string(char quote) {
    int startLine = line;
    StringBuilder b = new StringBuilder();
    pos++;
    while (true) {
      if (pos >= src.length()) {
        throw new TemplateException("string opened on line " + startLine + " is never closed", startLine);
      }
      char c = src.charAt(pos++);
      if (c == quote) {
        break;
      }
      if (c == '\n') {
        line++;
      }
      if (c != '\\' || pos >= src.length()) {
        b.append(c);
        continue;
      }
      char e = src.charAt(pos++);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'v' -> b.append('\u000b');
        case 'a' -> b.append('\u0007');
        case '0' -> b.append('\0');
        case '\\', '\'', '"' -> b.append(e);
        case '\n' -> line++;
        case 'x' -> b.append((char) hex(2));
        case 'u' -> b.append((char) hex(4));
        case 'U' -> b.appendCodePoint(hex(8));
        default -> b.append('\\').append(e);
      }
    }
    out.add(new Token(Kind.STRING, b.toString(), startLine));
  }

  private int hex(int digits) {
    if (pos + digits > src.length()) {
      throw new TemplateException("truncated escape on line " + line, line);
    }
    try {
      int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
      pos += digits;
      return v;
    } catch (NumberFormatException e) {
      throw new TemplateException("bad escape on line " + line + ": " + src.substring(pos, pos + digits), line);
    }
  }

  private void number() {
    int start = pos;
    while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
    }
    boolean isFloat = false;
    if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
      isFloat = true;
      pos++;
      while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int save = pos;
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        isFloat = true;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
          pos++;
        }
      } else {
        pos = save;
      }
    }
    out.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, src.substring(start, pos).replace("_", ""), line));
  }

  private void text(String text) {
    if (!text.isEmpty()) {
      out.add(new Token(Kind.TEXT, text, line));
    }
  }

  private int nextTag(int from) {
    int i = src.indexOf('{', from);
    while (i >= 0 && i + 1 < src.length()) {
      char n = src.charAt(i + 1);
      if (n == '{' || n == '%' || n == '#') {
        return i;
      }
      i = src.indexOf('{', i + 1);
    }
    return -1;
  }

  private static boolean isBlank(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i)) && !Character.isSpaceChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Python's {@code str.rstrip()}: removes trailing whitespace, newlines included. */
  static String rstrip(String s) {
    int end = s.length();
    while (end > 0 && Py.isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  private static int count(String s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }
}
