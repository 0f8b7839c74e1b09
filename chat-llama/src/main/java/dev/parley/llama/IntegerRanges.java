package dev.parley.llama;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * GBNF for the integers between two bounds, written as JSON writes them (no leading zeros, {@code -}
 * for negatives). An open side allows up to 16 digits, as the grammar's plain integers do.
 */
final class IntegerRanges {
  private static final int MAX_DIGITS = 16;

  private IntegerRanges() {}

  /** The integers {@code x} with {@code lo <= x <= hi}; a null bound is open. */
  static String between(@Nullable BigInteger lo, @Nullable BigInteger hi) {
    List<String> alternatives = new ArrayList<>();
    if (lo == null || lo.signum() < 0) {
      // -m for m in [max(1, -hi), -lo]
      BigInteger mLo = hi == null ? BigInteger.ONE : hi.negate().max(BigInteger.ONE);
      BigInteger mHi = lo == null ? null : lo.negate();
      if (mHi == null || mLo.compareTo(mHi) <= 0) {
        alternatives.add("\"-\" " + group(nonNegative(mLo, mHi)));
      }
    }
    if (hi == null || hi.signum() >= 0) {
      BigInteger a = lo == null ? BigInteger.ZERO : lo.max(BigInteger.ZERO);
      if (hi == null || a.compareTo(hi) <= 0) {
        alternatives.addAll(nonNegative(a, hi));
      }
    }
    if (alternatives.isEmpty()) {
      throw new IllegalArgumentException("no integer lies between " + lo + " and " + hi);
    }
    return String.join(" | ", alternatives);
  }

  /** Alternatives for [a, b], 0 <= a; b null is open. */
  private static List<String> nonNegative(BigInteger a, @Nullable BigInteger b) {
    List<String> out = new ArrayList<>();
    int from = a.toString().length();
    int to = b == null ? MAX_DIGITS : b.toString().length();
    for (int length = from; length <= to; length++) {
      BigInteger first = length == 1 ? BigInteger.ZERO : BigInteger.TEN.pow(length - 1);
      BigInteger last = BigInteger.TEN.pow(length).subtract(BigInteger.ONE);
      BigInteger x = a.max(first);
      BigInteger y = b == null ? last : b.min(last);
      if (x.compareTo(y) <= 0) {
        sameLength(x.toString(), y.toString(), "", out);
      }
    }
    return out;
  }

  /** Alternatives for the digit strings from {@code x} to {@code y}, both of one length, after {@code prefix}. */
  private static void sameLength(String x, String y, String prefix, List<String> out) {
    if (x.isEmpty()) {
      out.add(prefix.isEmpty() ? "\"\"" : prefix.strip());
      return;
    }
    char x0 = x.charAt(0);
    char y0 = y.charAt(0);
    String xs = x.substring(1);
    String ys = y.substring(1);
    int rest = xs.length();
    if (x0 == y0) {
      sameLength(xs, ys, prefix + "\"" + x0 + "\" ", out);
      return;
    }
    if (xs.chars().allMatch(c -> c == '0') && ys.chars().allMatch(c -> c == '9')) {
      out.add((prefix + digits(x0, y0) + any(rest)).strip());
      return;
    }
    sameLength(xs, "9".repeat(rest), prefix + "\"" + x0 + "\" ", out);
    if (x0 + 1 <= y0 - 1) {
      out.add((prefix + digits((char) (x0 + 1), (char) (y0 - 1)) + any(rest)).strip());
    }
    sameLength("0".repeat(rest), ys, prefix + "\"" + y0 + "\" ", out);
  }

  private static String digits(char from, char to) {
    return from == to ? "\"" + from + "\"" : "[" + from + "-" + to + "]";
  }

  private static String any(int count) {
    return count == 0 ? "" : count == 1 ? " [0-9]" : " [0-9]{" + count + "}";
  }

  private static String group(List<String> alternatives) {
    return alternatives.size() == 1 ? alternatives.get(0) : "(" + String.join(" | ", alternatives) + ")";
  }
}
